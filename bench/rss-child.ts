/**
 * Run in a child process by rss.ts (node --expose-gc), so that nothing the main
 * benchmark allocated is in the figure: RSS growth from loading 1,000 distinct
 * ~100-line rules into one engine, then after evaluating each of them once.
 * Prints one JSON line.
 */
import { RuleEngine } from './core';
import { hundredLineRule } from './hundred-line-rule';
import { luaDefinition, versioned } from './rule-definitions';

const RULES = 1000;
const gc = (globalThis as { gc?: () => void }).gc;

function settle(): void {
  // Several passes: one full GC can leave garbage that the next one finds.
  for (let i = 0; i < 3; i++) gc?.();
}

const mb = (bytes: number) => bytes / (1024 * 1024);
const context = { epic_id: 'epic-1', metrics: { wsjf_score: 60, business_value: 80, job_size: 30, acceptance_criteria_count: 4 }, tags: ['api'] };

const engine = new RuleEngine({ cache: { minConfidence: 2 } });
// Warm the code paths (parser, compiler, VM, JIT) with a rule outside the counted set.
engine.applyChange({ upserted: [versioned(luaDefinition('warmup', hundredLineRule(1_000_000)))], removed: [] });
engine.evaluateRule('warmup', context);
settle();
const before = process.memoryUsage();

const rules = Array.from({ length: RULES }, (_, i) => versioned(luaDefinition(`generated_rule_${i}`, hundredLineRule(i))));
const report = engine.applyChange({ upserted: rules, removed: [] });
settle();
const afterLoad = process.memoryUsage();

let failures = 0;
for (let i = 0; i < RULES; i++) if (engine.evaluateRule(`generated_rule_${i}`, context).error) failures++;
settle();
const afterEval = process.memoryUsage();

process.stdout.write(
  JSON.stringify({
    rules: report.applied.length,
    refused: report.refused.length,
    evaluationFailures: failures,
    gcExposed: gc !== undefined,
    rssBeforeMB: mb(before.rss),
    rssGrowthLoadMB: mb(afterLoad.rss - before.rss),
    rssGrowthEvalMB: mb(afterEval.rss - before.rss),
    heapGrowthLoadMB: mb(afterLoad.heapUsed - before.heapUsed),
  }) + '\n',
);
