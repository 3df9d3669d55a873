import type { LuaCFunction, LuaState } from './fengari-runtime';
import { chargeSteps, lauxlib, lua, lualib, lstr, to_luastring } from './fengari-runtime';
import type { EvaluationBudget } from './evaluation-budget';
import { registerLibraryNames } from './function-names';
import { LimitExceeded } from './limits';
import { stringFormat } from './stdlib/format';
import { SAFE_BASE_FUNCTIONS, SAFE_LIBRARIES } from './sandbox-globals';

/** Where print() output goes during an evaluation; bounded so a chatty rule cannot grow it. */
export interface PrintSink {
  lines: string[];
}
const MAX_PRINT_LINES = 200;
const MAX_PRINT_LINE = 2000;

export interface SandboxHooks {
  budget: () => EvaluationBudget;
  print: () => PrintSink;
  /** Replacements for string.find/match/gmatch/gsub that report to the budget. */
  patterns?: { find: LuaCFunction; match: LuaCFunction; gmatch: LuaCFunction; gsub: LuaCFunction };
}

/** JS errors that mean an allocation failed: the rule asked for too much memory. */
const ALLOCATION_FAILED = /(array|buffer|string) length|allocation failed/i;

/**
 * Turns a JS exception escaping a library function into what a rule can handle:
 * a failed allocation is the memory limit; anything else (fengari throws RangeError
 * and TypeError for some inputs it does not expect, e.g. invalid UTF-8 where it wants
 * a JS string) becomes a catchable Lua error naming the function, raised at the call,
 * so the state is never rebuilt for something a rule did. Lua errors (fengari throws
 * plain objects for those) and limit errors pass through untouched.
 */
function raiseAsLuaError(L: LuaState, name: string, error: unknown, budget: EvaluationBudget): never {
  if (!(error instanceof Error) || error instanceof LimitExceeded) throw error;
  const message = error.message;
  if (error instanceof RangeError && ALLOCATION_FAILED.test(message)) {
    budget.fail(new LimitExceeded('memory-limit', `memory limit exceeded: '${name}' could not allocate (${message})`));
  }
  const text = error instanceof RangeError && /call stack/i.test(message) ? `stack overflow in '${name}'` : `bad argument to '${name}' (${message})`;
  lauxlib.luaL_error(L, lstr('%s'), to_luastring(text));
  throw error; // unreachable: luaL_error throws
}

/**
 * Every library function a rule can call runs inside this guard: it charges the call's
 * work before it runs (a step per argument, one per 16 bytes of string arguments,
 * which covers functions that scan their input, e.g. utf8.len or tonumber) and after
 * it (a step per result, which covers string.byte, table.unpack, utf8.codepoint), so
 * repeating a cheap-looking call cannot outrun the clock; and it turns any JS
 * exception into a Lua error (raiseAsLuaError).
 */
export function guard(name: string, fn: LuaCFunction, budget: () => EvaluationBudget, scansInput: boolean): LuaCFunction {
  return (L1) => {
    const top: number = lua.lua_gettop(L1);
    let work = 1 + top;
    if (scansInput) {
      for (let i = 1; i <= top; i++) {
        if (lua.lua_type(L1, i) === lua.LUA_TSTRING) work += (lua.lua_rawlen(L1, i) as number) >> 4;
      }
    }
    chargeSteps(work);
    let results: number;
    try {
      results = fn(L1);
    } catch (error) {
      raiseAsLuaError(L1, name, error, budget());
    }
    if (results > 16) chargeSteps(results);
    return results;
  };
}

/**
 * Library functions that read their string arguments byte by byte without creating
 * a string of that size (which would be metered) or going through a metered buffer:
 * their input is charged before they run. Others (string.len, rawlen, select, ...)
 * do not pay for the length of a string they only pass along.
 */
const SCANS_INPUT = new Set(['string.format', 'tonumber', 'utf8.len', 'utf8.offset', 'utf8.codepoint', 'utf8.codes']);

function rawMember(L: LuaState, lib: string, name: string): void {
  lua.lua_getglobal(L, lstr(lib));
  lua.lua_getfield(L, -1, lstr(name));
  lua.lua_remove(L, -2);
}

function rawLibFunction(L: LuaState, lib: string, name: string): LuaCFunction {
  rawMember(L, lib, name);
  const fn = lua.lua_tocfunction(L, -1) as LuaCFunction | null;
  lua.lua_pop(L, 1);
  if (!fn) throw new Error(`fengari has no ${lib}.${name}`);
  return fn;
}

const decoder = new TextDecoder();
/** Bytes of one print line kept before it is cut (a line holds at most MAX_PRINT_LINE characters). */
const MAX_PRINT_BYTES = MAX_PRINT_LINE * 4;

/**
 * JS replacements for the library functions that can allocate or loop without bound
 * inside one call in ways the work meter alone would stop too late. Each checks the
 * budget first and then runs fengari's own function on the same stack frame.
 */
function makeOwnFunctions(L: LuaState, hooks: SandboxHooks): Record<string, LuaCFunction> {
  const rawResume = rawLibFunction(L, 'coroutine', 'resume');

  // Ours, not fengari's: fengari appends the string n times through its buffer, one
  // call per copy (4 million calls, 400 ms, for ("x"):rep(4 MiB)). The size is
  // checked before anything is allocated, and the copies double.
  const rep: LuaCFunction = (L1) => {
    const s: Uint8Array = lauxlib.luaL_checklstring(L1, 1);
    const n: number = lauxlib.luaL_checkinteger(L1, 2);
    const sep: Uint8Array = lauxlib.luaL_optlstring(L1, 3, lstr(''));
    const unit = s.length + sep.length;
    const total = n <= 0 || unit === 0 ? 0 : n * unit - sep.length;
    if (total === 0) {
      lua.lua_pushstring(L1, lstr(''));
      return 1;
    }
    hooks.budget().allocate(total);
    const out = new Uint8Array(total);
    out.set(s, 0);
    if (sep.length > 0 && n > 1) out.set(sep, s.length);
    // out[0, filled) holds whole units (each s followed by sep); double it until full.
    let filled = n > 1 ? unit : s.length;
    while (filled < total) {
      const chunk = Math.min(filled, total - filled);
      out.copyWithin(filled, 0, chunk);
      filled += chunk;
    }
    lua.lua_pushlstring(L1, out, total);
    return 1;
  };

  // Ours (stdlib/format.ts): Lua 5.3's format, reporting its output to the budget before building it.
  const format: LuaCFunction = (L1) => stringFormat(L1, hooks.budget());

  const resume: LuaCFunction = (L1) => {
    const results: number = rawResume(L1);
    // A limit error caught by resume must not let the rule carry on.
    const budget = hooks.budget();
    if (budget.exceeded) throw budget.exceeded;
    return results;
  };

  const limitHit: LuaCFunction = (L1) => {
    lua.lua_pushboolean(L1, hooks.budget().exceeded !== null);
    return 1;
  };

  // Each argument's text is cut before it becomes a JS string: 300 references to a
  // 4 MiB string must cost a 2,000-character line, not 1.2 GB of JS strings.
  const print: LuaCFunction = (L1) => {
    const top: number = lua.lua_gettop(L1);
    const sink = hooks.print();
    const keep = sink.lines.length < MAX_PRINT_LINES;
    const parts: Uint8Array[] = [];
    let kept = 0;
    for (let i = 1; i <= top; i++) {
      lauxlib.luaL_tolstring(L1, i); // runs __tostring, which is Lua code under the hook
      if (keep && kept < MAX_PRINT_BYTES) {
        if (i > 1) parts.push(TAB);
        const bytes = lua.lua_tolstring(L1, -1) as Uint8Array;
        const piece = bytes.subarray(0, MAX_PRINT_BYTES - kept);
        parts.push(piece);
        kept += piece.length + (i > 1 ? 1 : 0);
      }
      lua.lua_pop(L1, 1);
    }
    if (keep) {
      const joined = new Uint8Array(kept);
      let at = 0;
      for (const part of parts) {
        joined.set(part.subarray(0, kept - at), at);
        at += part.length;
        if (at >= kept) break;
      }
      const line = decoder.decode(joined);
      sink.lines.push(line.length > MAX_PRINT_LINE ? line.slice(0, MAX_PRINT_LINE) + '…' : line);
    } else if (sink.lines.length === MAX_PRINT_LINES) {
      sink.lines.push(`… (more than ${MAX_PRINT_LINES} lines; the rest is dropped)`);
    }
    return 0;
  };

  return { rep, format, resume, limit_hit: limitHit, print };
}

const TAB = new Uint8Array([9]);

/**
 * Builds, from the real libraries, the tables a rule sees, and returns (on the stack)
 * the metatable every evaluation's environment gets. Runs once per state.
 * Library tables are read-only proxies over private copies that hold only the
 * listed members; the string metatable is protected and points at the private
 * string copy, so `("").rep` is the guarded rep and no path leads back to the
 * real libraries, `_G` of the state, or the registry.
 */
const SANDBOX_SETUP = `
local H, base, libs = ...
local G = _G
local raw_pcall, raw_xpcall, raw_error, raw_setmetatable, raw_tostring = pcall, xpcall, error, setmetatable, tostring
local limit_hit = H.limit_hit

local function readonly(libname, src)
  return raw_setmetatable({}, {
    __index = src,
    __newindex = function(_, key)
      raw_error("attempt to modify read-only table '" .. libname .. "' (field '" .. raw_tostring(key) .. "')", 2)
    end,
    __metatable = false,
  })
end

-- A limit error caught inside the rule is raised again: the budget stays spent.
local function pass(ok, ...)
  if not ok and limit_hit() then raw_error("limit exceeded", 0) end
  return ok, ...
end

base.pcall = function(f, ...) return pass(raw_pcall(f, ...)) end
-- Once a limit is hit the rule's message handler is not run again: a handler that
-- loops would otherwise be re-entered for its own limit error, over and over.
base.xpcall = function(f, handler, ...)
  return pass(raw_xpcall(f, function(e)
    if limit_hit() then return e end
    return handler(e)
  end, ...))
end
base._VERSION = G._VERSION

for libname, copy in pairs(libs) do base[libname] = readonly(libname, copy) end

local string_meta = getmetatable("")
string_meta.__index = libs.string
string_meta.__metatable = false

return { __index = base, __metatable = false }
`;

/**
 * Pushes the table of one library as the rule sees it: each listed member, functions
 * replaced by our own where we have one and every function wrapped in `guard`.
 */
function pushLibrary(L: LuaState, lib: string, members: readonly string[], own: Record<string, LuaCFunction>, hooks: SandboxHooks): void {
  lua.lua_createtable(L, 0, members.length);
  for (const member of members) {
    const replacement = own[member];
    const scans = SCANS_INPUT.has(lib === '_G' ? member : `${lib}.${member}`);
    if (replacement) {
      lua.lua_pushcfunction(L, guard(member, replacement, hooks.budget, scans));
    } else {
      rawMember(L, lib, member);
      if (lua.lua_iscfunction(L, -1)) {
        const fn = lua.lua_tocfunction(L, -1) as LuaCFunction;
        lua.lua_pop(L, 1);
        lua.lua_pushcfunction(L, guard(member, fn, hooks.budget, scans));
      }
    }
    lua.lua_setfield(L, -2, lstr(member));
  }
}

/**
 * Opens the safe libraries in a fresh state and builds the sandbox. Returns a
 * registry reference to the environment metatable. The setup runs on its own thread
 * so the main thread's stack stays small (fengari-facts: the stack cliff).
 */
export function buildSandbox(L: LuaState, hooks: SandboxHooks): number {
  const libs: [string, LuaCFunction][] = [
    ['_G', lualib.luaopen_base],
    ['string', lualib.luaopen_string],
    ['math', lualib.luaopen_math],
    ['table', lualib.luaopen_table],
    ['utf8', lualib.luaopen_utf8],
    ['coroutine', lualib.luaopen_coroutine],
  ];
  for (const [name, open] of libs) {
    lauxlib.luaL_requiref(L, lstr(name), open, 1);
    lua.lua_pop(L, 1);
  }
  const setup = lua.lua_newthread(L);
  const status: number = lauxlib.luaL_loadbufferx(setup, lstr(SANDBOX_SETUP), null, lstr('=sandbox'), lstr('t'));
  if (status !== lua.LUA_OK) throw new Error(`sandbox setup does not compile: ${lua.lua_tojsstring(setup, -1)}`);
  const own = makeOwnFunctions(L, hooks);
  lua.lua_createtable(setup, 0, 1);
  lua.lua_pushcfunction(setup, own.limit_hit);
  lua.lua_setfield(setup, -2, lstr('limit_hit'));
  // pcall and xpcall are the setup's own Lua wrappers around the raw ones.
  pushLibrary(setup, '_G', SAFE_BASE_FUNCTIONS.filter((n) => n !== 'pcall' && n !== 'xpcall'), { print: own.print! }, hooks);
  const replacements: Record<string, Record<string, LuaCFunction>> = {
    string: { rep: own.rep!, format: own.format!, ...(hooks.patterns ?? {}) },
    coroutine: { resume: own.resume! },
  };
  lua.lua_createtable(setup, 0, Object.keys(SAFE_LIBRARIES).length);
  for (const [lib, members] of Object.entries(SAFE_LIBRARIES)) {
    pushLibrary(setup, lib, members, replacements[lib] ?? {}, hooks);
    lua.lua_setfield(setup, -2, lstr(lib));
  }
  if (lua.lua_pcall(setup, 3, 1, 0) !== lua.LUA_OK) throw new Error(`sandbox setup failed: ${lua.lua_tojsstring(setup, -1)}`);
  lua.lua_xmove(setup, L, 1);
  registerLibraryNames(L, Object.keys(SAFE_LIBRARIES));
  const envMetaRef: number = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  lua.lua_pop(L, 1); // the setup thread
  return envMetaRef;
}
