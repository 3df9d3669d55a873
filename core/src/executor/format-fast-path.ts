import type { LuaState } from './fengari-runtime';
import { lua } from './fengari-runtime';
import type { CallBudget } from './limits';

/**
 * A fast path for the commonest `string.format` calls in rules: formats made only
 * of text, `%s`, `%d` and `%%` (no flags, width or precision), with string and
 * number arguments. Why: fengari's string.format adds the format's text one byte
 * at a time, each byte allocating a typed-array view, and that was about a third
 * of a warm evaluation of the seed's epic rule.
 *
 * The output is byte for byte what fengari's own string.format gives (a
 * differential test checks it); anything else (other specifiers, missing
 * arguments, tables, booleans, nil, `%d` of a float) returns false so that
 * fengari's format runs and gives its own result or error. A string argument
 * never has a `__tostring` here: the sandbox's string metatable has none and rules
 * cannot change it.
 */

const PERCENT = 37;
const LETTER_S = 115;
const LETTER_D = 100;

/** Literal bytes, or a specifier: 's' or 'd'. */
type Piece = Uint8Array | 's' | 'd';

/** Parsed formats, keyed by the format's byte array: a rule's constant strings keep theirs across calls. */
const plans = new WeakMap<Uint8Array, Piece[] | null>();

function planFor(format: Uint8Array): Piece[] | null {
  let plan = plans.get(format);
  if (plan !== undefined) return plan;
  plan = parse(format);
  plans.set(format, plan);
  return plan;
}

function parse(format: Uint8Array): Piece[] | null {
  const pieces: Piece[] = [];
  let start = 0;
  let text: number[] | null = null; // only used when a %% splits the text
  const flushText = (end: number) => {
    if (text) {
      for (let k = start; k < end; k++) text.push(format[k] as number);
      pieces.push(Uint8Array.from(text));
      text = null;
    } else if (end > start) {
      pieces.push(format.subarray(start, end));
    }
  };
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== PERCENT) continue;
    const next = format[i + 1];
    if (next === PERCENT) {
      text ??= [];
      for (let k = start; k < i; k++) text.push(format[k] as number);
      text.push(PERCENT);
      start = i + 2;
      i++;
      continue;
    }
    if (next !== LETTER_S && next !== LETTER_D) return null;
    flushText(i);
    pieces.push(next === LETTER_S ? 's' : 'd');
    start = i + 2;
    i++;
  }
  flushText(format.length);
  return pieces;
}

/**
 * fengari's luaO_tostring for a float: String(Number(n.toPrecision(14))), plus ".0"
 * when the text is only digits and '-'. That is exactly when the rounded value is an
 * integer below 1e21 in size (larger ones print as "1e+21"; Infinity and NaN as words).
 */
function floatText(n: number): string {
  const rounded = Number(n.toPrecision(14));
  const text = String(rounded);
  return Number.isInteger(rounded) && Math.abs(rounded) < 1e21 ? text + '.0' : text;
}

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Formats `string.format(fmt, ...)` from the arguments on L's stack (format at 1)
 * and pushes the result. Returns false, having pushed nothing, when the call is not
 * one it handles exactly.
 */
export function tryFastFormat(L: LuaState, format: Uint8Array, budget?: CallBudget): boolean {
  const plan = planFor(format);
  if (plan === null) return false;
  const top: number = lua.lua_gettop(L);
  const parts: Uint8Array[] = [];
  let length = 0;
  let arg = 1;
  for (const piece of plan) {
    let bytes: Uint8Array;
    if (typeof piece !== 'string') bytes = piece;
    else {
      if (++arg > top) return false;
      const type: number = lua.lua_type(L, arg);
      if (piece === 'd') {
        if (type !== lua.LUA_TNUMBER || !lua.lua_isinteger(L, arg)) return false;
        bytes = ascii(String(lua.lua_tointeger(L, arg)));
      } else if (type === lua.LUA_TSTRING) {
        bytes = lua.lua_tolstring(L, arg) as Uint8Array;
      } else if (type === lua.LUA_TNUMBER) {
        bytes = ascii(lua.lua_isinteger(L, arg) ? String(lua.lua_tointeger(L, arg)) : floatText(lua.lua_tonumber(L, arg) as number));
      } else {
        return false;
      }
    }
    parts.push(bytes);
    length += bytes.length;
  }
  // 300 references to one 4 MiB string are 300 small arguments and a 1.2 GB result.
  budget?.allocate(length);
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  lua.lua_pushlstring(L, out, length);
  return true;
}
