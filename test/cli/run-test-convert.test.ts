import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { binary, cli, writeIn } from './cli-harness';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lua-rules-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => writeIn(dir, name, text);

describe('lua-rules (the binary)', () => {
  it('--help lists the commands', () => {
    const run = binary(['--help']);
    assert.equal(run.code, 0);
    for (const command of ['run', 'test', 'check', 'convert']) assert.match(run.stdout, new RegExp(`\\n  ${command} `));
  });
  it('test rules/ passes every example fixture and ends with the summary line', () => {
    const run = binary(['test', 'rules/']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\n\d+ passed, 0 failed\n$/);
  });
  it('run --json prints the contract JSON only on stdout', () => {
    const run = binary(['run', 'rules/epic_wsjf_validation.lua', '--context', 'rules/examples/epic-context.json', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['decision', 'confidence', 'reasoning', 'rule', 'durationMs', 'instructions', 'error', 'line']);
    assert.deepEqual([json['decision'], json['confidence'], json['rule'], json['error']], ['autonomous', 0.95, 'epic_wsjf_validation', null]);
    assert.equal(typeof json['line'], 'number', 'the line of the return that produced the result');
  });
  it('run reads the context from stdin with -', () => {
    const run = binary(['run', 'rules/epic_wsjf_validation.lua', '--context', '-', '--json'], { stdin: '{"metrics": {"wsjf_score": 10}}' });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { decision: string }).decision, 'escalated');
  });
});

describe('lua-rules: bad usage and bad input are one clear line and exit 2', () => {
  const cases: [string, () => string[], RegExp, string?][] = [
    ['unknown command', () => ['tset'], /unknown command 'tset' \(did you mean 'test'\?\)/],
    ['unknown flag', () => ['run', 'rules/epic_wsjf_validation.lua', '--contxt', 'x.json'], /unknown flag '--contxt' \(did you mean '--context'\?\)/],
    ['flag without its value', () => ['run', 'rules/epic_wsjf_validation.lua', '--context'], /--context' needs a value/],
    ['missing rule file', () => ['run', 'nope.lua', '--context', 'rules/examples/epic-context.json'], /nope\.lua: file not found/],
    ['missing context file', () => ['run', 'rules/epic_wsjf_validation.lua', '--context', 'missing.json'], /context file not found: missing\.json/],
    ['context is invalid JSON', () => ['run', 'rules/epic_wsjf_validation.lua', '--context', file('bad.json', '{\n  "metrics": {,\n}')], /bad\.json:2:\d+: invalid JSON/],
    ['context is not an object', () => ['run', 'rules/epic_wsjf_validation.lua', '--context', file('array.json', '[1, 2]')], /invalid context: the context must be a JSON object, got an array/],
    ['context nested too deep', () => ['run', 'rules/epic_wsjf_validation.lua', '--context', file('deep.json', '{"a":'.repeat(40) + '1' + '}'.repeat(40))], /nested deeper than 32 levels/],
    ['context from stdin is empty', () => ['run', 'rules/epic_wsjf_validation.lua', '--context', '-'], /<stdin>: invalid JSON/],
    ['no context at all', () => ['run', 'rules/epic_wsjf_validation.lua'], /give the context with --context/],
    ['unknown fixture', () => ['run', 'rules/epic_wsjf_validation.lua', '--fixture', 'high-wsfj'], /no fixture named 'high-wsfj' \(did you mean 'high-wsjf'\?\)/],
    ['bad instruction budget', () => ['run', 'rules/epic_wsjf_validation.lua', '--fixture', 'high-wsjf', '--instructions', 'lots'], /--instructions must be a whole number/],
    ['a rule file that is not a rule', () => ['run', 'package.json', '--context', 'rules/examples/epic-context.json'], /not a rule file/],
    ['a pattern rule with a bad weight', () => ['run', file('bad.rule.json', '{"patterns": [{"type": "metric", "metric": "a", "threshold": 1, "weight": 2}]}'), '--context', 'rules/examples/epic-context.json'], /patterns\[0\]\.weight must be a number from 0 to 1, got 2/],
    ['test on a missing path', () => ['test', 'no/such/folder'], /test: not found: no\/such\/folder/],
    ['convert of a Lua file', () => ['convert', 'rules/epic_wsjf_validation.lua'], /is not a pattern rule/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const run = await cli(argv());
      assert.equal(run.code, 2, `exit code; stderr: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
    });
  }
});

describe('lua-rules run', () => {
  it('a rule that fails gives the escalated contract result, its error code and exit 1', async () => {
    const rule = file('loop.lua', 'while true do end');
    const run = await cli(['run', rule, '--context', 'rules/examples/epic-context.json', '--json']);
    assert.equal(run.code, 1);
    const json = JSON.parse(run.stdout) as { decision: string; confidence: number; error: { code: string } };
    assert.deepEqual([json.decision, json.confidence, json.error.code], ['escalated', 0, 'instruction-limit']);
  });
  it('--fixture runs a fixture and says whether it matched', async () => {
    const run = await cli(['run', 'rules/epic_wsjf_validation.lua', '--fixture', 'high-wsjf']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /✓ matches fixture 'high-wsjf'/);
  });
  it('runs a pattern rule', async () => {
    const run = await cli(['run', 'rules/epic_priority.rule.json', '--context', 'rules/examples/epic-context.json', '--json']);
    assert.equal(run.code, 0);
    assert.equal((JSON.parse(run.stdout) as { instructions: number }).instructions, 0);
  });
});

describe('lua-rules test', () => {
  it('prints each failure with expected vs actual and exits 1', async () => {
    file('suite/r.lua', 'return { decision = "escalated", confidence = 0.5, reasoning = "Low WSJF" }');
    file('suite/r.fixtures.json', JSON.stringify({ fixtures: [
      { name: 'ok', context: {}, expect: { decision: 'escalated' } },
      { name: 'wrong', context: {}, expect: { decision: 'autonomous', confidence: { min: 0.9 }, reasoning: 'High' } },
    ] }));
    const run = await cli(['test', join(dir, 'suite')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /✗ wrong → escalated 0\.5\n +field +expected +actual\n +decision +autonomous +escalated\n +confidence +at least 0\.9 +0\.5\n +reasoning +contains "High" +"Low WSJF"/);
    assert.match(run.stdout, /\n1 passed, 1 failed\n$/);
  });
  it('reports a broken fixtures file, runs the rest, and exits 2', async () => {
    file('mixed/good.lua', 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }');
    file('mixed/good.fixtures.json', JSON.stringify({ fixtures: [{ name: 'one', context: {}, expect: { decision: 'escalated' } }] }));
    file('mixed/bad.lua', 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }');
    file('mixed/bad.fixtures.json', JSON.stringify({ fixtures: [{ name: 'x', context: [], expect: { decision: 'maybe' } }] }));
    const run = await cli(['test', join(dir, 'mixed')]);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /fixtures\[0\]\.context must be a JSON object/);
    assert.match(run.stdout, /fixtures\[0\]\.expect\.decision must be one of "autonomous", "collaborative", "escalated", got "maybe"/);
    assert.match(run.stdout, /1 passed, 0 failed \(1 file could not be loaded\)\n$/);
  });
  it('--json prints a report on stdout and the summary on stderr', async () => {
    const run = await cli(['test', 'rules', '--json']);
    assert.equal(run.code, 0);
    const report = JSON.parse(run.stdout) as { passed: number; failed: number; files: unknown[] };
    assert.equal(report.failed, 0);
    assert.equal(report.files.length, 3);
    assert.match(run.stderr, /^\d+ passed, 0 failed\n$/);
  });
});

describe('lua-rules convert', () => {
  it('prints a Lua rule that gives the same fixture results', async () => {
    const run = await cli(['convert', 'rules/epic_priority.rule.json']);
    assert.equal(run.code, 0, run.stderr);
    const converted = file('converted/epic_priority.lua', run.stdout);
    file('converted/epic_priority.fixtures.json', JSON.stringify((await import('../../rules/epic_priority.fixtures.json', { with: { type: 'json' } })).default));
    const test = await cli(['test', converted]);
    assert.equal(test.code, 0, test.stdout);
    assert.equal(new LuaExecutor().compile(run.stdout, 'x.lua').ok, true);
  });
  it('a regex Lua cannot express exits 1 with the reason', async () => {
    const rule = file('alt.rule.json', JSON.stringify({ patterns: [{ type: 'regex', field: 'title', regex: 'a|b', weight: 1 }] }));
    const run = await cli(['convert', rule]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot convert: alternation '\|' has no Lua pattern equivalent/);
  });
});
