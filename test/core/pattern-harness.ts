import { EvaluationBudget } from '../../core/src/executor/evaluation-budget';
import type { LuaState } from '../../core/src/executor/fengari-runtime';
import { lauxlib, lua, lualib, to_luastring } from '../../core/src/executor/fengari-runtime';
import { DEFAULT_LIMITS } from '../../core/src/executor/limits';
import { makePatternFunctions } from '../../core/src/executor/stdlib/lua-patterns';

/**
 * One plain fengari state (all standard libraries) where fengari's own string
 * functions are `string.*` and ours are `ours.*`, so the same call can be made
 * on both and compared. Strings cross as bytes (latin1), so no byte is lost.
 */

/** An argument: a JS string (bytes), an integer, a boolean, nil, or Lua source for any other value. */
export type LuaArg = string | number | boolean | null | { lua: string };
/** A Lua value read back: strings as JS strings, integers as numbers, anything else tagged. */
export type LuaValue = string | number | boolean | null | { float: number } | { type: string };
export type Outcome = { ok: true; values: LuaValue[] } | { ok: false; error: string };
export type Library = 'string' | 'ours';
export type PatternFunction = 'find' | 'match' | 'gmatch' | 'gsub';

/** Most iterations read from a gmatch iterator (the subjects in tests are short). */
const MAX_GMATCH_ITERATIONS = 200;

export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function latin1(value: Uint8Array): string {
  let text = '';
  for (const byte of value) text += String.fromCharCode(byte);
  return text;
}

export class PatternHarness {
  readonly L: LuaState;
  /** A real budget with limits far away, reset before every call, so only the matcher's own behaviour shows. */
  readonly budget = new EvaluationBudget({ ...DEFAULT_LIMITS, instructions: 1e9, timeMs: 1e9, memoryBytes: 1e9 });

  constructor() {
    this.L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(this.L);
    const functions = makePatternFunctions(() => this.budget);
    lua.lua_createtable(this.L, 0, 4);
    for (const [name, fn] of Object.entries(functions)) {
      lua.lua_pushcfunction(this.L, fn);
      lua.lua_setfield(this.L, -2, to_luastring(name));
    }
    lua.lua_setglobal(this.L, to_luastring('ours'));
  }

  /** Calls `lib.fn(...args)`; for gmatch, runs the iterator and returns one entry per iteration (a list of captures). */
  call(lib: Library, fn: PatternFunction, args: readonly LuaArg[]): Outcome {
    const L = this.L;
    lua.lua_settop(L, 0);
    this.budget.reset();
    lua.lua_getglobal(L, to_luastring(lib));
    lua.lua_getfield(L, -1, to_luastring(fn));
    lua.lua_remove(L, -2);
    for (const arg of args) this.push(arg);
    let status: number = lua.lua_pcall(L, args.length, lua.LUA_MULTRET, 0);
    if (status !== lua.LUA_OK) return this.error();
    if (fn !== 'gmatch') return { ok: true, values: this.readAll(0) };
    // The iterator stays at index 1; each call's results are read and dropped.
    const iterations: LuaValue[] = [];
    for (let i = 0; i < MAX_GMATCH_ITERATIONS; i++) {
      lua.lua_settop(L, 1);
      lua.lua_pushvalue(L, 1);
      status = lua.lua_pcall(L, 0, lua.LUA_MULTRET, 0);
      if (status !== lua.LUA_OK) return this.error();
      const values = this.readAll(1);
      if (values.length === 0 || values[0] === null) break;
      iterations.push(values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\u0001'));
    }
    return { ok: true, values: iterations };
  }

  private push(arg: LuaArg): void {
    const L = this.L;
    if (arg === null) lua.lua_pushnil(L);
    else if (typeof arg === 'string') lua.lua_pushlstring(L, bytes(arg), arg.length);
    else if (typeof arg === 'number') lua.lua_pushinteger(L, arg);
    else if (typeof arg === 'boolean') lua.lua_pushboolean(L, arg);
    else {
      const source = to_luastring('return ' + arg.lua);
      if (lauxlib.luaL_loadstring(L, source) !== lua.LUA_OK) throw new Error(`bad Lua argument: ${arg.lua}`);
      lua.lua_call(L, 0, 1);
    }
  }

  private readAll(from: number): LuaValue[] {
    const L = this.L;
    const values: LuaValue[] = [];
    const top: number = lua.lua_gettop(L);
    for (let i = from + 1; i <= top; i++) values.push(this.read(i));
    return values;
  }

  private read(index: number): LuaValue {
    const L = this.L;
    switch (lua.lua_type(L, index)) {
      case lua.LUA_TNIL:
        return null;
      case lua.LUA_TBOOLEAN:
        return lua.lua_toboolean(L, index) as boolean;
      case lua.LUA_TSTRING:
        return latin1(lua.lua_tolstring(L, index) as Uint8Array);
      case lua.LUA_TNUMBER:
        return lua.lua_isinteger(L, index) ? (lua.lua_tointeger(L, index) as number) : { float: lua.lua_tonumber(L, index) as number };
      default:
        return { type: lua.lua_typename(L, lua.lua_type(L, index)) ? latin1(lua.lua_typename(L, lua.lua_type(L, index))) : '?' };
    }
  }

  private error(): Outcome {
    const L = this.L;
    const message = lua.lua_type(L, -1) === lua.LUA_TSTRING ? latin1(lua.lua_tolstring(L, -1)) : `(non-string error: ${lua.lua_type(L, -1)})`;
    lua.lua_settop(L, 0);
    return { ok: false, error: message };
  }
}
