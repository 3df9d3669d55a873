import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EvaluationBudget } from '../../core/src/executor/evaluation-budget';
import type { LuaCFunction } from '../../core/src/executor/fengari-runtime';
import { lauxlib, lua, lualib, to_luastring } from '../../core/src/executor/fengari-runtime';
import { DEFAULT_LIMITS, LimitExceeded } from '../../core/src/executor/limits';
import { guard } from '../../core/src/executor/sandbox';

/**
 * The guard every sandbox library function runs in (issue 10): a JS exception that
 * escapes a library function is a catchable Lua error naming the function, a failed
 * allocation is the memory limit, and Lua errors and limit errors pass through as
 * they are. Tested with functions that throw on purpose, since the fengari functions
 * known to throw have been fixed one by one.
 */
function run(fn: LuaCFunction, budget: EvaluationBudget, code: string): { status: number; message: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  lua.lua_pushcfunction(L, guard('probe', fn, () => budget, false));
  lua.lua_setglobal(L, to_luastring('probe'));
  const status: number = lauxlib.luaL_loadstring(L, to_luastring(code)) || lua.lua_pcall(L, 0, 1, 0);
  return { status, message: lua.lua_type(L, -1) === lua.LUA_TSTRING ? (lua.lua_tojsstring(L, -1) as string) : String(lua.lua_toboolean(L, -1)) };
}

describe('library guard: every error a rule can cause is a Lua error', () => {
  const budget = new EvaluationBudget({ ...DEFAULT_LIMITS });

  it('a TypeError or RangeError inside a library function is catchable and names the function', () => {
    for (const error of [new TypeError('expects an array of bytes'), new RangeError('Invalid code point -1'), new Error('assertion failed')]) {
      budget.reset();
      const { status, message } = run(() => { throw error; }, budget, 'local ok, e = pcall(probe, 1) return tostring(ok) .. " " .. e');
      assert.equal(status, lua.LUA_OK);
      assert.equal(message, `false bad argument to 'probe' (${error.message})`);
      assert.equal(budget.exceeded, null);
    }
  });

  it('uncaught, it carries the position of the call', () => {
    budget.reset();
    const { status, message } = run(() => { throw new TypeError('boom'); }, budget, '\nreturn probe()');
    assert.equal(status, lua.LUA_ERRRUN);
    assert.equal(message, `[string "..."]:2: bad argument to 'probe' (boom)`);
  });

  it('a failed allocation is the memory limit, recorded so pcall cannot swallow it', () => {
    budget.reset();
    run(() => { throw new RangeError('Invalid typed array length: 9999999999'); }, budget, 'pcall(probe) return true');
    assert.ok(budget.exceeded instanceof LimitExceeded);
    assert.equal(budget.exceeded?.code, 'memory-limit');
    assert.match(budget.exceeded?.message ?? '', /'probe' could not allocate/);
  });

  it('a JS stack overflow is a Lua error, not a crash', () => {
    budget.reset();
    const { message } = run(() => { throw new RangeError('Maximum call stack size exceeded'); }, budget, 'local ok, e = pcall(probe) return e');
    assert.match(message, /stack overflow in 'probe'/);
  });

  it('Lua errors and limit errors pass through unchanged', () => {
    budget.reset();
    const raising: LuaCFunction = (L) => lauxlib.luaL_error(L, to_luastring('plain %s'), to_luastring('lua error')) as number;
    assert.match(run(raising, budget, 'local ok, e = pcall(probe) return e').message, /plain lua error$/);
    budget.reset();
    const limit = new LimitExceeded('time-limit', 'time limit exceeded: test');
    const L = lauxlib.luaL_newstate();
    const guarded = guard('probe', () => { throw limit; }, () => budget, false);
    assert.throws(() => guarded(L), (thrown) => thrown === limit);
  });
});
