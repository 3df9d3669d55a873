import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a percentage instead of a fraction, with a fix', () => {
  assert.deepEqual(check('return { decision = "autonomous", confidence = 95, reasoning = "x" }', 'confidence-out-of-range'), [
    {
      code: 'confidence-out-of-range',
      severity: 'error',
      range: range(0, 47, 0, 49),
      message: 'confidence 95 is outside 0..1; write it as a fraction (0.95)',
      fix: { title: 'Change to 0.95 (95 %)', range: range(0, 47, 0, 49), newText: '0.95' },
    },
  ]);
});

test('negative and large values, through locals', () => {
  const source = lua('local c = -0.2', 'if context.x then c = 250 end', 'return { decision = "escalated", confidence = c, reasoning = "x" }');
  assert.deepEqual(check(source, 'confidence-out-of-range').map((f) => [f.range, f.message]), [
    [range(0, 10, 0, 14), 'confidence -0.2 is outside 0..1; use a number from 0 to 1 (clamped: 0)'],
    [range(1, 22, 1, 25), 'confidence 250 is outside 0..1; use a number from 0 to 1 (clamped: 1)'],
  ]);
});

test('only a whole number from 2 to 100 reads as a percentage; anything else clamps (issue 15)', () => {
  const fixOf = (value: string) => check(`return { decision = "autonomous", confidence = ${value}, reasoning = "x" }`, 'confidence-out-of-range')[0]?.fix;
  assert.deepEqual([fixOf('1.5')?.title, fixOf('1.5')?.newText], ['Clamp to 1', '1']);
  assert.deepEqual([fixOf('2')?.newText, fixOf('100')?.newText, fixOf('50')?.newText], ['0.02', '1', '0.5']);
  assert.deepEqual([fixOf('99.5')?.newText, fixOf('101')?.newText, fixOf('-3')?.newText], ['1', '1', '0']);
});

test('computed confidences are not reported', () => {
  assert.deepEqual(check('return { decision = "escalated", confidence = context.metrics.score / 100, reasoning = "x" }', 'confidence-out-of-range'), []);
  assert.deepEqual(check('return { decision = "escalated", confidence = 0, reasoning = "x" }', 'confidence-out-of-range'), []);
  assert.deepEqual(check('return { decision = "autonomous", confidence = 1, reasoning = "x" }', 'confidence-out-of-range'), []);
});
