import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a bad threshold and an unknown annotation in the header', () => {
  const source = lua('---@rule epic_wsjf', '---@threshold high', '---@owner alice', 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }');
  assert.deepEqual(check(source, 'invalid-annotation'), [
    { code: 'invalid-annotation', severity: 'warning', range: range(1, 0, 1, 18), message: '---@threshold must be a number from 0 to 1 (got "high")' },
    { code: 'invalid-annotation', severity: 'warning', range: range(2, 0, 2, 15), message: 'unknown annotation ---@owner; known: @rule, @category, @description, @threshold, @consensus' },
  ]);
});
