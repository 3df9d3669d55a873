import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { exponentDigits, fixedDigits, generalText, hexFloatText, luaNumberText } from '../../core/src/executor/stdlib/number-text';

/**
 * Issue 11's examples, each pinned to what Debian's lua5.3 prints (checked by hand
 * and by the differential tests in lua53-fuzz.test.ts / lua53-official.test.ts,
 * which need lua5.3; these do not).
 */

const executor = new LuaExecutor();
function run(expression: string, context: unknown = {}): string {
  const { result } = executor.evaluateSource(`return { decision = "escalated", confidence = 0, reasoning = tostring(${expression}) }`, 'semantics.lua', context);
  if (result.error) return `${result.error.code}: ${result.error.message}`;
  return result.reasoning;
}

describe('integers: exact to 2^53, never a silent 32-bit wrap', () => {
  const cases: [string, unknown, string][] = [
    ['context.a + context.b', { a: 2_000_000_000, b: 500_000_000 }, '2500000000'],
    ['math.type(context.a + context.b)', { a: 2_000_000_000, b: 500_000_000 }, 'integer'],
    ['(context.a + context.b) > 2000000000', { a: 2_000_000_000, b: 500_000_000 }, 'true'],
    ['string.format("%d", context.ts)', { ts: 1_700_000_000_000 }, '1700000000000'],
    ['("%x"):format(-1)', {}, 'ffffffffffffffff'],
    ['2147483647 + 1', {}, '2147483648'],
    ['65536 * 65536', {}, '4294967296'],
    ['-2147483648 - 1', {}, '-2147483649'],
    ['9007199254740991 + 1', {}, '9.007199254741e+15'],
    ['math.type(9007199254740991 + 1)', {}, 'float'],
    ['(2^53 - 1) // 1 | 0', {}, '9007199254740991'],
    ['math.tointeger(2^40)', {}, '1099511627776'],
    ['7 // 0', {}, 'runtime-error: semantics.lua:1: attempt to divide by zero'],
    ['1 << 40', {}, '1099511627776'],
    ['~0', {}, '-1'],
    ['-7 // 2 .. " " .. -7 % 3', {}, '-4 2'],
    ['#tostring(0 * -1) .. tostring(1 / (0 * -1))', {}, '1inf'],
  ];
  for (const [expression, context, expected] of cases) {
    it(`${expression} is ${expected}`, () => assert.equal(run(expression, context), expected));
  }
  it('an integer for loop crosses 2^31', () => {
    assert.equal(run('(function() local n = 0 for i = 2147483646, 2147483649 do n = n + 1 end return n end)()'), '4');
  });
});

describe('numbers as text: Lua\'s %.14g', () => {
  const cases: [string, string][] = [
    ['1e15', '1e+15'],
    ['2^53', '9.007199254741e+15'],
    ['1/0', 'inf'],
    ['-1/0', '-inf'],
    ['-0.0', '-0.0'],
    ['0.1 + 0.2', '0.3'],
    ['100 * 1.1', '110.0'],
    ['1e100', '1e+100'],
    ['3.0', '3.0'],
    ['-1.5e-7', '-1.5e-07'],
    ['"x" .. 2.5', 'x2.5'],
    ['123456789012', '123456789012'],
  ];
  for (const [expression, expected] of cases) {
    it(`tostring(${expression}) is ${expected}`, () => assert.equal(run(expression), expected));
  }
});

describe('string.format: every conversion, flag, width and precision', () => {
  const cases: [string, string][] = [
    ['("% d"):format(5)', ' 5'],
    ['("%#x"):format(255)', '0xff'],
    ['("%E"):format(12345.678)', '1.234568E+04'],
    ['("%G"):format(1e-10)', '1E-10'],
    ['("%.0g"):format(0.5)', '0.5'],
    ['("%-+5d|"):format(3)', '+3   |'],
    ['("%f"):format(1.5)', '1.500000'],
    ['("%.2f"):format(0.125)', '0.12'],
    ['("%5.1f"):format(2.25)', '  2.2'],
    ['("%.3d"):format(7)', '007'],
    ['("%0-5d|"):format(7)', '7    |'],
    ['("%g"):format(1e6)', '1e+06'],
    ['("%e"):format(1)', '1.000000e+00'],
    ['("%.0f %.0f %.0f"):format(0.5, 1.5, 2.5)', '0 2 2'],
    ['("%a %A %.1a"):format(1, 3.5, 255.5)', '0x1p+0 0X1.CP+1 0x2.0p+7'],
    ['("%q"):format("a\\0b\\n\\"")', '"a\\0b\\\n\\""'],
    ['("%q"):format(1/3)', '0x1.5555555555555p-2'],
    ['("%q"):format(1/0)', 'inf'],
    ['("%5s|%-5s|%.2s"):format("ab", "cd", "xyz")', '   ab|cd   |xy'],
    ['("%c%c"):format(72, 105)', 'Hi'],
    ['("%i %u %o"):format(42, 42, 8)', '42 42 10'],
    ['("%s"):format(setmetatable({}, { __tostring = function() return "T!" end }))', 'T!'],
    ['select(2, pcall(string.format, "%y", 1))', "invalid option '%y' to 'format'"],
    ['select(2, pcall(string.format, "%d", 1.5))', "bad argument #2 to 'string.format' (number has no integer representation)"],
    ['select(2, pcall(string.format, "%d"))', "bad argument #2 to 'string.format' (no value)"],
    ['select(2, pcall(string.format, "%100d", 1))', 'invalid format (width or precision too long)'],
    ['select(2, pcall(string.format, "%------d", 1))', 'invalid format (repeated flags)'],
  ];
  for (const [expression, expected] of cases) {
    it(`${expression} is ${JSON.stringify(expected)}`, () => assert.equal(run(expression), expected));
  }
  it('a format error is a runtime error with the function named, never internal-error', () => {
    assert.equal(run('string.format("%d", "x")'), "runtime-error: semantics.lua:1: bad argument #2 to 'format' (number expected, got string)");
  });
});

describe('tables, find init and error names', () => {
  it('#{nil, nil, 3} is 3', () => assert.equal(run('#{nil, nil, 3}'), '3'));
  it('next walks a constructor-built array forwards, then the hash part', () => {
    assert.equal(run('(function() local t, out = { x = 1, 10, 20, 30 }, {} for k in pairs(t) do out[#out + 1] = tostring(k) end return table.concat(out, ",") end)()'), '1,2,3,x');
  });
  it('string.find with init beyond 2^31 is nil, not an error', () => assert.equal(run('string.find("abc", "b", 2^31)'), 'nil'));
  it("error messages name the function, not '?'", () => {
    assert.equal(run('select(2, pcall(string.rep))'), "bad argument #1 to 'string.rep' (string expected, got no value)");
    assert.equal(run('select(2, pcall(math.floor, "x"))'), "bad argument #1 to 'math.floor' (number expected, got string)");
  });
});

describe('number-text: glibc printf rounding', () => {
  it('rounds exact ties to even and everything else to nearest', () => {
    assert.equal(fixedDigits(0.125, 2), '0.12');
    assert.equal(fixedDigits(0.375, 2), '0.38');
    assert.equal(fixedDigits(2.675, 2), '2.67'); // 2.67499999... in binary
    assert.equal(fixedDigits(1e21, 1), '1000000000000000000000.0');
    assert.deepEqual(exponentDigits(125, 1), { mantissa: '1.2', exponent: 2 });
    assert.equal(generalText(0.0001, 6, false, false), '0.0001');
    assert.equal(generalText(123456789, 6, true, false), '1.23457e+08');
    assert.equal(hexFloatText(5e-324, undefined, false, false), '0x0.0000000000001p-1022');
    assert.equal(luaNumberText(NaN), luaNumberText(NaN)); // sign follows the bit, both spellings are Lua's
  });
});
