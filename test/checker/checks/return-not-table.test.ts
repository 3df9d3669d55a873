import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('returning a decision string instead of the table', () => {
  assert.deepEqual(check('return "autonomous"', 'return-not-table'), [
    { code: 'return-not-table', severity: 'error', range: range(0, 7, 0, 19), message: 'the rule returns a string here; return a table { decision = ..., confidence = ..., reasoning = ... } instead' },
  ]);
});

test('through a function and a local, at the value that is returned', () => {
  const source = lua('local function decide(ctx)', '  local d = "escalated"', '  if ctx.metrics.wsjf_score > 50 then d = "autonomous" end', '  return d', 'end', 'return decide(context)');
  assert.deepEqual(check(source, 'return-not-table'), [
    { code: 'return-not-table', severity: 'error', range: range(3, 9, 3, 10), message: 'the rule returns a string here; return a table { decision = ..., confidence = ..., reasoning = ... } instead' },
  ]);
});

test('bare return, nil and numbers', () => {
  assert.deepEqual(
    check(lua('if context.x then return end', 'if context.y then return nil end', 'return 0.5'), 'return-not-table').map((f) => [f.range, f.message]),
    [
      [range(0, 18, 0, 24), 'the rule returns nothing here; return a table { decision = ..., confidence = ..., reasoning = ... } instead'],
      [range(1, 25, 1, 28), 'the rule returns nil here; return a table { decision = ..., confidence = ..., reasoning = ... } instead'],
      [range(2, 7, 2, 10), 'the rule returns a number here; return a table { decision = ..., confidence = ..., reasoning = ... } instead'],
    ],
  );
});

test('unknown values are not reported', () => {
  assert.deepEqual(check('return context.result', 'return-not-table'), []);
  assert.deepEqual(check('local r = build(context) return r', 'return-not-table'), []);
});
