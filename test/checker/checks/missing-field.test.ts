import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a table constructor without reasoning, with a fix that inserts it', () => {
  assert.deepEqual(check('return { decision = "autonomous", confidence = 0.95 }', 'missing-field'), [
    {
      code: 'missing-field',
      severity: 'error',
      range: range(0, 7, 0, 53),
      message: 'the returned table has no `reasoning`; add `reasoning = "TODO: explain the decision"`',
      fix: { title: 'Add `reasoning`', range: range(0, 51, 0, 51), newText: ', reasoning = "TODO: explain the decision"' },
    },
  ]);
});

test('a table filled field by field, reported at the return', () => {
  const source = lua('local r = {}', 'r.decision = "escalated"', 'r.reasoning = "no data"', 'return r');
  assert.deepEqual(check(source, 'missing-field'), [
    {
      code: 'missing-field',
      severity: 'error',
      range: range(3, 7, 3, 8),
      message: 'the returned table has no `confidence`; add `confidence = 0.5`',
      fix: { title: 'Add `confidence`', range: range(0, 11, 0, 11), newText: ' confidence = 0.5 ' },
    },
  ]);
});

test('a multi-line table is underlined on its first line', () => {
  const source = lua('function v(ctx)', '  return {', '    decision = "escalated",', '    confidence = 0.4,', '  }', 'end', 'return v(context)');
  assert.deepEqual(check(source, 'missing-field').map((f) => f.range), [range(1, 9, 1, 10)]);
});

test('fields set on some paths only, dynamic keys and tables passed to functions are not reported', () => {
  assert.deepEqual(check(lua('local r = { decision = "escalated", confidence = 0.5 }', 'if context.x then r.reasoning = "x" end', 'return r'), 'missing-field'), []);
  assert.deepEqual(check(lua('local r = { decision = "escalated", confidence = 0.5 }', 'r[context.key] = "x"', 'return r'), 'missing-field'), []);
  assert.deepEqual(check(lua('local r = { decision = "escalated", confidence = 0.5 }', 'explain(r)', 'return r'), 'missing-field'), []);
  assert.deepEqual(check(lua('local r = setmetatable({}, { __index = defaults })', 'return r'), 'missing-field'), []);
});

test('fields set in every branch are present', () => {
  const source = lua('local r = { confidence = 0.5 }', 'if context.x then r.decision = "escalated"; r.reasoning = "a"', 'else r.decision = "escalated"; r.reasoning = "b" end', 'return r');
  assert.deepEqual(check(source, 'missing-field'), []);
});
