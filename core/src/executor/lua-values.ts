import type { LuaState } from './fengari-runtime';
import { lobject, lstring, ltable, to_luastring } from './fengari-runtime';

/**
 * Stack-free access to fengari's tables and strings, for the executor's per-evaluation
 * work only: building the environment and the context tables, and reading the result
 * (issue 16). Through the C API each field cost a push of a key (a registry lookup and
 * a copy), a push of the value, and lua_rawset's index checks and stack clean-up; the
 * tables are fresh and ours alone until the rule runs, and the result is only read, so
 * these helpers do what those API calls end up doing (luaH_new, luaH_setfrom,
 * luaH_getstr) and nothing else; a field of a new table is set with our fengari patch's
 * luaH_setabsent (16-table-sets), which skips luaH_setfrom's lookup of a key that
 * cannot be there yet. Everything here is raw: no metamethod ever runs.
 *
 * fengari is pinned (0.1.5 plus our patches), and these are its internal shapes:
 * a value is a TValue { type, value }, a string a TString { realstring }, a Lua
 * closure's upvalues are TValues.
 */

/** fengari's type tags with their variant bits (defs.js constant_types). */
export const LUA_TAG = {
  nil: 0,
  boolean: 1,
  float: 3,
  integer: 3 | (1 << 4),
  string: 4 | (1 << 4),
  table: 5,
} as const;
/** A TValue's basic type (its tag without variant bits) is `type & TYPE_MASK`, as lua_type reports it. */
export const TYPE_MASK = 0x0f;

export interface LuaTValue {
  type: number;
  value: unknown;
}
/** A fengari Table; opaque apart from what lua_setmetatable and lua_rawset touch. */
export interface LuaTable {
  metatable: LuaTable | null;
  flags: number;
  sizearray: number;
}
/** A fengari TString: immutable bytes, hash computed once on first use as a key. */
export interface LuaTString {
  readonly realstring: Uint8Array;
}
/** A fengari Lua closure; `upvals[0]` of a main chunk is its _ENV. */
export interface LuaClosure {
  upvals: LuaTValue[];
}

const TValue = lobject.TValue as new (type: number, value: unknown) => LuaTValue;
const luaH_new = ltable.luaH_new as (L: LuaState) => LuaTable;
const luaH_setabsent = ltable.luaH_setabsent as (L: LuaState, t: LuaTable, key: LuaTValue, value: LuaTValue) => void;
if (typeof luaH_setabsent !== 'function') throw new Error('fengari is not patched (no ltable.luaH_setabsent): run `node scripts/fengari-patches.mjs apply`');
const luaH_getstr = ltable.luaH_getstr as (t: LuaTable, key: LuaTString) => LuaTValue;
const luaS_bless = lstring.luaS_bless as (L: LuaState, bytes: Uint8Array) => LuaTString;

/** A new empty table (lua_createtable); `narray`: the array part Lua would make, for # and next. */
export function newTable(L: LuaState, narray = 0): LuaTable {
  const t = luaH_new(L);
  if (narray > 0) t.sizearray = narray;
  return t;
}

/** A Lua string of `text`'s UTF-8 bytes (lua_pushstring without the push, and without its copy). */
export function newString(L: LuaState, text: string): LuaTString {
  return luaS_bless(L, to_luastring(text));
}

// luaH_setabsent copies key and value into new TValues: one scratch pair serves every call.
const scratchKey = new TValue(LUA_TAG.string, null);
const scratchValue = new TValue(LUA_TAG.nil, null);

/** `t[key] = value` raw, as lua_rawset does it, for a `key` not yet set in `t`; `type` must not be nil. */
export function rawSetString(L: LuaState, t: LuaTable, key: LuaTString, type: number, value: unknown): void {
  scratchKey.value = key;
  scratchValue.type = type;
  scratchValue.value = value;
  luaH_setabsent(L, t, scratchKey, scratchValue);
  // lua_rawset's invalidateTMcache: the table may become a metatable later.
  t.flags = 0;
  scratchKey.value = null;
  scratchValue.value = null;
}

/** `t[key]` raw: a TValue to read, never to keep or change (a nil object when absent). */
export function rawGetString(t: LuaTable, key: LuaTString): LuaTValue {
  return luaH_getstr(t, key);
}

/** Pushes a value onto L's stack (within the LUA_MINSTACK slots every API caller has). */
export function pushValue(L: LuaState, type: number, value: unknown): void {
  (L.stack as LuaTValue[])[L.top++] = new TValue(type, value);
}

/** Pops the top of L's stack, returning it (as lua_pop leaves it: the slot emptied). */
export function popValue(L: LuaState): LuaTValue {
  const stack = L.stack as (LuaTValue | undefined)[];
  const top = --L.top;
  const value = stack[top] as LuaTValue;
  stack[top] = undefined;
  return value;
}

/** The TValue at a negative stack index (as index2addr reads it), to read only. */
export function valueAt(L: LuaState, index: number): LuaTValue {
  return (L.stack as LuaTValue[])[L.top + index] as LuaTValue;
}
