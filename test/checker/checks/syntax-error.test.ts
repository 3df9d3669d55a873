import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a missing then, at the token luaparse blames', () => {
  const source = lua('if context.metrics.wsjf_score > 50', '  return { decision = "autonomous", confidence = 0.95, reasoning = "x" }', 'end');
  assert.deepEqual(check(source), [
    { code: 'syntax-error', severity: 'error', range: range(1, 2, 1, 8), message: "'then' expected near 'return'; the rule does not compile until this is fixed" },
  ]);
});

test('an unfinished table at the end of the file', () => {
  assert.deepEqual(check('return {'), [{ code: 'syntax-error', severity: 'error', range: range(0, 8, 0, 8), message: "'}' expected near '<eof>'; the rule does not compile until this is fixed" }]);
});

test('Lua 5.3 syntax (integer division, bit operators, goto) parses', () => {
  assert.deepEqual(check(lua('local a = 7 // 2 | 1', '::top::', 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }')), []);
});
