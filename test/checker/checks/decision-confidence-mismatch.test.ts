import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('autonomous with a low confidence', () => {
  assert.deepEqual(check('return { decision = "autonomous", confidence = 0.5, reasoning = "x" }', 'decision-confidence-mismatch'), [
    {
      code: 'decision-confidence-mismatch',
      severity: 'warning',
      range: range(0, 20, 0, 32),
      message: 'decision "autonomous" is meant for confidence >= 0.9, but confidence is 0.5 (the escalated band); use "escalated" or change the confidence',
      fix: { title: 'Change to "escalated"', range: range(0, 20, 0, 32), newText: '"escalated"' },
    },
  ]);
});

test('escalated with a high confidence, in a seed-style function', () => {
  const source = lua('function validate(ctx)', '  if ctx.metrics.wsjf_score < 10 then', '    return { decision = "escalated", confidence = 0.95, reasoning = "very low WSJF" }', '  end', '  return { decision = "collaborative", confidence = 0.8, reasoning = "ok" }', 'end', 'return validate(context)');
  assert.deepEqual(check(source, 'decision-confidence-mismatch').map((f) => [f.range, f.message]), [
    [range(2, 24, 2, 35), 'decision "escalated" is meant for confidence below 0.7, but confidence is 0.95 (the autonomous band); use "autonomous" or change the confidence'],
  ]);
});

test('band edges and uncertain values', () => {
  assert.deepEqual(check('return { decision = "autonomous", confidence = 0.9, reasoning = "x" }', 'decision-confidence-mismatch'), []);
  assert.deepEqual(check('return { decision = "collaborative", confidence = 0.7, reasoning = "x" }', 'decision-confidence-mismatch'), []);
  assert.deepEqual(check('return { decision = "escalated", confidence = 0.69, reasoning = "x" }', 'decision-confidence-mismatch'), []);
  const either = lua('local high = context.metrics.wsjf_score > 50', 'return { decision = high and "autonomous" or "escalated", confidence = 0.95, reasoning = "x" }');
  assert.deepEqual(check(either, 'decision-confidence-mismatch'), []);
});
