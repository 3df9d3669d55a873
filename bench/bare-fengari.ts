/**
 * The floor for a warm evaluation on this machine: bare Fengari as the notes measured
 * it (one state, the epic rule compiled once as a function, the context pushed with
 * lua_createtable/lua_setfield and pre-encoded keys, three fields read back), with no
 * sandbox, no limits and no validation. `npm run bench` compares the executor to it.
 *   node --import tsx bench/bare-fengari.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fengari from 'fengari';
import { generateContexts } from './contexts';

interface Fengari {
  lua: Record<string, (...args: unknown[]) => unknown> & { LUA_OK: number; LUA_REGISTRYINDEX: number };
  lauxlib: Record<string, (...args: unknown[]) => unknown>;
  lualib: Record<string, (...args: unknown[]) => unknown>;
  to_luastring: (s: string) => Uint8Array;
}
const { lua, lauxlib, lualib, to_luastring } = fengari as unknown as Fengari;

/** Median µs per evaluation, wall clock and CPU time (user + system) of the process. */
export interface BareTiming {
  wallUs: number;
  cpuUs: number;
}

export function bareFengariUs(contexts: readonly { metrics: Record<string, number> }[]): BareTiming {
  const L = lauxlib['luaL_newstate']?.();
  lualib['luaL_openlibs']?.(L);
  const source = readFileSync(join(__dirname, '..', 'rules', 'epic_wsjf_validation.lua'), 'utf8');
  const chunk = to_luastring(`return function(context)\n${source}\nend`);
  if (lauxlib['luaL_loadbuffer']?.(L, chunk, chunk.length, to_luastring('=epic')) !== lua.LUA_OK) throw new Error('compile failed');
  lua['lua_call']?.(L, 0, 1);
  const ref = lauxlib['luaL_ref']?.(L, lua.LUA_REGISTRYINDEX);
  const keys = { metrics: to_luastring('metrics'), decision: to_luastring('decision'), confidence: to_luastring('confidence'), reasoning: to_luastring('reasoning') };
  const metricKeys = new Map<string, Uint8Array>();
  const run = (ctx: { metrics: Record<string, number> }): void => {
    lua['lua_rawgeti']?.(L, lua.LUA_REGISTRYINDEX, ref);
    lua['lua_createtable']?.(L, 0, 1);
    lua['lua_createtable']?.(L, 0, 3);
    for (const [k, v] of Object.entries(ctx.metrics)) {
      let key = metricKeys.get(k);
      if (!key) metricKeys.set(k, (key = to_luastring(k)));
      if (Number.isInteger(v)) lua['lua_pushinteger']?.(L, v);
      else lua['lua_pushnumber']?.(L, v);
      lua['lua_setfield']?.(L, -2, key);
    }
    lua['lua_setfield']?.(L, -2, keys.metrics);
    if (lua['lua_pcall']?.(L, 1, 1, 0) !== lua.LUA_OK) throw new Error(String(lua['lua_tojsstring']?.(L, -1)));
    lua['lua_getfield']?.(L, -1, keys.decision);
    lua['lua_getfield']?.(L, -2, keys.confidence);
    lua['lua_getfield']?.(L, -3, keys.reasoning);
    lua['lua_tojsstring']?.(L, -3);
    lua['lua_tonumber']?.(L, -2);
    lua['lua_tojsstring']?.(L, -1);
    lua['lua_settop']?.(L, 0);
  };
  for (let i = 0; i < 20_000; i++) run(contexts[i % contexts.length] as { metrics: Record<string, number> });
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  for (let s = 0; s < 30; s++) {
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    for (let i = 0; i < 2000; i++) run(contexts[(s * 2000 + i) % contexts.length] as { metrics: Record<string, number> });
    const used = process.cpuUsage(cpu);
    samples.push(Number(process.hrtime.bigint() - started) / 2000 / 1000);
    cpuSamples.push((used.user + used.system) / 2000);
  }
  samples.sort((a, b) => a - b);
  cpuSamples.sort((a, b) => a - b);
  return { wallUs: samples[15] as number, cpuUs: cpuSamples[15] as number };
}

if (require.main === module) {
  const bare = bareFengariUs(generateContexts(10_000) as unknown as { metrics: Record<string, number> }[]);
  console.log(`bare Fengari, epic rule, warm: ${bare.wallUs.toFixed(2)} µs median (CPU ${bare.cpuUs.toFixed(2)} µs)`);
}
