import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

const RESULT = 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }';

test('a bitwise operator on a context field: the whole finding', () => {
  assert.deepEqual(check(lua('if context.flags & 4 ~= 0 then end', RESULT), 'bitwise-on-context'), [
    {
      code: 'bitwise-on-context',
      severity: 'warning',
      range: range(0, 3, 0, 20),
      message:
        'bitwise `&` on a context value: integers are exact only up to 2^53 - 1 in rules, so a larger context number fails here ("no integer representation") or gives a float; use arithmetic on small numbers or booleans',
    },
  ]);
});

test('through a local, a parameter, shifts and unary ~', () => {
  const source = lua(
    'local id = context.account_id',
    'local function low(ctx) return ctx.mask >> 2 end',
    'local x = id | 1',
    'local y = ~context.mask',
    'local z = low(context)',
    RESULT,
  );
  assert.deepEqual(check(source, 'bitwise-on-context').map((f) => [f.range.start.line, f.message.split(' on ')[0]]), [
    [1, 'bitwise `>>`'],
    [2, 'bitwise `|`'],
    [3, 'bitwise `~`'],
  ]);
});

test('no finding for bitwise operators on constants or locals unrelated to the context', () => {
  const source = lua('local flags = 6', 'local a = flags & 2', 'local b = 1 << 4', 'local c = 5 ~ 3', RESULT);
  assert.deepEqual(check(source, 'bitwise-on-context'), []);
});
