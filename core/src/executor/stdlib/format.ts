import type { LuaState } from '../fengari-runtime';
import { lauxlib, lua, lstr, ownedStringBytes, pushOwnedString } from '../fengari-runtime';
import type { CallBudget } from '../limits';
import { expText, fixedDigits, generalText, hexFloatText, luaNumberText, signBit } from './number-text';

/**
 * string.format as Lua 5.3.6 does it on Debian (lstrlib.c `str_format` over glibc's
 * printf): every conversion (c d i o u x X a A e E f g G q s), the flags `-+ #0`
 * (at most five, repeats allowed), width and precision of at most two digits, and
 * Lua's own error messages. Numbers are written by number-text.ts with glibc's
 * exact rounding. Integers are exact up to 2^53 (see docs/lua-conformance.md);
 * `%x`, `%o` and `%u` of a negative integer show its 64-bit two's complement, as
 * Lua does.
 *
 * Why our own: fengari's format misprints or crashes on many specifiers (`%5.1f`,
 * `% d`, `%#x`, `%g`, ...), and it built its output one byte at a time.
 * The output size is reported to the budget before it is built; each item is at
 * most a few hundred bytes (width and precision are below 100) plus `%s` text.
 */

const PERCENT = 37;
const FLAG_CHARS = '-+ #0';
/** lstrlib.c: flags are scanned while they are in FLAGS; sizeof(FLAGS) == 6 refuses six or more. */
const MAX_FLAGS = 5;

interface Spec {
  /** The conversion letter, or 0 when the format ends right after the flags/width/precision. */
  conv: number;
  left: boolean;
  plus: boolean;
  space: boolean;
  alternate: boolean;
  zero: boolean;
  width: number;
  /** -1 when absent. */
  precision: number;
  /** True when the item is exactly "%s" (no flags, width or precision). */
  bare: boolean;
  /** An error Lua raises for this item once its argument is known to exist. */
  error: string | null;
}

type Piece = Uint8Array | Spec;

const plans = new WeakMap<Uint8Array, Piece[]>();

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 48 && byte <= 57;
}

/** Splits a format into literal text and items, as str_format and scanformat walk it. */
function parse(format: Uint8Array): Piece[] {
  const pieces: Piece[] = [];
  // Literal text is kept as slices of the format, joined once per run: a JS array of
  // its bytes cost 8 bytes or more a byte (a 4 MiB format held 100 MB; issue 10).
  let text: Uint8Array[] = [];
  let runStart = 0;
  const flush = (end: number) => {
    if (end > runStart) text.push(format.subarray(runStart, end));
    let length = 0;
    for (const slice of text) length += slice.length;
    if (length > 0) {
      const joined = new Uint8Array(length);
      let at = 0;
      for (const slice of text) {
        joined.set(slice, at);
        at += slice.length;
      }
      pieces.push(joined);
    }
    text = [];
  };
  let i = 0;
  while (i < format.length) {
    const byte = format[i] as number;
    if (byte !== PERCENT) {
      i++;
      continue;
    }
    i++;
    if (format[i] === PERCENT) {
      text.push(format.subarray(runStart, i)); // the text and one '%'
      i++;
      runStart = i;
      continue;
    }
    flush(i - 1);
    const spec: Spec = { conv: 0, left: false, plus: false, space: false, alternate: false, zero: false, width: 0, precision: -1, bare: false, error: null };
    const start = i;
    while (i < format.length && FLAG_CHARS.includes(String.fromCharCode(format[i] as number))) {
      const flag = format[i];
      if (flag === 45) spec.left = true;
      else if (flag === 43) spec.plus = true;
      else if (flag === 32) spec.space = true;
      else if (flag === 35) spec.alternate = true;
      else spec.zero = true;
      i++;
    }
    if (i - start > MAX_FLAGS) spec.error = 'invalid format (repeated flags)';
    let digits = 0;
    while (digits < 2 && isDigit(format[i])) {
      spec.width = spec.width * 10 + ((format[i] as number) - 48);
      i++;
      digits++;
    }
    if (format[i] === 46) {
      i++;
      spec.precision = 0;
      digits = 0;
      while (digits < 2 && isDigit(format[i])) {
        spec.precision = spec.precision * 10 + ((format[i] as number) - 48);
        i++;
        digits++;
      }
    }
    if (isDigit(format[i]) && spec.error === null) spec.error = 'invalid format (width or precision too long)';
    spec.bare = i === start;
    spec.conv = i < format.length ? (format[i] as number) : 0;
    i++;
    runStart = i;
    pieces.push(spec);
  }
  flush(format.length);
  return pieces;
}

function planFor(format: Uint8Array): Piece[] {
  let plan = plans.get(format);
  if (plan === undefined) {
    plan = parse(format);
    plans.set(format, plan);
  }
  return plan;
}

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Pads `body` (after `prefix`: sign or 0x) to the width: left-justified, zero-filled or right-justified. */
function pad(spec: Spec, prefix: string, body: string, zeroAllowed: boolean): string {
  const length = prefix.length + body.length;
  if (length >= spec.width) return prefix + body;
  const fill = spec.width - length;
  if (spec.left) return prefix + body + ' '.repeat(fill);
  if (spec.zero && zeroAllowed) return prefix + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + prefix + body;
}

function signPrefix(spec: Spec, negative: boolean): string {
  if (negative) return '-';
  if (spec.plus) return '+';
  if (spec.space) return ' ';
  return '';
}

/** Applies an integer precision: at least that many digits; precision 0 prints 0 as nothing. */
function withPrecision(digits: string, precision: number): string {
  if (precision < 0) return digits;
  if (precision === 0 && digits === '0') return '';
  return digits.padStart(precision, '0');
}

function formatInteger(spec: Spec, n: number): string {
  const conv = spec.conv;
  // A precision turns the 0 flag off for integers (C99 7.19.6.1).
  const zeroAllowed = spec.precision < 0;
  if (conv === 100 || conv === 105) {
    // d, i
    const digits = withPrecision(String(Math.abs(n)), spec.precision);
    return pad(spec, signPrefix(spec, n < 0), digits, zeroAllowed);
  }
  const unsigned = n < 0 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n);
  if (conv === 117) return pad(spec, '', withPrecision(unsigned.toString(), spec.precision), zeroAllowed); // u
  if (conv === 111) {
    // o: '#' makes the first digit a 0
    let digits = withPrecision(unsigned.toString(8), spec.precision);
    if (spec.alternate && !digits.startsWith('0')) digits = '0' + digits;
    return pad(spec, '', digits, zeroAllowed);
  }
  const upper = conv === 88;
  let digits = withPrecision(unsigned.toString(16), spec.precision);
  if (upper) digits = digits.toUpperCase();
  const prefix = spec.alternate && unsigned !== 0n ? (upper ? '0X' : '0x') : '';
  return pad(spec, prefix, digits, zeroAllowed);
}

function formatFloat(spec: Spec, x: number): string {
  const conv = spec.conv;
  const upper = conv === 69 || conv === 71 || conv === 65; // E G A
  const negative = signBit(x);
  const prefix = signPrefix(spec, negative);
  if (x !== x || x === Infinity || x === -Infinity) {
    const word = x !== x ? 'nan' : 'inf';
    return pad(spec, prefix, upper ? word.toUpperCase() : word, false);
  }
  const magnitude = Math.abs(x);
  let body: string;
  if (conv === 102) {
    body = fixedDigits(magnitude, spec.precision < 0 ? 6 : spec.precision);
    if (spec.alternate && !body.includes('.')) body += '.';
  } else if (conv === 101 || conv === 69) {
    body = expText(magnitude, spec.precision < 0 ? 6 : spec.precision, spec.alternate, upper);
  } else if (conv === 103 || conv === 71) {
    body = generalText(magnitude, spec.precision < 0 ? 6 : spec.precision, spec.alternate, upper);
  } else {
    body = hexFloatText(magnitude, spec.precision < 0 ? undefined : spec.precision, spec.alternate, upper);
    if (spec.zero && !spec.left) {
      // the zeros go between "0x" and the digits
      const fill = spec.width - prefix.length - body.length;
      if (fill > 0) return prefix + body.slice(0, 2) + '0'.repeat(fill) + body.slice(2);
    }
  }
  return pad(spec, prefix, body, true);
}

const BACKSLASH = 92;
const QUOTE = 34;
const NEWLINE = 10;

/** lstrlib.c addquoted: a string as a Lua literal that reads back as the same bytes. */
function quoted(s: Uint8Array): number[] {
  const out: number[] = [QUOTE];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as number;
    if (c === QUOTE || c === BACKSLASH || c === NEWLINE) {
      out.push(BACKSLASH, c);
    } else if (c < 32 || c === 127) {
      const code = isDigit(s[i + 1]) ? String(c).padStart(3, '0') : String(c);
      out.push(BACKSLASH);
      for (let k = 0; k < code.length; k++) out.push(code.charCodeAt(k));
    } else {
      out.push(c);
    }
  }
  out.push(QUOTE);
  return out;
}

function literal(L: LuaState, arg: number): Uint8Array {
  const type: number = lua.lua_type(L, arg);
  if (type === lua.LUA_TSTRING) return Uint8Array.from(quoted(lua.lua_tolstring(L, arg) as Uint8Array));
  if (type === lua.LUA_TNUMBER) {
    if (lua.lua_isinteger(L, arg)) return ascii(String(lua.lua_tointeger(L, arg)));
    // Lua 5.3 writes every float with "%a", inf and nan included (5.4 spells them 1e9999 and (0/0))
    const x = lua.lua_tonumber(L, arg) as number;
    const sign = signBit(x) ? '-' : '';
    if (x !== x) return ascii(sign + 'nan');
    if (x === Infinity || x === -Infinity) return ascii(sign + 'inf');
    return ascii(sign + hexFloatText(Math.abs(x), undefined, false, false));
  }
  if (type === lua.LUA_TNIL || type === lua.LUA_TBOOLEAN) {
    const text = lauxlib.luaL_tolstring(L, arg) as Uint8Array;
    lua.lua_pop(L, 1);
    return text;
  }
  lauxlib.luaL_argerror(L, arg, lstr('value has no literal form'));
  throw new Error('unreachable: luaL_argerror returned');
}

/**
 * A number's text exactly as lua_tolstring makes it (fengari's luaO_tostring: integers
 * as String(n), floats as "%.14g" plus ".0" when that looks like an integer), without
 * turning the argument's stack slot into a new Lua string first: that conversion (a
 * string object, a hash slot, an encoding) was a third of string.format (issue 16).
 * ASCII text, copied into the result by the caller.
 */
function numberText(L: LuaState, arg: number): string {
  if (lua.lua_isinteger(L, arg)) return String(lua.lua_tointeger(L, arg) as number);
  const text = luaNumberText(lua.lua_tonumber(L, arg) as number);
  return LOOKS_LIKE_INTEGER.test(text) ? text + '.0' : text;
}
const LOOKS_LIKE_INTEGER = /^[-0123456789]+$/;

function stringItem(L: LuaState, spec: Spec, arg: number): Uint8Array | string {
  let s: Uint8Array;
  const type: number = lua.lua_type(L, arg);
  if (type === lua.LUA_TNUMBER) {
    // A number has no __tostring (numbers have no metatable in the sandbox).
    const text = numberText(L, arg);
    if (spec.bare) return text;
    s = ascii(text);
  } else if (type === lua.LUA_TSTRING) {
    // Neither can carry a __tostring in the sandbox (the string metatable is protected,
    // numbers have none), so this is luaL_tolstring's answer without its metatable lookups.
    s = lua.lua_tolstring(L, arg) as Uint8Array;
  } else {
    s = lauxlib.luaL_tolstring(L, arg) as Uint8Array; // runs __tostring, as Lua does
    lua.lua_pop(L, 1);
  }
  if (spec.bare) return s;
  if (s.includes(0)) {
    lauxlib.luaL_argerror(L, arg, lstr('string contains zeros'));
  }
  if (spec.precision < 0 && s.length >= 100) return s;
  const body = spec.precision >= 0 && s.length > spec.precision ? s.subarray(0, spec.precision) : s;
  if (body.length >= spec.width) return body;
  const out = new Uint8Array(spec.width).fill(32);
  out.set(body, spec.left ? 0 : spec.width - body.length);
  return out;
}

/** luaL_error with a message that may hold any byte (luaL_error's %s stops at a zero byte). */
function raise(L: LuaState, message: Uint8Array): never {
  lauxlib.luaL_where(L, 1);
  lua.lua_pushlstring(L, message, message.length);
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable: lua_error returned');
}

/**
 * One item's bytes, or its text when that is ASCII (numbers: no Uint8Array to make,
 * which cost more than writing the characters), or a Lua error raised exactly where
 * str_format raises it.
 */
function item(L: LuaState, spec: Spec, arg: number): Uint8Array | string {
  if (spec.error !== null) raise(L, lstr(spec.error));
  switch (spec.conv) {
    case 99: {
      // c: the low byte of the integer, padded like any item
      const code = (lauxlib.luaL_checkinteger(L, arg) as number) & 0xff;
      if (spec.width <= 1) return Uint8Array.of(code);
      const out = new Uint8Array(spec.width).fill(32);
      out[spec.left ? 0 : spec.width - 1] = code;
      return out;
    }
    case 100: case 105: case 111: case 117: case 120: case 88:
      return formatInteger(spec, lauxlib.luaL_checkinteger(L, arg) as number);
    case 97: case 65: case 101: case 69: case 102: case 103: case 71:
      return formatFloat(spec, lauxlib.luaL_checknumber(L, arg) as number);
    case 113:
      return literal(L, arg);
    case 115:
      return stringItem(L, spec, arg);
    default: {
      // lua_pushfstring's %c writes an unprintable byte as "<\code>"
      const shown = spec.conv >= 32 && spec.conv < 127 ? [spec.conv] : [...lstr(`<\\${spec.conv}>`)];
      const message = new Uint8Array([...lstr("invalid option '%"), ...shown, ...lstr("' to 'format'")]);
      raise(L, message);
    }
  }
}

/** `string.format(fmt, ...)` with the arguments on L's stack; pushes the result. */
export function stringFormat(L: LuaState, budget: CallBudget): number {
  const format = lauxlib.luaL_checklstring(L, 1) as Uint8Array;
  const plan = planFor(format);
  const top: number = lua.lua_gettop(L);
  budget.steps(plan.length);
  const parts: (Uint8Array | string)[] = [];
  let length = 0;
  let arg = 1;
  for (let p = 0; p < plan.length; p++) {
    const piece = plan[p] as Piece;
    let part: Uint8Array | string;
    if (piece instanceof Uint8Array) {
      part = piece;
    } else {
      if (++arg > top) lauxlib.luaL_argerror(L, arg, lstr('no value'));
      part = item(L, piece, arg);
    }
    parts.push(part);
    length += part.length; // an item's text is ASCII: one byte a character
  }
  budget.allocate(length);
  const out = ownedStringBytes(length);
  let at = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as Uint8Array | string;
    if (typeof part === 'string') {
      for (let i = 0; i < part.length; i++) out[at + i] = part.charCodeAt(i);
    } else if (part.length > 16) {
      out.set(part, at);
    } else {
      for (let i = 0; i < part.length; i++) out[at + i] = part[i] as number; // set() costs more than a short loop
    }
    at += part.length;
  }
  // `out` is ours alone: pushed without the copy lua_pushlstring would make.
  pushOwnedString(L, out);
  return 1;
}

