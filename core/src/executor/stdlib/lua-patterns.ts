import type { LuaCFunction, LuaState } from '../fengari-runtime';
import { lauxlib, lua, lstr, to_luastring } from '../fengari-runtime';
import type { CallBudget } from '../limits';
import { ByteBuffer } from './byte-buffer';
import { isDigit } from './char-classes';
import { CAP_POSITION, CAP_UNFINISHED, MatchState, PatternError, StepMeter, findPlain, hasNoSpecials, match } from './pattern-matcher';

/**
 * string.find, string.match, string.gmatch and string.gsub for the sandbox: Lua
 * 5.3.4's behaviour (results, errors, argument checks) on our own matcher, which
 * reports its steps to the evaluation budget (a runaway backtrack becomes a
 * time-limit) and gsub's growing result to its allocations (a multiplying
 * replacement becomes a memory-limit). Fengari's own versions loop inside one
 * library call where the instruction hook never fires.
 */

const CARET = 94; // '^'
const L_ESC = 37; // '%'
const CLOSE = 41; // ')'
const DIGIT_0 = 48;
const DIGIT_1 = 49;
/** Idle match states kept for reuse; more are only needed while gsub callbacks nest. */
const POOL_SIZE = 8;
const TOO_MANY_CAPTURES = lstr('too many captures');
const REPLACEMENT_EXPECTED = lstr('string/function/table expected');
const INVALID_REPLACEMENT = lstr('invalid replacement value (a %s)');
const PERCENT_S = lstr('%s');

export interface PatternFunctions {
  find: LuaCFunction;
  match: LuaCFunction;
  gmatch: LuaCFunction;
  gsub: LuaCFunction;
}

/** Lua's posrelat: a negative position counts back from the end; 0 when before the start. */
function relativePosition(pos: number, length: number): number {
  if (pos >= 0) return pos;
  if (-pos > length) return 0;
  return length + pos + 1;
}

/** Raises a Lua error with Lua's position prefix, as luaL_error does from C. */
function raise(L: LuaState, message: string): never {
  lauxlib.luaL_error(L, PERCENT_S, to_luastring(message));
  throw new Error('unreachable: luaL_error returned');
}

/** Pushes capture i (0-based) of a match from s to e; with no captures, capture 0 is the whole match. */
function pushOneCapture(L: LuaState, ms: MatchState, i: number, s: number, e: number): void {
  if (i >= ms.level) {
    if (i !== 0) throw new PatternError(`invalid capture index %${i + 1}`);
    lua.lua_pushlstring(L, ms.src.subarray(s, e), e - s);
    return;
  }
  const len = ms.captureLen[i] as number;
  const init = ms.captureInit[i] as number;
  if (len === CAP_UNFINISHED) throw new PatternError('unfinished capture');
  if (len === CAP_POSITION) lua.lua_pushinteger(L, init + 1);
  else lua.lua_pushlstring(L, ms.src.subarray(init, init + len), len);
}

/** Pushes all captures; s = -1 (find) pushes nothing when the pattern has no captures. Returns the count. */
function pushCaptures(L: LuaState, ms: MatchState, s: number, e: number): number {
  const count = ms.level === 0 && s !== -1 ? 1 : ms.level;
  lauxlib.luaL_checkstack(L, count, TOO_MANY_CAPTURES);
  for (let i = 0; i < count; i++) pushOneCapture(L, ms, i, s, e);
  return count;
}

/** Appends what `%d` in a gsub replacement string stands for (as luaL_tolstring would render it). */
function appendCapture(buffer: ByteBuffer, ms: MatchState, i: number, s: number, e: number): void {
  if (i >= ms.level) {
    if (i !== 0) throw new PatternError(`invalid capture index %${i + 1}`);
    buffer.append(ms.src, s, e);
    return;
  }
  const len = ms.captureLen[i] as number;
  const init = ms.captureInit[i] as number;
  if (len === CAP_UNFINISHED) throw new PatternError('unfinished capture');
  if (len === CAP_POSITION) buffer.appendInteger(init + 1);
  else buffer.append(ms.src, init, init + len);
}

/** gsub with a string replacement: %0-%9 are captures, %% is a percent sign. */
function appendReplacement(buffer: ByteBuffer, ms: MatchState, replacement: Uint8Array, s: number, e: number): void {
  const length = replacement.length;
  for (let i = 0; i < length; i++) {
    const c = replacement[i] as number;
    if (c !== L_ESC) {
      buffer.pushByte(c);
      continue;
    }
    const d = replacement[++i];
    if (!isDigit(d)) {
      if (d !== L_ESC) throw new PatternError("invalid use of '%' in replacement string");
      buffer.pushByte(L_ESC);
    } else if (d === DIGIT_0) {
      buffer.append(ms.src, s, e);
    } else {
      appendCapture(buffer, ms, (d as number) - DIGIT_1, s, e);
    }
  }
}

/**
 * gsub with a function or table replacement: the callback runs Lua code (under the
 * instruction hook; a LimitExceeded from it propagates). A false or nil result
 * keeps the matched text.
 */
function appendLookup(L: LuaState, buffer: ByteBuffer, ms: MatchState, tr: number, s: number, e: number): void {
  if (tr === lua.LUA_TFUNCTION) {
    lua.lua_pushvalue(L, 3);
    const count = pushCaptures(L, ms, s, e);
    lua.lua_call(L, count, 1);
  } else {
    pushOneCapture(L, ms, 0, s, e);
    lua.lua_gettable(L, 3);
  }
  if (!lua.lua_toboolean(L, -1)) {
    lua.lua_pop(L, 1);
    buffer.append(ms.src, s, e);
    return;
  }
  if (!lua.lua_isstring(L, -1)) {
    lauxlib.luaL_error(L, INVALID_REPLACEMENT, lauxlib.luaL_typename(L, -1));
  }
  const value: Uint8Array = lua.lua_tolstring(L, -1);
  buffer.append(value, 0, value.length);
  lua.lua_pop(L, 1);
}

/** The message of a PatternError; anything else (a Lua error, LimitExceeded) is thrown on. */
function patternErrorMessage(error: unknown): string {
  if (error instanceof PatternError) return error.message;
  throw error;
}

/** find/match from subject position `start`: pushes the results and returns their count. */
function findMatch(L: LuaState, ms: MatchState, find: boolean, start: number): number {
  const anchor = ms.pat[0] === CARET;
  const p0 = anchor ? 1 : 0;
  let s1 = start;
  do {
    ms.restart();
    const e = match(ms, s1, p0);
    if (e !== -1) {
      if (!find) return pushCaptures(L, ms, s1, e);
      lua.lua_pushinteger(L, s1 + 1);
      lua.lua_pushinteger(L, e);
      return pushCaptures(L, ms, -1, 0) + 2;
    }
  } while (s1++ < ms.srcEnd && !anchor);
  lua.lua_pushnil(L);
  return 1;
}

interface GmatchPosition {
  next: number;
  lastMatch: number;
}

/** One call of a gmatch iterator: the next match from `position.next`, or nothing. */
function gmatchStep(L: LuaState, ms: MatchState, position: GmatchPosition): number {
  for (let s = position.next; s <= ms.srcEnd; s++) {
    ms.restart();
    const e = match(ms, s, 0);
    // An empty match right where the previous match ended is skipped (5.3.4).
    if (e !== -1 && e !== position.lastMatch) {
      position.next = position.lastMatch = e;
      return pushCaptures(L, ms, s, e);
    }
  }
  return 0;
}

/** gsub's loop: fills `buffer` with the result and returns the number of replacements. */
function substitute(L: LuaState, ms: MatchState, buffer: ByteBuffer, tr: number, replacement: Uint8Array | null, maxReplacements: number): number {
  const src = ms.src;
  const anchor = ms.pat[0] === CARET;
  const p0 = anchor ? 1 : 0;
  const plainReplacement = replacement !== null && !replacement.includes(L_ESC);
  let s = 0;
  let lastMatch = -1;
  let count = 0;
  if (!anchor && ms.patEnd > 0 && hasNoSpecials(ms.pat) && !ms.pat.includes(CLOSE)) {
    // A literal pattern (the common `s:gsub(",", ";")`): jump from occurrence to
    // occurrence instead of trying a match at every byte. Same result, same order.
    // (')' is no "special" for find's plain search, but gsub must reject it.)
    const pat = ms.pat;
    while (count < maxReplacements) {
      const found = findPlain(ms.meter, src, pat, s);
      if (found === -1) break;
      buffer.append(src, s, found);
      count++;
      const e = found + pat.length;
      if (replacement === null) appendLookup(L, buffer, ms, tr, found, e);
      else if (plainReplacement) buffer.append(replacement, 0, replacement.length);
      else appendReplacement(buffer, ms, replacement, found, e);
      s = e;
    }
    buffer.append(src, s, ms.srcEnd);
    return count;
  }
  while (count < maxReplacements) {
    ms.restart();
    const e = match(ms, s, p0);
    if (e !== -1 && e !== lastMatch) {
      count++;
      if (replacement === null) appendLookup(L, buffer, ms, tr, s, e);
      else if (plainReplacement) buffer.append(replacement, 0, replacement.length);
      else appendReplacement(buffer, ms, replacement, s, e);
      s = lastMatch = e;
    } else if (s < ms.srcEnd) {
      buffer.pushByte(src[s++] as number);
    } else {
      break;
    }
    if (anchor) break;
  }
  buffer.append(src, s, ms.srcEnd);
  return count;
}

/**
 * Builds the four functions. `getBudget` is asked at each call, so one set of
 * functions serves every evaluation of an executor.
 */
export function makePatternFunctions(getBudget: () => CallBudget): PatternFunctions {
  const meter = new StepMeter((steps) => getBudget().steps(steps));
  const pool: MatchState[] = [];
  const acquire = (src: Uint8Array, pat: Uint8Array): MatchState => {
    const ms = pool.pop() ?? new MatchState(meter);
    ms.prepare(src, pat);
    return ms;
  };
  const release = (ms: MatchState): void => {
    ms.release();
    if (pool.length < POOL_SIZE) pool.push(ms);
  };

  const findAux = (L: LuaState, find: boolean): number => {
    const src: Uint8Array = lauxlib.luaL_checklstring(L, 1);
    const pat: Uint8Array = lauxlib.luaL_checklstring(L, 2);
    const length = src.length;
    let init = relativePosition(lauxlib.luaL_optinteger(L, 3, 1) as number, length);
    if (init < 1) init = 1;
    else if (init > length + 1) {
      lua.lua_pushnil(L);
      return 1;
    }
    if (find && (lua.lua_toboolean(L, 4) || hasNoSpecials(pat))) {
      const at = findPlain(meter, src, pat, init - 1);
      if (at === -1) {
        lua.lua_pushnil(L);
        return 1;
      }
      lua.lua_pushinteger(L, at + 1);
      lua.lua_pushinteger(L, at + pat.length);
      return 2;
    }
    const ms = acquire(src, pat);
    let message: string;
    try {
      return findMatch(L, ms, find, init - 1);
    } catch (error) {
      message = patternErrorMessage(error);
    } finally {
      release(ms);
    }
    return raise(L, message);
  };

  const find: LuaCFunction = (L) => findAux(L, true);
  const matchFn: LuaCFunction = (L) => findAux(L, false);

  const gmatch: LuaCFunction = (L) => {
    const src: Uint8Array = lauxlib.luaL_checklstring(L, 1);
    const pat: Uint8Array = lauxlib.luaL_checklstring(L, 2);
    // Lua 5.3 gmatch has no anchor: a leading '^' is an ordinary character.
    // Only positions live between calls; a match state is borrowed for each call.
    const position = { next: 0, lastMatch: -1 };
    const iterator: LuaCFunction = (L1) => {
      const ms = acquire(src, pat);
      let message: string;
      try {
        return gmatchStep(L1, ms, position);
      } catch (error) {
        message = patternErrorMessage(error);
      } finally {
        release(ms);
      }
      return raise(L1, message);
    };
    lua.lua_pushcfunction(L, iterator);
    return 1;
  };

  const gsub: LuaCFunction = (L) => {
    const src: Uint8Array = lauxlib.luaL_checklstring(L, 1);
    const pat: Uint8Array = lauxlib.luaL_checklstring(L, 2);
    const length = src.length;
    const tr: number = lua.lua_type(L, 3);
    const maxReplacements: number = lauxlib.luaL_optinteger(L, 4, length + 1);
    lauxlib.luaL_argcheck(
      L,
      tr === lua.LUA_TNUMBER || tr === lua.LUA_TSTRING || tr === lua.LUA_TFUNCTION || tr === lua.LUA_TTABLE,
      3,
      REPLACEMENT_EXPECTED,
    );
    // A number replacement becomes its string, as lua_tolstring converts it in place.
    const replacement: Uint8Array | null = tr === lua.LUA_TNUMBER || tr === lua.LUA_TSTRING ? lua.lua_tolstring(L, 3) : null;
    const budget = getBudget();
    const buffer = new ByteBuffer(length, (needed) => budget.allocate(needed));
    const ms = acquire(src, pat);
    let message: string;
    try {
      const count = substitute(L, ms, buffer, tr, replacement, maxReplacements);
      lua.lua_pushlstring(L, buffer.bytes, buffer.length);
      lua.lua_pushinteger(L, count);
      return 2;
    } catch (error) {
      message = patternErrorMessage(error);
    } finally {
      release(ms);
    }
    return raise(L, message);
  };

  return { find, match: matchFn, gmatch, gsub };
}
