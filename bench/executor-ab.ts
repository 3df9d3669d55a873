/**
 * A/B of the executor's warm path between two builds in one process, so both see the
 * same machine load (this machine is shared; separate runs differ by ±30 %). Each
 * build's out/ (with its own node_modules/fengari) is loaded side by side; samples
 * alternate between them. Usage, after `npx tsc -b` in both trees:
 *   npx tsx bench/executor-ab.ts /path/to/before-tree [/path/to/after-tree]
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as ExecutorModule from '../core/src/executor/lua-executor';
import { generateContexts } from './contexts';
import { hundredLineRule } from './hundred-line-rule';
import { epicRuleSource } from './rule-variants';
import { LIBRARY_HEAVY } from './executor-warm';

type Executor = InstanceType<typeof ExecutorModule.LuaExecutor>;

function load(tree: string): typeof ExecutorModule.LuaExecutor {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(join(resolve(tree), 'out', 'core', 'src', 'executor', 'lua-executor.js')) as typeof ExecutorModule).LuaExecutor;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const [beforeTree, afterTree = join(__dirname, '..')] = process.argv.slice(2);
if (!beforeTree) throw new Error('usage: executor-ab.ts <before-tree> [after-tree]');
const builds = { before: load(beforeTree), after: load(afterTree) };
const contexts = generateContexts(1000);

for (const [name, source, batch] of [
  ['epic', epicRuleSource(), 2000],
  ['hundred-line', hundredLineRule(1), 500],
  ['library-heavy', LIBRARY_HEAVY, 500],
] as const) {
  const runners = Object.entries(builds).map(([label, LuaExecutor]) => {
    const executor: Executor = new LuaExecutor();
    const compiled = executor.compile(source, name);
    if (!compiled.ok) throw new Error(`${label} ${name}: ${compiled.error.message}`);
    const run = (i: number) => {
      const out = executor.run(compiled.rule, contexts[i % contexts.length]);
      if (out.result.error) throw new Error(`${label} ${name}: ${out.result.error.message}`);
    };
    for (let i = 0; i < batch; i++) run(i); // warm up
    return { label, run, samples: [] as number[], cpu: [] as number[] };
  });
  for (let s = 0; s < 40; s++) {
    for (const runner of s % 2 === 0 ? runners : [...runners].reverse()) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let i = 0; i < batch; i++) runner.run(s * batch + i);
      const used = process.cpuUsage(c0);
      runner.samples.push(((performance.now() - t0) * 1000) / batch);
      runner.cpu.push((used.user + used.system) / batch);
    }
  }
  // CPU time as well as wall time: on a shared machine the wall time of a sample includes
  // time other processes ran, CPU time (user + system of this process) does not.
  const [a, b] = runners.map((r) => median(r.samples)) as [number, number];
  const [ca, cb] = runners.map((r) => median(r.cpu)) as [number, number];
  const pct = (x: number, y: number) => `${(((y - x) / x) * 100).toFixed(1).padStart(6)} %`;
  console.log(`${name.padEnd(14)} before ${a.toFixed(2).padStart(7)} µs   after ${b.toFixed(2).padStart(7)} µs   ${pct(a, b)}   CPU ${ca.toFixed(2)} → ${cb.toFixed(2)} µs ${pct(ca, cb)}`);
}
