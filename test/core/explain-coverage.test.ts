/**
 * Issue 15: every result names the line of the `return` that produced it; a traced
 * run lists the lines that ran with the context values read; coverage counts the
 * lines holding code that fixtures ran.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { coverageFor, lcovRecord, lineRanges } from '../../core/src/coverage/line-coverage';
import { explainRun, formatExplain } from '../../core/src/explain/explain-run';
import type { RuleDefinition } from '../../core/src/model/rule';
import { runFixtures } from '../../core/src/fixtures/run-fixtures';

const TIERS = [
  'local function decide(ctx)', // 1
  '  local m = ctx.metrics or {}', // 2
  '  if (m.score or 0) > 50 then', // 3
  '    return {', // 4
  '      decision = "autonomous",', // 5
  '      confidence = 0.95,', // 6
  '      reasoning = "high",', // 7
  '    }', // 8
  '  end', // 9
  '  return { decision = "escalated", confidence = 0.3, reasoning = "low" }', // 10
  'end', // 11
  'return decide(context)', // 12
].join('\n');

function lua(source: string, name = 'tiers'): RuleDefinition {
  return { kind: 'lua', name, category: 'epic', source, origin: `${name}.lua` } as unknown as RuleDefinition;
}

describe('result line', () => {
  const executor = new LuaExecutor();
  const line = (source: string, context: unknown = {}): number | null => executor.evaluateSource(source, `r${Math.random()}`, context).result.line;
  it('is the line of the return keyword, through a tail call, also for a table over several lines', () => {
    assert.equal(line(TIERS, { metrics: { score: 90 } }), 4);
    assert.equal(line(TIERS, { metrics: { score: 10 } }), 10);
  });
  it('is the chunk’s own return when the result passed through a local', () => {
    assert.equal(line('local function f() return { decision = "escalated", confidence = 0.1, reasoning = "x" } end\nlocal r = f()\nr.reasoning = "y"\nreturn r\n'), 4);
  });
  it('is there for an invalid result, null for a runtime error and for a limit', () => {
    assert.equal(line('\nreturn { decision = "maybe", confidence = 0.5, reasoning = "x" }'), 2);
    assert.equal(line('error("boom")'), null);
    assert.equal(line('while true do end'), null);
    assert.equal(executor.evaluateSource('while true do end', 'loop', {}).result.line, null);
  });
  it('does not leak from one evaluation into the next', () => {
    assert.equal(line(TIERS, { metrics: { score: 90 } }), 4);
    assert.equal(line('error("boom")'), null);
  });
});

describe('explain', () => {
  it('lists the lines that ran in order, with the context values each reads through the parameter and the alias', () => {
    const run = explainRun(new LuaExecutor(), lua(TIERS), { metrics: { score: 90 } });
    assert.equal(run.result.decision, 'autonomous');
    const lines = run.steps.map((s) => s.line);
    assert.deepEqual(lines.slice(lines.indexOf(12)), [12, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(run.steps.find((s) => s.line === 2)?.reads, [{ path: 'context.metrics', value: '{"score":90}' }]);
    assert.deepEqual(run.steps.find((s) => s.line === 3)?.reads, [{ path: 'context.metrics.score', value: '90' }]);
    const text = formatExplain(run).join('\n');
    assert.match(text, / 4 +return \{ +│ ← returned the result/);
    assert.doesNotMatch(text, /\b10 /, 'the escalated return did not run');
  });
  it('says nil for a field the context lacks, and counts a loop line once with ×n', () => {
    const source = 'local n = 0\nfor i = 1, 3 do n = n + i end\nif context.flag then n = 0 end\nreturn { decision = "escalated", confidence = 0.1, reasoning = tostring(n) }';
    const run = explainRun(new LuaExecutor(), lua(source, 'loop'), {});
    assert.deepEqual(run.steps.find((s) => s.line === 3)?.reads, [{ path: 'context.flag', value: 'nil' }]);
    assert.ok((run.steps.find((s) => s.line === 2)?.times ?? 0) > 1);
  });
  it('a pattern rule has no lines to explain', () => {
    const pattern = { kind: 'pattern', name: 'p', category: 'epic', patterns: [{ type: 'metric', metric: 'x', threshold: 1, weight: 1 }], origin: 'p.rule.json' } as unknown as RuleDefinition;
    const run = explainRun(new LuaExecutor(), pattern, { metrics: { x: 2 } });
    assert.deepEqual(run.steps, []);
    assert.equal(run.result.line, null);
    assert.match(formatExplain(run).join('\n'), /no Lua lines ran/);
  });
});

describe('coverage', () => {
  it('counts lines holding code (not comments, blanks or a bare end) and which fixtures ran them', () => {
    const executor = new LuaExecutor();
    const definition = lua(TIERS, 'covered');
    const coverage = coverageFor(executor, definition);
    assert.ok(coverage);
    assert.ok(!coverage.executable.has(9), 'the `end` of the if holds no code of its own');
    runFixtures(executor, definition, [{ name: 'high', context: { metrics: { score: 90 } }, expect: {} }] as never, undefined, coverage);
    assert.deepEqual(coverage.uncovered(), [10]);
    runFixtures(executor, definition, [{ name: 'low', context: { metrics: { score: 1 } }, expect: {} }] as never, undefined, coverage);
    assert.deepEqual(coverage.uncovered(), []);
    assert.equal(coverage.percent, 100);
    const lcov = lcovRecord('rules/covered.lua', coverage);
    assert.match(lcov, /^TN:\nSF:rules\/covered\.lua\nDA:2,2\n/);
    assert.match(lcov, /\nLF:(\d+)\nLH:\1\nend_of_record\n$/);
  });
  it('is undefined for pattern rules and rules that do not compile', () => {
    assert.equal(coverageFor(new LuaExecutor(), lua('return {', 'broken')), undefined);
  });
  it('lineRanges folds runs of lines', () => {
    assert.equal(lineRanges([3, 4, 5, 9, 12, 13]), '3-5, 9, 12-13');
  });
});
