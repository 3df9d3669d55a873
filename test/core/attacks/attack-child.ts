/**
 * Runs a batch of attacks in this process and prints one JSON line per attack:
 * its result, its time and the process's peak RSS after it. Started by
 * attacks.test.ts with `node --import tsx --expose-gc attack-child.ts <first> <count>`.
 *
 * RSS: a worker thread samples the process's RSS every 2 ms while the main thread
 * runs the attack (the evaluation is synchronous, so only another thread can see its
 * peak). An attack's figure is its peak RSS minus the RSS when it started, after a
 * full GC; `peakOverBaseline` is its peak minus the RSS after the warm-up evaluation,
 * which also counts what earlier attacks in the batch left behind.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { LuaExecutor } from '../../../core/src/executor/lua-executor';
import { ATTACK_LIMITS, ATTACKS } from './attack-list';

export interface AttackOutcome {
  index: number;
  code: string | null;
  message: string;
  reasoning: string;
  ms: number;
  /** CPU time of the evaluating thread (10 ms resolution). */
  cpuMs: number;
  rssGrowthBytes: number;
  peakOverBaseline: number;
  next: unknown;
}

const EPIC = `local wsjf = context.metrics.wsjf_score or 0
if wsjf > 50 then return { decision = "autonomous", confidence = 0.95, reasoning = string.format("High WSJF (%d)", wsjf) } end
return { decision = "escalated", confidence = 0.5, reasoning = "Low WSJF" }`;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** [0]: the highest RSS seen since the main thread last reset it. */
const peak = new Float64Array(new SharedArrayBuffer(8));
const SAMPLER = `
const { workerData } = require('node:worker_threads');
const peak = new Float64Array(workerData);
setInterval(() => { const rss = process.memoryUsage.rss(); if (rss > peak[0]) peak[0] = rss; }, 2);
`;
const sampler = new Worker(SAMPLER, { eval: true, workerData: peak.buffer });
sampler.unref();

/**
 * CPU time of this process's main thread (the one that evaluates), in ms, from
 * /proc/self/task/<pid>/stat (utime + stime, in clock ticks of 10 ms). Not
 * process.cpuUsage(): that adds the RSS sampler's and V8's GC helper threads. On a
 * busy machine the wall clock also counts the time the thread waited for a core; this
 * counts only the work it did, which is what an attack's bound is about.
 */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after "pid (comm) ".
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Attacks that must succeed (`code: null`) run with a wall-clock limit far away: on a
 * busy machine the 500 ms clock would stop them while they wait for a core, and the
 * test would call a correct rule an attack that got through. Their bound is checked on
 * the CPU time they took instead (attacks.test.ts), and a broken one (# scanning 4 MiB
 * each time: minutes of CPU) still ends, on this clock.
 */
export const SUCCEEDING_ATTACK_WALL_MS = 60_000;

const first = Number(process.argv[2]);
const count = Number(process.argv[3]);
async function main(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the sampler start
  const executor = new LuaExecutor(ATTACK_LIMITS);
  const patient = new LuaExecutor({ ...ATTACK_LIMITS, timeMs: SUCCEEDING_ATTACK_WALL_MS });
  executor.evaluateSource(EPIC, 'epic.lua', { metrics: { wsjf_score: 60 } });
  patient.evaluateSource(EPIC, 'epic.lua', { metrics: { wsjf_score: 60 } });
  gc();
  const baseline = process.memoryUsage.rss();
  for (let index = first; index < Math.min(first + count, ATTACKS.length); index++) {
    const attack = ATTACKS[index]!;
    gc();
    const before = process.memoryUsage.rss();
    peak[0] = before;
    const runner = attack.code === null ? patient : executor;
    const cpuBefore = mainThreadCpuMs();
    const started = performance.now();
    const { result } = runner.evaluateSource(attack.source, 'attack.lua', {});
    const ms = performance.now() - started;
    const cpuMs = mainThreadCpuMs() - cpuBefore;
    await new Promise((resolve) => setTimeout(resolve, 5)); // one more sample
    const top = Math.max(peak[0]!, process.memoryUsage.rss());
    const next = runner.evaluateSource(EPIC, 'epic.lua', { metrics: { wsjf_score: 60 } }).result;
    const outcome: AttackOutcome = {
      index,
      code: result.error?.code ?? null,
      message: result.error?.message ?? '',
      reasoning: result.reasoning.slice(0, 500),
      ms,
      cpuMs,
      rssGrowthBytes: top - before,
      peakOverBaseline: top - baseline,
      next,
    };
    process.stdout.write(JSON.stringify(outcome) + '\n');
  }
  await sampler.terminate();
}

void main();
