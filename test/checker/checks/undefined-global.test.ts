import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, lua, range } from '../helpers';

test('a misspelt context, with did-you-mean and a fix', () => {
  assert.deepEqual(check('local s = contxt.metrics.wsjf_score', 'undefined-global'), [
    {
      code: 'undefined-global',
      severity: 'warning',
      range: range(0, 10, 0, 16),
      message: '`contxt` is not defined: no local, no global the rule assigns, nothing the sandbox provides (did you mean `context`?)',
      fix: { title: 'Change to `context`', range: range(0, 10, 0, 16), newText: 'context' },
    },
  ]);
});

test('a misspelt local suggests the local in scope', () => {
  const source = lua('local business_value = context.metrics.business_value', 'if busines_value > 70 then end');
  assert.deepEqual(check(source, 'undefined-global').map((f) => [f.range, f.message]), [
    [range(1, 3, 1, 16), '`busines_value` is not defined: no local, no global the rule assigns, nothing the sandbox provides (did you mean `business_value`?)'],
  ]);
});

test('a library function that does not exist', () => {
  assert.deepEqual(check('local s = string.fromat("%d", 1)', 'undefined-global'), [
    {
      code: 'undefined-global',
      severity: 'warning',
      range: range(0, 17, 0, 23),
      message: '`string.fromat` does not exist in the rule sandbox (did you mean `string.format`?)',
      fix: { title: 'Change to `string.format`', range: range(0, 17, 0, 23), newText: 'format' },
    },
  ]);
});

test('no suggestion when nothing is close', () => {
  assert.deepEqual(check('local x = qqq', 'undefined-global').map((f) => f.message), [
    '`qqq` is not defined: no local, no global the rule assigns, nothing the sandbox provides; declare it with `local` or fix the name',
  ]);
});

test('globals assigned anywhere, functions declared later, provided globals and locals are fine', () => {
  const source = lua(
    'function validate(ctx) return helper(ctx) end',
    'function helper(ctx) THRESHOLD = 50 return { decision = "escalated", confidence = 0.5, reasoning = tostring(THRESHOLD) } end',
    'for i, tag in ipairs(context.tags) do print(i, tag, string.upper(tag), math.max(1, 2), table.concat({}), _VERSION) end',
    'return validate(context)',
  );
  assert.deepEqual(check(source, 'undefined-global'), []);
});

test('Lua 5.1 names get a Lua 5.3 hint', () => {
  assert.deepEqual(check(lua('local a, b = unpack({1, 2})', 'local p = math.pow(2, 3)'), 'undefined-global').map((f) => [f.range, f.message, f.fix]), [
    [range(0, 13, 0, 19), '`unpack` is not defined: no local, no global the rule assigns, nothing the sandbox provides; Lua 5.3 has `table.unpack` instead', { title: 'Change to `table.unpack`', range: range(0, 13, 0, 19), newText: 'table.unpack' }],
    [range(1, 15, 1, 18), '`math.pow` does not exist in the rule sandbox; use the `^` operator instead (`x ^ y`)', undefined],
  ]);
});

test('globals defined through _G are defined', () => {
  assert.deepEqual(check(lua('_G.helper = function() return 1 end', '_G["other"] = 2', 'local x = helper() + other'), 'undefined-global'), []);
});
