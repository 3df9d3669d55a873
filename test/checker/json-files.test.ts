import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkJsonFile } from '../../core/src/checker';
import { range } from './helpers';

test('a valid fixtures file and a valid pattern rule have no findings', () => {
  const fixtures = JSON.stringify({ fixtures: [{ name: 'a', description: 'x', context: { metrics: {} }, expect: { decision: 'escalated', confidence: { min: 0, max: 0.6 }, reasoning: { pattern: 'low' } } }, { name: 'b', context: {}, expect: { error: 'runtime-error' } }] });
  assert.deepEqual(checkJsonFile(fixtures, 'fixtures').findings, []);
  const rule = JSON.stringify({ name: 'wsjf', category: 'epic', threshold: 0.8, patterns: [{ type: 'metric', metric: 'wsjf_score', threshold: 50, weight: 0.9 }, { type: 'regex', field: 'epic.title', regex: '^Fix', weight: 0.5 }] });
  assert.deepEqual(checkJsonFile(rule, 'pattern').findings, []);
});

test('invalid JSON is reported at the broken token', () => {
  assert.deepEqual(checkJsonFile('{\n  "fixtures": [\n    { "name": "a", }\n  ]\n}', 'fixtures').findings, [
    { code: 'fixture-error', severity: 'error', range: range(2, 19, 2, 20), message: 'not valid JSON: property name expected' },
  ]);
});

test('schema problems point at the value or the key at fault', () => {
  const text = ['{', '  "fixtures": [', '    { "name": "a", "context": {}, "expect": { "decision": "approve", "confidance": 0.9 } },', '    { "context": {} }', '  ]', '}'].join('\n');
  assert.deepEqual(
    checkJsonFile(text, 'fixtures').findings.map((f) => [f.range, f.message]),
    [
      [range(2, 58, 2, 67), 'fixtures[0].expect.decision must be one of "autonomous", "collaborative", "escalated", got "approve"'],
      [range(2, 69, 2, 81), 'fixtures[0].expect has an unknown property "confidance" (did you mean "confidence"?)'],
      [range(3, 4, 3, 5), 'fixtures[1] is missing "name"'],
    ],
  );
});

test('pattern rules: a metric pattern without threshold, a weight out of range', () => {
  const text = '{"category": "epic", "patterns": [{"type": "metric", "metric": "wsjf_score", "weight": 1.5}]}';
  assert.deepEqual(
    checkJsonFile(text, 'pattern').findings.map((f) => [f.code, f.range, f.message]),
    [
      ['invalid-pattern-rule', range(0, 34, 0, 35), 'patterns[0] is missing "threshold"'],
      ['invalid-pattern-rule', range(0, 87, 0, 90), 'patterns[0].weight must be <= 1, got 1.5'],
    ],
  );
  assert.deepEqual(checkJsonFile('[]', 'pattern').findings.map((f) => f.message), ['the file must be object, got an array']);
});

test('what the schema cannot say comes from the shared validators: duplicate names, a regex that does not compile', () => {
  const fixtures = '{"fixtures": [{"name": "a", "context": {}}, {"name": "a", "context": {}}]}';
  assert.deepEqual(checkJsonFile(fixtures, 'fixtures').findings.map((f) => [f.range, f.message]), [[range(0, 53, 0, 56), "fixtures[1].name 'a' is used twice; fixture names must be unique"]]);
  const rule = '{"patterns": [{"type": "regex", "field": "epic.title", "regex": "(", "weight": 0.5}]}';
  const findings = checkJsonFile(rule, 'pattern').findings;
  assert.deepEqual(findings.map((f) => [f.code, f.range]), [['invalid-pattern-rule', range(0, 64, 0, 67)]]);
  assert.match(findings[0]!.message, /^patterns\[0\]\.regex is not a valid regular expression: /);
});
