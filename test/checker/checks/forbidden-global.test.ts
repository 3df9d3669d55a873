import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FORBIDDEN_GLOBALS } from '../../../core/src/executor/sandbox-globals';
import { check, lua, range } from '../helpers';

test('os.time, with the reason from the shared sandbox list', () => {
  assert.deepEqual(check('local now = os.time()\nreturn { decision = "escalated", confidence = 0.5, reasoning = "x" }', 'forbidden-global'), [
    {
      code: 'forbidden-global',
      severity: 'error',
      range: range(0, 12, 0, 14),
      message: `\`os\` is not available in rules: ${FORBIDDEN_GLOBALS.os}; remove this use`,
    },
  ]);
});

test('require, load and forbidden library members', () => {
  const source = lua('local json = require("json")', 'local f = load("return 1")', 'local r = math.random()');
  assert.deepEqual(check(source, 'forbidden-global').map((f) => [f.range, f.message.split(':')[0]]), [
    [range(0, 13, 0, 20), '`require` is not available in rules'],
    [range(1, 10, 1, 14), '`load` is not available in rules'],
    [range(2, 10, 2, 21), '`math.random` is not available in rules'],
  ]);
});

test('every name the executor removes is reported', () => {
  for (const name of Object.keys(FORBIDDEN_GLOBALS)) {
    assert.equal(check(`local x = ${name}`, 'forbidden-global').length, 1, name);
  }
});

test('locals of the same name are not globals', () => {
  assert.deepEqual(check(lua('local os = { time = function() return 1 end }', 'local t = os.time()'), 'forbidden-global'), []);
  assert.deepEqual(check(lua('local function f(debug) return debug end'), 'forbidden-global'), []);
});
