/**
 * Minimal typing of the parts of fengari (0.1.5, pinned) that Lua Rules uses.
 * Fengari ships no types; its API mirrors Lua's C API with `L` as a JS object and
 * Lua strings as Uint8Array. Internals (`fengari/src/*`) are typed loosely on purpose.
 */
declare module 'fengari' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export type LuaState = any;
  export type LuaCFunction = (L: LuaState) => number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const lua: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const lauxlib: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const lualib: any;
  export function to_luastring(s: string, cache?: boolean): Uint8Array;
  export function to_jsstring(s: Uint8Array, from?: number, to?: number, replacement_char?: boolean): string;
  export function luastring_of(...bytes: number[]): Uint8Array;
}

declare module 'fengari/src/luaconf.js' {
  export function set_number2str(format: (n: number) => string): void;
}

declare module 'fengari/src/lobject.js' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const lobject: any;
  export = lobject;
}

declare module 'fengari/src/llimits.js' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const llimits: any;
  export = llimits;
}

declare module 'fengari/src/lstring.js' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const lstring: any;
  export = lstring;
}

declare module 'fengari/src/ltable.js' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ltable: any;
  export = ltable;
}
