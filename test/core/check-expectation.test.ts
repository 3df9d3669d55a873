/** Issue 15: a failed rule meets none of a fixture's expectations, and each mismatch reads in the rule's terms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExpectation, NOT_PRODUCED } from '../../core/src/fixtures/check-expectation';
import { failedResult } from '../../core/src/model/result';

const failed = failedResult({ code: 'invalid-result', message: 'invalid result: decision must be one of autonomous, collaborative, escalated, got "maybe"' });

test('after an error every expected field is unmet, even one the fallback happens to equal', () => {
  const mismatches = checkExpectation({ decision: 'escalated', confidence: 0, reasoning: 'x' }, failed);
  assert.deepEqual(mismatches.map((m) => [m.field, m.actual === NOT_PRODUCED || m.field === 'error']), [
    ['error', true],
    ['decision', true],
    ['confidence', true],
    ['reasoning', true],
  ]);
  assert.equal(mismatches[0]?.text, 'the rule failed (invalid-result): invalid result: decision must be one of autonomous, collaborative, escalated, got "maybe"');
  assert.equal(mismatches[1]?.text, 'no decision (expected escalated): the rule failed');
});

test('mismatches of a rule that returned read as sentences about the result', () => {
  const result = { decision: 'escalated' as const, confidence: 0.5, reasoning: 'Low WSJF', error: null, line: 9 };
  assert.deepEqual(
    checkExpectation({ decision: 'autonomous', confidence: { min: 0.9 }, reasoning: 'High' }, result).map((m) => m.text),
    ['decision is escalated, expected autonomous', 'confidence is 0.5, expected at least 0.9', 'reasoning "Low WSJF" does not contain "High"'],
  );
  assert.deepEqual(checkExpectation({ error: 'runtime-error' }, result).map((m) => m.text), ['expected the rule to fail with runtime-error, but it returned escalated (confidence 0.5)']);
  assert.deepEqual(checkExpectation({ error: 'invalid-result' }, failed), []);
});
