/**
 * Issue 14: how long until a disabled rule is no longer served, and an enabled one is
 * served again: `node --import tsx bench/disable-latency.ts` (`BENCH_ONLY=sqlite|pg`).
 * Three StoreEngines, each on its own connection to the store (in this process: they
 * share its event loop, so this is the store's part of the latency, not a
 * multi-process rollout; bench/store-reload.ts measures that for publishes). For each
 * of CYCLES disable/enable pairs: the time from the start of the write until all three
 * engines have dropped (or reloaded) the rule. Prints p50/p99 with the load average.
 * Never fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StoreEngine, openStore, type Store } from '../store/src';
import { startPostgres } from '../test/store/pg-harness';

const CYCLES = Number(process.env.BENCH_CYCLES ?? 30);
const ENGINES = 3;
const RULE = 'switched';
const source = `---@rule ${RULE}\n---@category bench\nreturn { decision = "autonomous", confidence = 0.95, reasoning = "on" }\n`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function measure(name: string, open: () => Store): Promise<void> {
  const writer = open();
  await writer.publish({ kind: 'lua', name: RULE, category: 'bench', source, origin: 'bench' }, { author: 'bench' });
  const engines: StoreEngine[] = [];
  for (let i = 0; i < ENGINES; i++) engines.push((await StoreEngine.start(open(), { decisionLog: false, heartbeatIntervalMs: 60_000, watch: { pollIntervalMs: 50 } })).engine);
  const off: number[] = [];
  const on: number[] = [];
  try {
    for (let i = 0; i < CYCLES; i++) {
      let t = performance.now();
      await writer.disable(RULE, { author: 'bench', message: `cycle ${i}` });
      await until(() => engines.every((e) => !e.engine.has(RULE)));
      off.push(performance.now() - t);
      t = performance.now();
      await writer.enable(RULE, { author: 'bench' });
      await until(() => engines.every((e) => e.engine.has(RULE)));
      on.push(performance.now() - t);
    }
    const f = (v: number): string => `${v.toFixed(1)} ms`;
    console.log(`${name}: disable → no engine serves it: p50 ${f(percentile(off, 50))}, p99 ${f(percentile(off, 99))}; enable → all serve it: p50 ${f(percentile(on, 50))}, p99 ${f(percentile(on, 99))} (${CYCLES} cycles, ${ENGINES} engines)`);
  } finally {
    for (const e of engines) {
      await e.stop();
      await e.store.close();
    }
    await writer.close();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (only !== 'pg') {
    const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-disable-'));
    try {
      const url = `sqlite:${join(dir, 'rules.db')}`;
      await measure('SQLite (poll 50 ms)', () => openStore(url));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (only !== 'sqlite') {
    try {
      const server = await startPostgres();
      try {
        const url = await server.createDatabase();
        await measure('PostgreSQL (LISTEN/NOTIFY)', () => openStore(url));
      } finally {
        await server.close();
      }
    } catch (e) {
      console.log(`PostgreSQL: not measured (${(e as Error).message})`);
    }
  }
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

void main();
