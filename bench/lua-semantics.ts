/**
 * Issue 11's cost check: `node --import tsx bench/lua-semantics.ts` (after `npm run build`).
 * Two figures, CPU median µs per evaluation: the example epic rule warm (three
 * `%s` of numbers per evaluation, the common case), and a format-heavy rule
 * (200 `string.format` calls with `%s` of a float, `%d` and `%.2f`, plus 200
 * number-to-text coercions). Run it on the commit before and after a change to
 * string.format or number-to-text; docs/lua-conformance.md has the last figures.
 */
import { codeUnderTest, LuaExecutor } from './core';
import { generateContexts } from './contexts';
import { measureSync } from './measure';
import { EPIC_RULE_FILE, epicRuleSource } from './rule-variants';

const FORMAT_HEAVY = `local s, n = 0, context.n
for i = 1, 200 do
  local t = string.format("High WSJF (%s) and value (%d), size %.2f", n + i * 0.5, i, n / 3)
  s = s + #t .. ""
end
return { decision = "escalated", confidence = 0.5, reasoning = tostring(s) }`;

function main(): void {
  const executor = new LuaExecutor();
  const contexts = generateContexts(10_000);
  const epic = executor.compile(epicRuleSource(), EPIC_RULE_FILE);
  const heavy = executor.compile(FORMAT_HEAVY, 'format-heavy.lua');
  if (!epic.ok || !heavy.ok) throw new Error('the benchmark rules do not compile');
  const at = (i: number) => contexts[i % contexts.length];
  const epicTiming = measureSync((i) => executor.run(epic.rule, at(i)), { batch: 1000, samples: 40, warmupBatches: 10 });
  const heavyTiming = measureSync((i) => executor.run(heavy.rule, { n: (i % 100) + 0.25 }), { batch: 20, samples: 30, warmupBatches: 5 });
  console.log(`measuring ${codeUnderTest}`);
  console.log(`epic rule, warm:   ${epicTiming.cpuMedianUs.toFixed(1)} µs CPU median per evaluation (wall ${epicTiming.medianUs.toFixed(1)})`);
  console.log(`format-heavy rule: ${heavyTiming.cpuMedianUs.toFixed(0)} µs CPU median per evaluation (wall ${heavyTiming.medianUs.toFixed(0)})`);
}

main();
