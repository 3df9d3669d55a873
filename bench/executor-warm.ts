/**
 * Warm-path cost of the executor's containment (issue 10): the example epic rule,
 * the ~100-line rule and a library-heavy rule (table.insert/concat, string.format,
 * string keys, comparisons, tostring), each compiled once and run over varied
 * contexts. Prints the median µs per evaluation of each. Used to compare builds
 * before and after a change to the budget, the guards or the fengari patches:
 *   npx tsc -b && node out/bench/executor-warm.js   (or: npx tsx bench/executor-warm.ts)
 */
import { performance } from 'node:perf_hooks';
import { LuaExecutor } from './core';
import { generateContexts } from './contexts';
import { hundredLineRule } from './hundred-line-rule';
import { epicRuleSource } from './rule-variants';

export const LIBRARY_HEAVY = `
local m = context.metrics or {}
local parts, seen = {}, {}
for i = 1, 20 do
  table.insert(parts, string.format("%s=%d", "k" .. i, i))
  seen["key" .. (i % 7)] = (seen["key" .. (i % 7)] or 0) + 1
end
table.remove(parts, 1)
local text = table.concat(parts, ",")
local best = "a"
for k in pairs(seen) do if k > best then best = k end end
local score = (m.wsjf_score or 0) + #text + #tostring(best)
return { decision = score > 100 and "autonomous" or "escalated", confidence = 0.9, reasoning = best .. ":" .. text:sub(1, 20) }`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function measure(name: string, source: string, batch: number, samples: number): void {
  const executor = new LuaExecutor();
  const compiled = executor.compile(source, name);
  if (!compiled.ok) throw new Error(`${name}: ${compiled.error.message}`);
  const contexts = generateContexts(1000);
  for (let i = 0; i < batch; i++) executor.run(compiled.rule, contexts[i % contexts.length]); // warm up
  const perEval: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const out = executor.run(compiled.rule, contexts[(s * batch + i) % contexts.length]);
      if (out.result.error) throw new Error(`${name}: ${out.result.error.message}`);
    }
    perEval.push(((performance.now() - t0) * 1000) / batch);
  }
  console.log(`${name.padEnd(16)} ${median(perEval).toFixed(2).padStart(8)} µs/evaluation (median of ${samples} × ${batch})`);
}

if (require.main === module) {
  measure('epic', epicRuleSource(), 2000, 30);
  measure('hundred-line', hundredLineRule(1), 500, 30);
  measure('library-heavy', LIBRARY_HEAVY, 500, 30);
}
