import type { LuaState } from './fengari-runtime';
import { lua, lstr } from './fengari-runtime';

/**
 * Makes error messages name library functions as Lua does. When a function is called
 * without a name at the call site (`pcall(string.rep)`, a callback), lauxlib finds
 * its name by searching the registry's `_LOADED` table ("bad argument #1 to
 * 'string.rep'"). The sandbox hands rules private copies of the libraries, with
 * some members replaced by guarded versions, so `_LOADED` must list those copies
 * or the name comes out as '?'. Rules cannot reach the registry, so this changes
 * nothing they can see but the messages.
 *
 * Expects the environment metatable (`{ __index = base }`) on top of L's stack; leaves it there.
 */
export function registerLibraryNames(L: LuaState, libraries: readonly string[]): void {
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lstr('_LOADED'));
  lua.lua_getfield(L, -2, lstr('__index')); // base: what a rule's globals read through to
  for (const name of libraries) {
    lua.lua_getfield(L, -1, lstr(name)); // the read-only proxy
    // the raw API ignores __metatable = false: the proxy's __index is the private copy
    if (lua.lua_getmetatable(L, -1)) {
      lua.lua_getfield(L, -1, lstr('__index'));
      if (lua.lua_type(L, -1) === lua.LUA_TTABLE) lua.lua_setfield(L, -5, lstr(name));
      else lua.lua_pop(L, 1);
      lua.lua_pop(L, 1); // the metatable
    }
    lua.lua_pop(L, 1); // the proxy
  }
  lua.lua_pushvalue(L, -1);
  lua.lua_setfield(L, -3, lstr('_G')); // base functions are found as _G.name and shown without the prefix
  lua.lua_pop(L, 2);
}
