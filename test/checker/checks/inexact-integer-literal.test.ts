import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

const RESULT = 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }';

test('an integer literal beyond 2^53 - 1: the whole finding', () => {
  assert.deepEqual(check(lua('local account = 9007199254740993', RESULT), 'inexact-integer-literal'), [
    {
      code: 'inexact-integer-literal',
      severity: 'warning',
      range: range(0, 16, 0, 32),
      message: '`9007199254740993` is beyond 2^53 - 1, the largest integer a rule holds exactly: it becomes the float 9007199254740992.0; keep large ids as strings',
    },
  ]);
});

test('hex numerals wrap as in Lua 5.3; negative literals and huge decimals', () => {
  const source = lua('local a = 0xffffffffffffffff', 'local b = 0x7fffffffffffffff', 'local c = -12345678901234567890', 'local d = 123456789012345678901234567890', RESULT);
  assert.deepEqual(check(source, 'inexact-integer-literal').map((f) => f.range.start.line), [1]);
});

test('no finding up to 2^53 - 1, for floats, or for 2^31-range amounts', () => {
  const source = lua('local a = 9007199254740991', 'local b = 2500000000', 'local c = 1e20', 'local d = 9007199254740993.0', 'local e = 0x1fffffffffffff', RESULT);
  assert.deepEqual(check(source, 'inexact-integer-literal'), []);
});
