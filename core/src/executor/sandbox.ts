import type { LuaCFunction, LuaState } from './fengari-runtime';
import { lauxlib, lua, lualib, lstr } from './fengari-runtime';
import type { EvaluationBudget } from './evaluation-budget';
import { registerLibraryNames } from './function-names';
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

function rawLibFunction(L: LuaState, lib: string, name: string): LuaCFunction {
  lua.lua_getglobal(L, lstr(lib));
  lua.lua_getfield(L, -1, lstr(name));
  const fn = lua.lua_tocfunction(L, -1) as LuaCFunction | null;
  lua.lua_pop(L, 2);
  if (!fn) throw new Error(`fengari has no ${lib}.${name}`);
  return fn;
}

/**
 * JS wrappers around the library functions that can allocate or loop without bound
 * inside one call, where the instruction hook never fires. Each checks the budget
 * first and then runs fengari's own function on the same stack frame.
 */
function makeGuardedFunctions(L: LuaState, hooks: SandboxHooks): Record<string, LuaCFunction> {
  const rawRep = rawLibFunction(L, 'string', 'rep');
  const rawConcat = rawLibFunction(L, 'table', 'concat');
  const rawMove = rawLibFunction(L, 'table', 'move');
  const rawResume = rawLibFunction(L, 'coroutine', 'resume');

  const rep: LuaCFunction = (L1) => {
    const s: Uint8Array = lauxlib.luaL_checklstring(L1, 1);
    const n: number = lauxlib.luaL_checkinteger(L1, 2);
    const sep: Uint8Array = lauxlib.luaL_optlstring(L1, 3, lstr(''));
    const total = n <= 0 ? 0 : n * s.length + (n - 1) * sep.length;
    if (total === 0) {
      // fengari would still loop n times copying nothing: 2^31 iterations for ("").rep(2^31).
      lua.lua_pushstring(L1, lstr(''));
      return 1;
    }
    hooks.budget().allocate(total);
    return rawRep(L1);
  };

  // Ours (stdlib/format.ts): Lua 5.3's format, reporting its output to the budget before building it.
  const format: LuaCFunction = (L1) => stringFormat(L1, hooks.budget());

  const concat: LuaCFunction = (L1) => {
    lauxlib.luaL_checktype(L1, 1, lua.LUA_TTABLE);
    const sepLength = (lauxlib.luaL_optlstring(L1, 2, lstr('')) as Uint8Array).length;
    const first: number = lauxlib.luaL_optinteger(L1, 3, 1);
    const last: number = lua.lua_isnoneornil(L1, 4) ? (lauxlib.luaL_len(L1, 1) as number) : lauxlib.luaL_checkinteger(L1, 4);
    const budget = hooks.budget();
    let total = 0;
    for (let i = first; i <= last; i++) {
      // Missing or non-string items stop the estimate; fengari's concat then raises its own error.
      const type: number = lua.lua_geti(L1, 1, i);
      const length = type === lua.LUA_TSTRING ? (lua.lua_rawlen(L1, -1) as number) : type === lua.LUA_TNUMBER ? 24 : -1;
      lua.lua_pop(L1, 1);
      if (length < 0) break;
      total += length + sepLength;
      if ((i - first) % 1024 === 1023) budget.steps(1024);
    }
    budget.allocate(total);
    return rawConcat(L1);
  };

  const move: LuaCFunction = (L1) => {
    const first: number = lauxlib.luaL_checkinteger(L1, 2);
    const last: number = lauxlib.luaL_checkinteger(L1, 3);
    if (last >= first) hooks.budget().steps(last - first + 1);
    return rawMove(L1);
  };

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

  const print: LuaCFunction = (L1) => {
    const parts: string[] = [];
    const top: number = lua.lua_gettop(L1);
    for (let i = 1; i <= top; i++) {
      lauxlib.luaL_tolstring(L1, i); // runs __tostring, which is Lua code under the hook
      parts.push(lua.lua_tojsstring(L1, -1) as string);
      lua.lua_pop(L1, 1);
    }
    const sink = hooks.print();
    if (sink.lines.length < MAX_PRINT_LINES) {
      const line = parts.join('\t');
      sink.lines.push(line.length > MAX_PRINT_LINE ? line.slice(0, MAX_PRINT_LINE) + '…' : line);
    } else if (sink.lines.length === MAX_PRINT_LINES) {
      sink.lines.push(`… (more than ${MAX_PRINT_LINES} lines; the rest is dropped)`);
    }
    return 0;
  };

  const guarded: Record<string, LuaCFunction> = { rep, format, concat, move, resume, limit_hit: limitHit, print };
  if (hooks.patterns) Object.assign(guarded, hooks.patterns);
  return guarded;
}

/**
 * Builds, from the real libraries, the tables a rule sees, and returns (on the stack)
 * the metatable every evaluation's environment gets. Runs once per state.
 * Library tables are read-only proxies over private copies that hold only the
 * listed members; the string metatable is protected and points at the private
 * string copy, so `("").rep` is the guarded rep and no path leads back to the
 * real libraries, `_G` of the state, or the registry.
 */
const SANDBOX_SETUP = `
local H, base_names, lib_names = ...
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

local base = {}
for _, name in ipairs(base_names) do base[name] = G[name] end
base.pcall = function(f, ...) return pass(raw_pcall(f, ...)) end
-- Once a limit is hit the rule's message handler is not run again: a handler that
-- loops would otherwise be re-entered for its own limit error, over and over.
base.xpcall = function(f, handler, ...)
  return pass(raw_xpcall(f, function(e)
    if limit_hit() then return e end
    return handler(e)
  end, ...))
end
base.print = H.print
base._VERSION = G._VERSION

local libs = {}
for libname, members in pairs(lib_names) do
  local src, copy = G[libname], {}
  for _, member in ipairs(members) do copy[member] = src[member] end
  libs[libname] = copy
end
libs.string.rep, libs.string.format = H.rep, H.format
if H.find then
  libs.string.find, libs.string.match, libs.string.gmatch, libs.string.gsub = H.find, H.match, H.gmatch, H.gsub
end
libs.table.concat, libs.table.move = H.concat, H.move
libs.coroutine.resume = H.resume
for libname, copy in pairs(libs) do base[libname] = readonly(libname, copy) end

local string_meta = getmetatable("")
string_meta.__index = libs.string
string_meta.__metatable = false

return { __index = base, __metatable = false }
`;

function pushStringList(L: LuaState, names: readonly string[]): void {
  lua.lua_createtable(L, names.length, 0);
  names.forEach((name, i) => {
    lua.lua_pushstring(L, lstr(name));
    lua.lua_rawseti(L, -2, i + 1);
  });
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
  const guarded = makeGuardedFunctions(L, hooks);
  lua.lua_createtable(setup, 0, Object.keys(guarded).length);
  for (const [name, fn] of Object.entries(guarded)) {
    lua.lua_pushcfunction(setup, fn);
    lua.lua_setfield(setup, -2, lstr(name));
  }
  pushStringList(setup, SAFE_BASE_FUNCTIONS.filter((n) => n !== 'print'));
  lua.lua_createtable(setup, 0, Object.keys(SAFE_LIBRARIES).length);
  for (const [lib, members] of Object.entries(SAFE_LIBRARIES)) {
    pushStringList(setup, members);
    lua.lua_setfield(setup, -2, lstr(lib));
  }
  if (lua.lua_pcall(setup, 3, 1, 0) !== lua.LUA_OK) throw new Error(`sandbox setup failed: ${lua.lua_tojsstring(setup, -1)}`);
  lua.lua_xmove(setup, L, 1);
  registerLibraryNames(L, Object.keys(SAFE_LIBRARIES));
  const envMetaRef: number = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  lua.lua_pop(L, 1); // the setup thread
  return envMetaRef;
}
