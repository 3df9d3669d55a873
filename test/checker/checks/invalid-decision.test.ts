import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a misspelt decision, with did-you-mean and a fix', () => {
  assert.deepEqual(check('return { decision = "autonomus", confidence = 0.95, reasoning = "x" }', 'invalid-decision'), [
    {
      code: 'invalid-decision',
      severity: 'error',
      range: range(0, 20, 0, 31),
      message: 'decision "autonomus" is not one of autonomous, collaborative, escalated (did you mean "autonomous"?)',
      fix: { title: 'Change to "autonomous"', range: range(0, 20, 0, 31), newText: '"autonomous"' },
      moreFixes: [
        { title: 'Change to "collaborative"', range: range(0, 20, 0, 31), newText: '"collaborative"' },
        { title: 'Change to "escalated"', range: range(0, 20, 0, 31), newText: '"escalated"' },
      ],
    },
  ]);
});

test('a decision with no near miss lists the valid ones', () => {
  assert.deepEqual(check('return { decision = "approve", confidence = 0.95, reasoning = "x" }', 'invalid-decision'), [
    {
      code: 'invalid-decision',
      severity: 'error',
      range: range(0, 20, 0, 29),
      message: 'decision "approve" is not one of autonomous, collaborative, escalated',
      moreFixes: ['autonomous', 'collaborative', 'escalated'].map((d) => ({ title: `Change to "${d}"`, range: range(0, 20, 0, 29), newText: `"${d}"` })),
    },
  ]);
});

test('each branch of cond and "a" or "b", and decisions held in locals', () => {
  const source = lua(
    'local high = context.metrics.wsjf_score > 50',
    'local d = high and "Autonomous" or "collaborative"',
    'return { decision = d, confidence = 0.8, reasoning = "x" }',
  );
  assert.deepEqual(check(source, 'invalid-decision').map((f) => [f.range, f.message]), [
    [range(1, 19, 1, 31), 'decision "Autonomous" is not one of autonomous, collaborative, escalated (did you mean "autonomous"?)'],
  ]);
});

test('decisions from a helper function are followed', () => {
  const source = lua('local function pick(s)', '  if s > 50 then return "autonomous" end', '  return "escalate"', 'end', 'return { decision = pick(context.metrics.wsjf_score), confidence = 0.8, reasoning = "x" }');
  assert.deepEqual(check(source, 'invalid-decision').map((f) => f.range), [range(2, 9, 2, 19)]);
});

test('unknown decisions are not reported', () => {
  assert.deepEqual(check('return { decision = context.decision, confidence = 0.8, reasoning = "x" }', 'invalid-decision'), []);
});
