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

const first = Number(process.argv[2]);
const count = Number(process.argv[3]);
async function main(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50)); // let the sampler start
  const executor = new LuaExecutor(ATTACK_LIMITS);
  executor.evaluateSource(EPIC, 'epic.lua', { metrics: { wsjf_score: 60 } });
  gc();
  const baseline = process.memoryUsage.rss();
  for (let index = first; index < Math.min(first + count, ATTACKS.length); index++) {
    const attack = ATTACKS[index]!;
    gc();
    const before = process.memoryUsage.rss();
    peak[0] = before;
    const started = performance.now();
    const { result } = executor.evaluateSource(attack.source, 'attack.lua', {});
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 5)); // one more sample
    const top = Math.max(peak[0]!, process.memoryUsage.rss());
    const next = executor.evaluateSource(EPIC, 'epic.lua', { metrics: { wsjf_score: 60 } }).result;
    const outcome: AttackOutcome = {
      index,
      code: result.error?.code ?? null,
      message: result.error?.message ?? '',
      reasoning: result.reasoning.slice(0, 500),
      ms,
      rssGrowthBytes: top - before,
      peakOverBaseline: top - baseline,
      next,
    };
    process.stdout.write(JSON.stringify(outcome) + '\n');
  }
  await sampler.terminate();
}

void main();
