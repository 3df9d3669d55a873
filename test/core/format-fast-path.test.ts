import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lauxlib, lua, lualib, to_luastring } from '../../core/src/executor/fengari-runtime';
import { LuaExecutor } from '../../core/src/executor/lua-executor';

/**
 * The sandbox's string.format takes a fast path for text/%s/%d/%% formats
 * (core/src/executor/format-fast-path.ts). It must give exactly what fengari's own
 * string.format gives, or the same failure: checked here on a table of edge cases
 * and on random formats and arguments, against a plain fengari state.
 */

/** fengari's unsandboxed string.format: the text it returns, or null when it raises. */
function fengariFormat(argsSource: string): string | null {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  const source = to_luastring(`return string.format(${argsSource})`);
  if (lauxlib.luaL_loadstring(L, source) !== lua.LUA_OK) throw new Error(`test bug: ${argsSource} does not compile`);
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) return null;
  return lua.lua_tojsstring(L, -1) as string;
}

const executor = new LuaExecutor();
function sandboxFormat(argsSource: string): string | null {
  const source = `return { decision = "escalated", confidence = 0, reasoning = string.format(${argsSource}) }`;
  const compiled = executor.compile(source, 'format_case');
  if (!compiled.ok) throw new Error(`test bug: ${argsSource}: ${compiled.error.message}`);
  const { result } = executor.run(compiled.rule, {});
  executor.release(compiled.rule);
  if (result.error) {
    assert.equal(result.error.code, 'runtime-error', `${argsSource}: ${result.error.message}`);
    return null;
  }
  return result.reasoning;
}

const lit = (text: string) => JSON.stringify(text); // ASCII only: JSON quoting is valid Lua

function assertSame(argsSource: string): void {
  assert.equal(sandboxFormat(argsSource), fengariFormat(argsSource), `string.format(${argsSource})`);
}

describe('executor: string.format fast path', () => {
  const cases = [
    `${lit('High WSJF (%s) and business value (%s)')}, 60, 80`,
    `${lit('%s|%s|%s|%s|%s')}, 55.5, -0.0, 100.0, 1e15, 1e16`,
    `${lit('%s %s %s %s')}, 1e21, 1e-5, 0.1, 1/3`,
    `${lit('%s %s %s')}, 2^53, 2^31, -2147483648`,
    `${lit('%s %s')}, 1/0, -1/0`,
    `${lit('%s')}, 0/0`,
    `${lit('%d %d %d')}, 42, -7, 2147483647`,
    `${lit('%d')}, 42.0`,
    `${lit('%d')}, 42.5`,
    `${lit('%d')}, "42"`,
    `${lit('%s')}, "it's %s"`,
    `${lit('100%% sure: %s%%')}, 7`,
    `${lit('%%%s%%')}, "x"`,
    `${lit('%s')}`,
    `${lit('%s %s')}, "a"`,
    `${lit('%s')}, true`,
    `${lit('%s')}, nil`,
    `${lit('%s')}, setmetatable({}, { __tostring = function() return "T" end })`,
    `${lit('%5s|%-5s|%.2f')}, "a", "b", 1.234`,
    `${lit('trailing %')}, 1`,
    `${lit('%q')}, "x"`,
    `${lit('')}`,
    `${lit('no specifiers')}`,
    `${lit('%s')}, ${lit('a'.repeat(300))}`,
    `12`,
  ];
  for (const argsSource of cases) {
    it(`string.format(${argsSource.length > 60 ? argsSource.slice(0, 57) + '...' : argsSource}) is fengari's`, () => assertSame(argsSource));
  }

  it('random formats and arguments give what fengari gives', () => {
    const token = fc.constantFrom('abc', ' ', '(', ')', ':', '%s', '%s', '%d', '%%', '%5s', '%.1f', '%x', '%i', '%');
    const argument = fc.oneof(
      fc.integer({ min: -2147483648, max: 2147483647 }).map(String),
      // A float literal: Lua reads "1e21" and "2.5" as floats, "3" as an integer, so "3" becomes "3.0".
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e25, max: 1e25 }).map((d) => {
        const text = String(d).replace('e+', 'e');
        return /[.e]/.test(text) ? text : text + '.0';
      }),
      // (tables print their address, which differs between two states: one with __tostring instead)
      fc.constantFrom('0.5', '-0.0', '1e100', '2^63', '1/0', '"x"', '""', '"50%"', 'true', 'nil', 'setmetatable({}, { __tostring = function() return "T" end })'),
      fc.string({ maxLength: 12 }).filter((s) => /^[ -~]*$/.test(s)).map(lit),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 8 }), fc.array(argument, { maxLength: 6 }), (tokens, args) => {
        assertSame([lit(tokens.join('')), ...args].join(', '));
      }),
      { numRuns: 400 },
    );
  });

  it('the executor answers the next evaluation correctly after a format error', () => {
    assert.equal(sandboxFormat(`${lit('%d')}, 1.5`), null);
    assert.equal(sandboxFormat(`${lit('ok %s')}, 1`), 'ok 1');
  });
});
