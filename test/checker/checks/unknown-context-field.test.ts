import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, epicSchema, lua, range } from '../helpers';

test('a misspelt metric, with did-you-mean and a fix', () => {
  assert.deepEqual(check('local s = context.metrics.wsjf_scor', 'unknown-context-field', epicSchema()), [
    {
      code: 'unknown-context-field',
      severity: 'warning',
      range: range(0, 26, 0, 35),
      message: 'context.metrics has no field `wsjf_scor` in context.schema.json (did you mean `wsjf_score`?)',
      fix: { title: 'Change to `wsjf_score`', range: range(0, 26, 0, 35), newText: 'wsjf_score' },
    },
  ]);
});

test('through a validate_epic(ctx)-style parameter and local aliases', () => {
  const source = lua(
    'function validate_epic(ctx)',
    '  local m = ctx.metrics',
    '  local wsjf = m.score or 0',
    '  local owner = ctx.owners[1].nmae',
    '  return { decision = "escalated", confidence = 0.5, reasoning = ctx.epicid }',
    'end',
    'return validate_epic(context)',
  );
  assert.deepEqual(check(source, 'unknown-context-field', epicSchema()).map((f) => [f.range, f.message]), [
    [range(2, 17, 2, 22), 'context.metrics has no field `score` in context.schema.json; it has wsjf_score, business_value, job_size, acceptance_criteria_count, dependencies_met'],
    [range(3, 30, 3, 34), 'context.owners[i] has no field `nmae` in context.schema.json (did you mean `name`?)'],
    [range(4, 69, 4, 75), 'context has no field `epicid` in context.schema.json (did you mean `epic_id`?)'],
  ]);
});

test('open parts of the schema, no schema, and functions never called', () => {
  assert.deepEqual(check('local x = context.extra.anything.deeper', 'unknown-context-field', epicSchema()), []);
  assert.deepEqual(check('local x = context.whatever', 'unknown-context-field'), []);
  const uncalled = lua('local ctx = context', 'local function helper() return ctx.metrics.jobsize end');
  assert.deepEqual(check(uncalled, 'unknown-context-field', epicSchema()).map((f) => f.message), [
    'context.metrics has no field `jobsize` in context.schema.json (did you mean `job_size`?)',
  ]);
});
