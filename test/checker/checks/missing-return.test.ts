import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a function whose result is returned can end without return', () => {
  const source = lua(
    'function validate_epic(ctx)',
    '  if ctx.metrics.wsjf_score > 50 then',
    '    return { decision = "autonomous", confidence = 0.95, reasoning = "high WSJF" }',
    '  end',
    'end',
    'return validate_epic(context)',
  );
  assert.deepEqual(check(source, 'missing-return'), [
    {
      code: 'missing-return',
      severity: 'error',
      range: range(4, 0, 4, 3),
      message: '`validate_epic` can reach its end without returning, and the rule returns its result; add a final `return { decision = ..., confidence = ..., reasoning = ... }` or an `else` branch',
    },
  ]);
});

test('the chunk itself can end without return', () => {
  const source = lua('local score = context.metrics.wsjf_score', 'if score > 50 then', '  return { decision = "autonomous", confidence = 0.95, reasoning = "high" }', 'end');
  assert.deepEqual(check(source, 'missing-return'), [
    {
      code: 'missing-return',
      severity: 'error',
      range: range(3, 0, 3, 3),
      message: 'the rule can reach its end without returning a result; end every path with `return { decision = ..., confidence = ..., reasoning = ... }`',
    },
  ]);
});

test('an empty rule is reported at the start of the file', () => {
  assert.deepEqual(check('-- nothing yet', 'missing-return').map((f) => f.range), [range(0, 0, 0, 0)]);
});

test('if/elseif/else that all return, error() and while-true loops end every path', () => {
  const allReturn = lua(
    'local s = context.metrics.wsjf_score',
    'if s > 50 then return { decision = "autonomous", confidence = 0.95, reasoning = "a" }',
    'elseif s > 20 then return { decision = "collaborative", confidence = 0.75, reasoning = "b" }',
    'else return { decision = "escalated", confidence = 0.5, reasoning = "c" } end',
  );
  assert.deepEqual(check(allReturn, 'missing-return'), []);
  const withError = lua('if not context.metrics then error("no metrics") end', 'return { decision = "escalated", confidence = 0.5, reasoning = "c" }');
  assert.deepEqual(check(withError, 'missing-return'), []);
  const errorBranch = lua('local function f(ctx)', '  if ctx.x then return { decision = "escalated", confidence = 0.5, reasoning = "c" } end', '  error("unexpected")', 'end', 'return f(context)');
  assert.deepEqual(check(errorBranch, 'missing-return'), []);
  const loop = lua('while true do', '  return { decision = "escalated", confidence = 0.5, reasoning = "c" }', 'end');
  assert.deepEqual(check(loop, 'missing-return'), []);
});

test('a call to an unknown function is not a missing return', () => {
  assert.deepEqual(check('return helper(context)', 'missing-return'), []);
});

test('a helper that always raises an error ends the path', () => {
  const source = lua(
    'local function fail(message) error("rule failed: " .. message) end',
    'if not context.metrics then fail("no metrics") end',
    'local function decide(ctx)',
    '  if ctx.metrics.wsjf_score > 10 then return { decision = "escalated", confidence = 0.5, reasoning = "x" } end',
    '  fail("low score")',
    'end',
    'return decide(context)',
  );
  assert.deepEqual(check(source, 'missing-return'), []);
});
