import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import type { CallBudget, ExecutorLimits } from './limits';
import { LimitExceeded } from './limits';
import type { StringMeter } from './fengari-runtime';

/** How many VM instructions run between two hook calls. */
export const HOOK_PERIOD = 1000;
/** Pattern-matcher steps allowed per budgeted instruction (matching is far cheaper than a VM instruction). */
const STEPS_PER_INSTRUCTION = 10;
/** The JS heap is sampled every this many hook ticks (a sample costs about a microsecond). */
const HEAP_SAMPLE_EVERY = 4;

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * The running account of one evaluation: instructions, pattern steps, string bytes,
 * heap growth and wall-clock time. Whatever notices a limit first records it in
 * `exceeded` and throws; the executor reads `exceeded` to pick the error code, so a
 * rule that catches the error with pcall still ends with that code.
 */
export class EvaluationBudget implements CallBudget, StringMeter {
  ticks = 0;
  matcherSteps = 0;
  stringBytes = 0;
  exceeded: LimitExceeded | null = null;
  private deadline = 0;
  private heapBaseline = -1;

  constructor(private readonly limits: ExecutorLimits) {}

  reset(): void {
    this.ticks = 0;
    this.matcherSteps = 0;
    this.stringBytes = 0;
    this.exceeded = null;
    this.heapBaseline = -1;
    this.deadline = performance.now() + this.limits.timeMs;
  }

  /** Called by the count hook every HOOK_PERIOD instructions. */
  onHookTick(): void {
    this.ticks++;
    if (this.exceeded) throw this.exceeded;
    if (this.ticks * HOOK_PERIOD > this.limits.instructions) {
      this.fail(new LimitExceeded('instruction-limit', `instruction limit exceeded: the rule ran more than ${this.limits.instructions.toLocaleString('en-US')} instructions`));
    }
    this.checkDeadline();
    if (this.ticks % HEAP_SAMPLE_EVERY === 0) this.checkHeap();
  }

  steps(count: number): void {
    this.matcherSteps += count;
    if (this.exceeded) throw this.exceeded;
    if (this.matcherSteps > this.limits.instructions * STEPS_PER_INSTRUCTION) {
      this.fail(new LimitExceeded('time-limit', `time limit exceeded: one library call (pattern matching) ran more than ${(this.limits.instructions * STEPS_PER_INSTRUCTION).toLocaleString('en-US')} steps`));
    }
    this.checkDeadline();
  }

  allocate(bytes: number): void {
    if (this.exceeded) throw this.exceeded;
    if (bytes > this.limits.maxStringBytes) {
      this.fail(new LimitExceeded('memory-limit', `memory limit exceeded: a string of ${formatBytes(bytes)} is larger than the ${formatBytes(this.limits.maxStringBytes)} limit`));
    }
    this.stringBytes += bytes;
    if (this.stringBytes > this.limits.memoryBytes) {
      this.fail(new LimitExceeded('memory-limit', `memory limit exceeded: the rule created more than ${formatBytes(this.limits.memoryBytes)} of strings`));
    }
  }

  onString(bytes: number): void {
    this.allocate(bytes);
  }

  private checkDeadline(): void {
    if (performance.now() > this.deadline) {
      this.fail(new LimitExceeded('time-limit', `time limit exceeded: the rule ran longer than ${this.limits.timeMs} ms`));
    }
  }

  /** Tables grow by at most a few slots per instruction, so sampling the heap every few ticks bounds them. */
  private checkHeap(): void {
    const stats = getHeapStatistics();
    const used = stats.used_heap_size + stats.external_memory;
    if (this.heapBaseline < 0) {
      this.heapBaseline = used;
      return;
    }
    if (used - this.heapBaseline > this.limits.memoryBytes) {
      this.fail(new LimitExceeded('memory-limit', `memory limit exceeded: the rule grew the heap by more than ${formatBytes(this.limits.memoryBytes)}`));
    }
  }

  private fail(error: LimitExceeded): never {
    this.exceeded = error;
    throw error;
  }
}
