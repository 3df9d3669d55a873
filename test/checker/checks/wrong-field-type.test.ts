import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, epicSchema, lua, range } from '../helpers';

test('a quoted confidence, with a fix that unquotes it', () => {
  assert.deepEqual(check('return { decision = "autonomous", confidence = "0.95", reasoning = "x" }', 'wrong-field-type'), [
    {
      code: 'wrong-field-type',
      severity: 'error',
      range: range(0, 47, 0, 53),
      message: '`confidence` must be a number from 0 to 1, but this is a string; write 0.95 without quotes',
      fix: { title: 'Change to 0.95', range: range(0, 47, 0, 53), newText: '0.95' },
    },
  ]);
});

test('a number as reasoning and a boolean as decision', () => {
  const source = lua('local wsjf = context.metrics.wsjf_score', 'return { decision = true, confidence = 0.5, reasoning = wsjf * 2 }');
  assert.deepEqual(check(source, 'wrong-field-type').map((f) => [f.range, f.message]), [
    [range(1, 20, 1, 24), '`decision` must be one of "autonomous", "collaborative", "escalated", but this is a boolean; set it to one of "autonomous", "collaborative", "escalated"'],
    [range(1, 56, 1, 64), '`reasoning` must be a string that explains the decision, but this is a number; wrap it in tostring(...) or build it with string.format(...)'],
  ]);
  const numeric = 'return { decision = "escalated", confidence = 0.5, reasoning = #context.tags }';
  assert.deepEqual(check(numeric, 'wrong-field-type').map((f) => [f.range, f.message]), [
    [range(0, 63, 0, 76), '`reasoning` must be a string that explains the decision, but this is a number; wrap it in tostring(...) or build it with string.format(...)'],
  ]);
});

test('string.format, concatenation and tostring are strings; unknown values are not reported', () => {
  const source = lua(
    'local s = context.metrics.wsjf_score',
    'if s > 1 then return { decision = "escalated", confidence = 0.5, reasoning = string.format("%d", s) } end',
    'if s > 2 then return { decision = "escalated", confidence = 0.5, reasoning = "score " .. s } end',
    'return { decision = "escalated", confidence = s, reasoning = tostring(s) }',
  );
  assert.deepEqual(check(source, 'wrong-field-type'), []);
});

test('a context field whose schema type is wrong for the contract field', () => {
  const source = lua('function v(ctx)', '  return { decision = "escalated", confidence = ctx.epic_id, reasoning = ctx.metrics.wsjf_score }', 'end', 'return v(context)');
  assert.deepEqual(check(source, 'wrong-field-type', epicSchema()), [
    {
      code: 'wrong-field-type',
      severity: 'error',
      range: range(1, 52, 1, 59),
      message: '`confidence` must be a number from 0 to 1, but context.epic_id is a string in context.schema.json; set it to a number from 0 to 1',
    },
    {
      code: 'wrong-field-type',
      severity: 'error',
      range: range(1, 85, 1, 95),
      message: '`reasoning` must be a string that explains the decision, but context.metrics.wsjf_score is a number in context.schema.json; wrap it in tostring(...) or build it with string.format(...)',
    },
  ]);
  assert.deepEqual(check('return { decision = "escalated", confidence = context.metrics.dependencies_met, reasoning = context.epic_id }', 'wrong-field-type', epicSchema()), []);
});
