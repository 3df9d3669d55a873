import fc from 'fast-check';
import type { DifferenceId } from './lua53-differences';
import type { LuaCase } from './lua53-oracle';

/**
 * Random Lua case chunks for the differential test against lua5.3: string.format
 * with random flags, widths, precisions and arguments; arithmetic, bitwise and
 * comparison operators on integers and floats around 0, 2^31, 2^32 and 2^53;
 * tostring, tonumber and the math conversions. Each case carries the documented
 * difference it may show (`beyond-2^53` when its exact integer result leaves our
 * integer range), computed from its inputs, not from the answers.
 */

export interface FuzzCase extends LuaCase {
  tags: DifferenceId[];
}

const MAX = 2 ** 53 - 1;

type Num = { int: true; value: bigint } | { int: false; value: number };

const near = (center: number, spread: number) => fc.integer({ min: -spread, max: spread }).map((d) => center + d);

const intValue: fc.Arbitrary<bigint> = fc
  .oneof(
    fc.integer({ min: -1000, max: 1000 }),
    near(0, 3),
    near(2 ** 31, 3),
    near(-(2 ** 31), 3),
    near(2 ** 32, 3),
    near(MAX - 3, 3),
    near(-MAX + 3, 3),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.integer().map((n) => n * 4096),
  )
  .map((n) => BigInt(n));

const specialFloats = [0, -0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.1, 1 / 3, 2 ** 31, 2 ** 31 + 0.5, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 1e15, 1e16, 1e21, 1e100, 1e-5, 1e-300, 5e-324, 123456.789, 9.5, 0.05, 2.675, Infinity, -Infinity, NaN];
const floatValue: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...specialFloats),
  fc.double({ noNaN: true }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer({ min: -100000, max: 100000 }).map((n) => n / 8),
  fc.integer({ min: -100000, max: 100000 }).map((n) => n / 1000),
  near(2 ** 31, 2).map((n) => n + 0.5),
);

const numValue: fc.Arbitrary<Num> = fc.oneof(
  intValue.map((value) => ({ int: true as const, value })),
  floatValue.map((value) => ({ int: false as const, value })),
);

export function floatLiteral(x: number): string {
  if (Number.isNaN(x)) return '(0/0)';
  if (x === Infinity) return '(1/0)';
  if (x === -Infinity) return '(-1/0)';
  if (Object.is(x, -0)) return '(-0.0)';
  let text = x.toPrecision(17);
  if (!/[.e]/.test(text)) text += '.0';
  return x < 0 ? `(${text})` : text;
}

const intLiteral = (n: bigint) => (n < 0n ? `(${n})` : String(n));
const literal = (n: Num) => (n.int ? intLiteral(n.value) : floatLiteral(n.value));

const wide = (n: bigint) => n > BigInt(MAX) || n < -BigInt(MAX);
/** A float that Lua converts to an integer we cannot hold. */
const wideFloat = (x: number) => Number.isInteger(x) && Math.abs(x) > MAX && Math.abs(x) <= 2 ** 63;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** The exact integer result Lua 5.3 computes (64-bit wrap), or null when the operation is not integer. */
function intResult(op: string, a: bigint, b: bigint): bigint | null {
  const wrap = (n: bigint) => BigInt.asIntN(64, n);
  switch (op) {
    case '+': return wrap(a + b);
    case '-': return wrap(a - b);
    case '*': return wrap(a * b);
    case '//': return b === 0n ? null : wrap(floorDiv(a, b));
    case '%': return b === 0n ? null : wrap(a - floorDiv(a, b) * b);
    case '&': return wrap(a & b);
    case '|': return wrap(a | b);
    case '~': return wrap(a ^ b);
    case '<<': return b >= 64n || b <= -64n ? 0n : b >= 0n ? wrap(BigInt.asUintN(64, a) << b) : wrap(BigInt.asUintN(64, a) >> -b);
    case '>>': return b >= 64n || b <= -64n ? 0n : b >= 0n ? wrap(BigInt.asUintN(64, a) >> b) : wrap(BigInt.asUintN(64, a) << -b);
    default: return null;
  }
}

const asInteger = (n: Num): bigint | null => (n.int ? n.value : Number.isInteger(n.value) && Math.abs(n.value) < 2 ** 63 ? BigInt(n.value) : null);

const arithmetic: fc.Arbitrary<FuzzCase> = fc
  .tuple(numValue, fc.constantFrom('+', '-', '*', '/', '//', '%', '^', '&', '|', '~', '<<', '>>', '<', '<=', '==', '~=', '>', '>='), numValue)
  .map(([a, op, b]) => {
    const bitwise = ['&', '|', '~', '<<', '>>'].includes(op);
    let tags: DifferenceId[] = [];
    if (bitwise) {
      if ((!a.int && wideFloat(a.value)) || (!b.int && wideFloat(b.value))) tags = ['beyond-2^53'];
      const ia = asInteger(a);
      const ib = asInteger(b);
      if (ia !== null && ib !== null) {
        const r = intResult(op, ia, ib);
        if (wide(ia) || wide(ib) || (r !== null && wide(r))) tags = ['beyond-2^53'];
      }
    } else if (a.int && b.int) {
      const r = intResult(op, a.value, b.value);
      if (r !== null && wide(r)) tags = ['beyond-2^53'];
      // Lua wraps at 2^63 where we give the float result
      if (['+', '-', '*'].includes(op)) {
        const exact = op === '+' ? a.value + b.value : op === '-' ? a.value - b.value : a.value * b.value;
        if (wide(exact)) tags = ['beyond-2^53'];
      }
    }
    return { name: `arith ${op}`, body: `local a, b = ${literal(a)}, ${literal(b)}\nreturn a ${op} b, ${literal(a)} ${op} ${literal(b)}`, tags };
  });

const unary: fc.Arbitrary<FuzzCase> = fc.tuple(fc.constantFrom('-', '~', 'tostring', 'math.tointeger', 'math.type', 'math.floor', 'math.ceil', 'math.abs', 'concat', 'string.format("%d", @)', 'string.format("%.14g", @)'), numValue).map(([op, a]) => {
  const lit = literal(a);
  const tags: DifferenceId[] = [];
  const ia = asInteger(a);
  if (!a.int && wideFloat(a.value) && ['~', 'math.tointeger', 'math.floor', 'math.ceil', 'string.format("%d", @)'].includes(op)) tags.push('beyond-2^53');
  if (!a.int && (op === 'math.floor' || op === 'math.ceil') && Math.abs(a.value) > MAX && Math.abs(a.value) <= 2 ** 63) tags.push('beyond-2^53');
  if (op === '~' && ia !== null && wide(-ia - 1n)) tags.push('beyond-2^53');
  let expr: string;
  if (op === '-' || op === '~') expr = `${op}${lit}`;
  else if (op === 'concat') expr = `${lit} .. ""`;
  else if (op.includes('@')) expr = op.replace('@', lit);
  else expr = `${op}(${lit})`;
  return { name: `unary ${op}`, body: `local a = ${lit}\nreturn ${expr.split(lit).join('a')}, ${expr}`, tags };
});

const numericText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('', ' ', '  \t', '\n'),
    fc.constantFrom('', '-', '+'),
    fc.constantFrom('', '', '0x', '0X'),
    fc.stringMatching(/^[0-9]{0,20}$/),
    fc.constantFrom('', '.', '.5', '.25', '.000001', '.999999999999999999'),
    fc.constantFrom('', 'e5', 'e-3', 'E+400', 'e', 'p4', 'p-2', 'e308', 'e-400'),
    fc.constantFrom('', '', ' ', 'x', '  ', 'a', 'f'),
  )
  .map((parts) => parts.join(''));

function luaQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (code < 32 || code > 126) out += '\\' + String(code).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}

const tonumberCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  numericText.map((s) => ({ name: 'tonumber', body: `local v = tonumber(${luaQuote(s)})\nreturn v, math.type(v)`, tags: [] as DifferenceId[] })),
  fc.tuple(fc.stringMatching(/^ ?-?[0-9a-zA-Z]{0,14} ?$/), fc.integer({ min: 2, max: 36 })).map(([s, base]) => {
    const digits = s.trim().replace(/^-/, '');
    let exact = 0n;
    let valid = digits.length > 0;
    for (const c of digits.toLowerCase()) {
      const d = parseInt(c, 36);
      if (d >= base) valid = false;
      exact = exact * BigInt(base) + BigInt(d);
    }
    const tags: DifferenceId[] = valid && wide(BigInt.asIntN(64, exact)) ? ['beyond-2^53'] : [];
    return { name: 'tonumber base', body: `return tonumber(${luaQuote(s)}, ${base})`, tags };
  }),
  fc.tuple(numericText, numValue).map(([s, n]) => ({ name: 'string arithmetic', body: `return ${luaQuote(s)} + ${literal(n)}`, tags: [] as DifferenceId[] })),
);

const FLAG = fc.constantFrom('-', '+', ' ', '#', '0');
const spec = fc
  .record({
    flags: fc.array(FLAG, { maxLength: 6 }),
    width: fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 30 }).map(String), fc.constantFrom('99', '100')),
    precision: fc.oneof(fc.constant(''), fc.constant('.'), fc.integer({ min: 0, max: 20 }).map((p) => '.' + p), fc.constantFrom('.99', '.100')),
    conv: fc.constantFrom('d', 'i', 'u', 'c', 'o', 'x', 'X', 'e', 'E', 'f', 'g', 'G', 'a', 'A', 's', 'q', 'F', 'y', 'l', '%'),
  });

const stringArg = fc.oneof(
  fc.stringMatching(/^[ -~]{0,12}$/),
  fc.constantFrom('', 'a\0b', 'line\nbreak', '"quoted"', 'back\\slash', '\x01\x7f9', '\r\t', 'x'.repeat(120)),
);

const formatArg = (conv: string): fc.Arbitrary<{ text: string; wide: boolean }> => {
  const num = numValue.map((n) => ({ text: literal(n), wide: !n.int && wideFloat(n.value) && 'diouxXc'.includes(conv) }));
  const str = stringArg.map((s) => ({ text: luaQuote(s), wide: false }));
  const other = fc.constantFrom('nil', 'true', 'false', 'setmetatable({}, { __tostring = function() return "T!" end })').map((text) => ({ text, wide: false }));
  if ('sq'.includes(conv)) return fc.oneof(str, num, other);
  return fc.oneof({ weight: 8, arbitrary: num }, { weight: 1, arbitrary: str.map((s) => s) }, { weight: 1, arbitrary: other });
};

const formatCase: fc.Arbitrary<FuzzCase> = fc
  .array(spec, { minLength: 1, maxLength: 3 })
  .chain((specs) =>
    fc.tuple(fc.constant(specs), fc.tuple(...specs.map((s) => formatArg(s.conv))), fc.stringMatching(/^[ -$&-~]{0,4}$/)).map(([ss, args, text]) => {
      const format = ss.map((s) => `${text}%${s.flags.join('')}${s.width}${s.precision}${s.conv}`).join('');
      const tags: DifferenceId[] = args.some((a) => a.wide) ? ['beyond-2^53'] : [];
      return { name: 'format', body: `return string.format(${luaQuote(format)}, ${args.map((a) => a.text).join(', ')})`, tags };
    }),
  );

/** Single well-formed specifiers: the "randomised single-specifier calls". */
const singleFormat: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.uniqueArray(FLAG, { maxLength: 3 }),
    fc.oneof(fc.constant(''), fc.integer({ min: 1, max: 25 }).map(String)),
    fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 17 }).map((p) => '.' + p)),
    fc.constantFrom('d', 'i', 'x', 'X', 'o', 'e', 'E', 'f', 'g', 'G', 'a', 'A', 'c', 'u'),
    numValue,
  )
  .map(([flags, width, precision, conv, n]) => {
    const wideArg = !n.int && wideFloat(n.value) && 'diouxXc'.includes(conv);
    return { name: 'format single', body: `return string.format("%${flags.join('')}${width}${precision}${conv}", ${literal(n)})`, tags: wideArg ? ['beyond-2^53' as const] : [] };
  });

/** Library functions that take integers: positions and counts around 0, 2^31 and 2^53. */
const libraryCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.constantFrom(
      'string.sub("hello world", @1, @2)',
      'string.byte("hello", @1, @2)',
      'string.find("hello world", "o", @1)',
      'string.find("hello world", "", @1)',
      'string.match("hello", "l+", @1)',
      'math.fmod(@1, @2)',
      'math.max(@1, @2)',
      'math.min(@1, @2)',
      'math.ult(@1, @2)',
      'math.abs(@1)',
      'select("#", string.byte("abc", @1, @2))',
      'table.concat({1, 2, 3}, ",", @1, @2)',
      'select("#", table.unpack({1, 2, 3}, @1 % 200, @2 % 200))',
      'utf8.char(@1)',
      'string.char(@1)',
      '#string.rep("ab", @1 % 7, ",")',
      'next({}, @1)',
      'rawlen({1, 2, @1})',
      '({10, 20, 30})[@1]',
      'math.tointeger(@1 / 2)',
      '@1 // @2, @1 % @2',
      '@1 == @2, @1 < @2, @1 <= @2',
    ),
    numValue,
    numValue,
  )
  .map(([template, a, b]) => {
    const wideArg = (n: Num) => (n.int ? wide(n.value) : wideFloat(n.value));
    const tags: DifferenceId[] = wideArg(a) || wideArg(b) ? ['beyond-2^53'] : [];
    if (template.includes('//') && a.int && b.int && b.value !== 0n) {
      const r = intResult('//', a.value, b.value);
      if (r !== null && wide(r)) tags.push('beyond-2^53');
    }
    return { name: `library ${template}`, body: `return ${template.split('@1').join(literal(a)).split('@2').join(literal(b))}`, tags };
  });

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 2, arbitrary: libraryCase },
  { weight: 3, arbitrary: arithmetic },
  { weight: 2, arbitrary: unary },
  { weight: 2, arbitrary: tonumberCase },
  { weight: 3, arbitrary: formatCase },
  { weight: 3, arbitrary: singleFormat },
);

/** Each family on its own, for measuring (bench figures in docs/lua-conformance.md). */
export const fuzzFamilies = { arithmetic, unary, tonumber: tonumberCase, format: formatCase, singleFormat, library: libraryCase };
