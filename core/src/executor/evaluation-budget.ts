import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import type { CallBudget, ExecutorLimits } from './limits';
import { LimitExceeded } from './limits';
import type { EvaluationMeter } from './fengari-runtime';

/** How many VM instructions run between two hook calls. */
export const HOOK_PERIOD = 1000;
/**
 * Steps of library work allowed per budgeted instruction. A step is about one
 * pattern-matcher step, one table element a library loop touches, or 16 bytes a
 * library call scans or builds: a few nanoseconds, a tenth of a VM instruction.
 */
const STEPS_PER_INSTRUCTION = 10;
/**
 * Charged work is settled (step limit, clock, heap) every this many steps. At a few
 * nanoseconds a step that is a clock read every few tens of microseconds, so a long
 * library call overruns the time limit by far less than a millisecond of uncharged work.
 */
const SETTLE_EVERY = 2000;
/** The JS heap is sampled every this many hook ticks or settlements (a sample costs about a microsecond). */
const HEAP_SAMPLE_EVERY = 4;

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * The running account of one evaluation: instructions, library work (steps), string
 * bytes, heap growth and wall-clock time. Whatever notices a limit first records it in
 * `exceeded` and throws; the executor reads `exceeded` to pick the error code, so a
 * rule that catches the error with pcall still ends with that code.
 *
 * Two feeds: the count hook (VM instructions) and the work meter, which fengari's
 * patched hot spots (patches/fengari/10-work-meter.patch), the sandbox's library
 * guards and our own library functions call as they go (see docs/decisions.md,
 * "Limits inside library calls").
 */
export class EvaluationBudget implements CallBudget, EvaluationMeter {
  ticks = 0;
  /** Settled library work, in steps. */
  workSteps = 0;
  stringBytes = 0;
  exceeded: LimitExceeded | null = null;
  private pending = 0;
  private settlements = 0;
  private deadline = 0;
  private heapBaseline = -1;

  constructor(private readonly limits: ExecutorLimits) {}

  reset(): void {
    this.ticks = 0;
    this.workSteps = 0;
    this.pending = 0;
    this.settlements = 0;
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
    if (this.heapBaseline < 0 || this.ticks % HEAP_SAMPLE_EVERY === 0) this.checkHeap();
  }

  /** Library work as it happens; cheap enough to call per table element. */
  steps(count: number): void {
    if (this.exceeded !== null) throw this.exceeded;
    this.pending += count;
    if (this.pending >= SETTLE_EVERY) this.settle();
  }

  /** A string of `bytes` is about to be created. */
  allocate(bytes: number): void {
    if (this.exceeded) throw this.exceeded;
    if (bytes > this.limits.maxStringBytes) this.failStringTooLarge(bytes);
    this.stringBytes += bytes;
    if (this.stringBytes > this.limits.memoryBytes) {
      this.fail(new LimitExceeded('memory-limit', `memory limit exceeded: the rule created more than ${formatBytes(this.limits.memoryBytes)} of strings`));
    }
  }

  /** A string was created: its bytes count against memory, and building it took time. */
  onString(bytes: number): void {
    this.allocate(bytes);
    if (bytes > 256) this.steps(bytes >> 4);
  }

  /** A string buffer grows by `bytes` to hold `total` bytes: a string being built. */
  grow(bytes: number, total: number): void {
    if (total > this.limits.maxStringBytes) this.failStringTooLarge(total);
    this.allocate(bytes);
    this.steps(bytes >> 4);
  }

  private settle(): void {
    this.workSteps += this.pending;
    this.pending = 0;
    const allowed = this.limits.instructions * STEPS_PER_INSTRUCTION;
    if (this.workSteps > allowed) {
      this.fail(new LimitExceeded('time-limit', `time limit exceeded: library calls did more than ${allowed.toLocaleString('en-US')} steps of work`));
    }
    this.checkDeadline();
    if (this.heapBaseline < 0 || ++this.settlements % HEAP_SAMPLE_EVERY === 0) this.checkHeap();
  }

  private failStringTooLarge(bytes: number): never {
    this.fail(new LimitExceeded('memory-limit', `memory limit exceeded: a string of ${formatBytes(bytes)} is larger than the ${formatBytes(this.limits.maxStringBytes)} limit`));
  }

  private checkDeadline(): void {
    if (performance.now() > this.deadline) {
      this.fail(new LimitExceeded('time-limit', `time limit exceeded: the rule ran longer than ${this.limits.timeMs} ms`));
    }
  }

  /**
   * Tables grow by at most a few slots per instruction or step, so sampling the heap
   * every few ticks bounds them. The heap's committed size, not its used size: what
   * the process holds (RSS) follows the committed pages, and V8 commits young-generation
   * space well ahead of use when a rule allocates fast (measured: RSS grew twice the
   * used-heap growth on the attack suite's table builders).
   */
  private checkHeap(): void {
    const stats = getHeapStatistics();
    const used = Math.max(stats.total_heap_size, stats.used_heap_size) + stats.external_memory;
    if (this.heapBaseline < 0) {
      this.heapBaseline = used;
      return;
    }
    if (used - this.heapBaseline > this.limits.memoryBytes) {
      this.fail(new LimitExceeded('memory-limit', `memory limit exceeded: the rule grew the heap by more than ${formatBytes(this.limits.memoryBytes)}`));
    }
  }

  /** Records a limit hit by something other than the budget's own counters (e.g. a failed JS allocation). */
  fail(error: LimitExceeded): never {
    this.exceeded = error;
    throw error;
  }
}
