import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { fixtureLensTitle, readEditorFixtures, runEditorFixtures } from '../../core/src/checker';
import { lua, range } from './helpers';

const RULE = lua(
  'local wsjf = context.metrics.wsjf_score',
  'if wsjf > 50 then',
  '  return { decision = "autonomous", confidence = 0.95, reasoning = "high WSJF" }',
  'end',
  'return { decision = "escalated", confidence = 0.5, reasoning = "low WSJF" }',
);

const FIXTURES = JSON.stringify(
  {
    fixtures: [
      { name: 'high-wsjf', context: { metrics: { wsjf_score: 60 } }, expect: { decision: 'autonomous', confidence: 0.95 } },
      { name: 'wrong', context: { metrics: { wsjf_score: 10 } }, expect: { decision: 'collaborative', reasoning: 'WSJF' } },
      { name: 'no-metrics', context: {} },
      { name: 'expected-failure', context: {}, expect: { error: 'runtime-error' } },
    ],
  },
  null,
  2,
);

test('fixtures run on the shared executor: lenses, failures and errors', async () => {
  const { fixtures, findings } = readEditorFixtures(FIXTURES);
  assert.deepEqual(findings, []);
  const run = await runEditorFixtures(new LuaExecutor(), RULE, 'epic.lua', fixtures);
  assert.ok(run);
  assert.deepEqual(run.outcomes.map(fixtureLensTitle), ['✓ high-wsjf → autonomous 0.95 (line 3)', '✗ wrong → escalated 0.5 (line 5)', '✗ no-metrics → runtime-error (line 1)', '✓ expected-failure → runtime-error (line 1)']);
  assert.deepEqual(
    run.ruleFindings.map((f) => [f.code, f.range, f.message.replace(/epic\.lua:1: .*/, 'epic.lua:1: …')]),
    [
      ['fixture-failed', range(0, 0, 0, 39), 'fixture "wrong" failed: decision is escalated, expected collaborative'],
      ['fixture-error', range(0, 0, 0, 39), 'fixture "no-metrics" fails: runtime-error: epic.lua:1: …'],
    ],
  );
  assert.deepEqual(run.fixtureFileFindings.map((f) => [f.code, f.range.start.line]), [['fixture-failed', 15], ['fixture-error', 27]]);
});

test('a run is abandoned when it is cancelled', async () => {
  const { fixtures } = readEditorFixtures(FIXTURES);
  let checks = 0;
  const run = await runEditorFixtures(new LuaExecutor(), RULE, 'epic.lua', fixtures, { isCancelled: () => ++checks > 2 });
  assert.equal(run, undefined);
});

test('a rule that loops forever is stopped by the instruction budget', async () => {
  const { fixtures } = readEditorFixtures(JSON.stringify({ fixtures: [{ name: 'loop', context: {} }] }));
  const run = await runEditorFixtures(new LuaExecutor(), 'while true do end', 'loop.lua', fixtures, { limits: { instructions: 10_000 } });
  assert.deepEqual(run?.outcomes.map(fixtureLensTitle), ['✗ loop → instruction-limit (line 1)']);
});

test('a broken fixtures file gives findings and no fixtures', () => {
  const { fixtures, findings } = readEditorFixtures('{"fixtures": [{"name": 3}]}');
  assert.deepEqual(fixtures, []);
  assert.deepEqual(findings.map((f) => f.message), ['fixtures[0] is missing "context"', 'fixtures[0].name must be string, got 3']);
});

test('pattern rules run their fixtures with the engine pattern semantics', async () => {
  const rule = JSON.stringify({ patterns: [{ type: 'metric', metric: 'wsjf_score', threshold: 50, weight: 0.9 }] });
  const { fixtures } = readEditorFixtures(JSON.stringify({ fixtures: [{ name: 'high', context: { metrics: { wsjf_score: 100 } }, expect: { decision: 'autonomous' } }, { name: 'half', context: { metrics: { wsjf_score: 25 } } }] }));
  const run = await runEditorFixtures(new LuaExecutor(), rule, 'wsjf.rule.json', fixtures, { kind: 'pattern' });
  assert.deepEqual(run?.outcomes.map(fixtureLensTitle), ['✓ high → autonomous 0.9', '✓ half → escalated 0.45']);
  const broken = await runEditorFixtures(new LuaExecutor(), '{"patterns": []}', 'bad.rule.json', fixtures, { kind: 'pattern' });
  assert.deepEqual(broken, { outcomes: [], ruleFindings: [], fixtureFileFindings: [] });
});
