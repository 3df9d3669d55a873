/**
 * The store benchmark (issue 4): `node --import tsx bench/store-reload.ts`.
 *  - reload latency: from the start of a publish until all of 3 engine processes serve
 *    the new version (p50/p99), on PostgreSQL (LISTEN/NOTIFY) and SQLite (polling);
 *  - engine start on a store of 10,000 rules (load + compile);
 *  - publishes per second on SQLite.
 * Targets: PG p99 <= 50 ms, SQLite p99 <= 250 ms, start <= 2 s, >= 200 publishes/s.
 * Never fails: a figure that cannot be measured is printed with the reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { StoreEngine, openStore, type Store } from '../store/src';
import { startPostgres, type PgServer } from '../test/store/pg-harness';

const ENGINES = 3;
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 100);
const START_RULES = 10_000;

const now = (): number => performance.timeOrigin + performance.now();
const log = (m: string): void => void process.stderr.write(m + '\n');

function ruleSource(name: string, tag: string): string {
  return `---@rule ${name}\n---@category bench\nlocal s = context.score or 0\nif s > 50 then return { decision = "autonomous", confidence = 0.95, reasoning = "${tag} high" } end\nreturn { decision = "escalated", confidence = 0.4, reasoning = "${tag} low" }\n`;
}
const lua = (name: string, tag: string) => ({ kind: 'lua' as const, name, category: 'bench', source: ruleSource(name, tag), origin: 'bench' });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

interface Engine {
  proc: ChildProcess;
  seen: Map<number, number>;
  ready: Promise<void>;
}

function startEngine(url: string, rule: string, pollMs: number): Engine {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'store-reload-engine.ts'), url, rule, String(pollMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const seen = new Map<number, number>();
  let buffer = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    proc.on('exit', (code) => reject(new Error(`engine exited (${code}) before it was ready`)));
  });
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line === 'ready') markReady();
      else if (line.startsWith('{')) {
        const { v, t } = JSON.parse(line) as { v: number; t: number };
        seen.set(v, t);
      }
    }
  });
  return { proc, seen, ready };
}

async function reloadLatency(label: string, url: string, pollMs: number): Promise<string> {
  const store = openStore(url);
  await store.publish(lua('hot', 'v1'), { author: 'bench' });
  const engines = Array.from({ length: ENGINES }, () => startEngine(url, 'hot', pollMs));
  try {
    await Promise.all(engines.map((e) => e.ready));
    const published = new Map<number, number>();
    const commits = new Map<number, number>();
    for (let i = 2; i <= VERSIONS + 1; i++) {
      const t = now();
      const out = await store.publish(lua('hot', `v${i}`), { author: 'bench' });
      published.set(out.version.number, t);
      commits.set(out.version.number, now());
      // Spaced out (more than the SQLite poll interval, at random phase) so each
      // publish is a separate reload, as in real life.
      await new Promise((r) => setTimeout(r, 60 + Math.random() * 40));
    }
    const last = Math.max(...published.keys());
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !engines.every((e) => e.seen.has(last))) await new Promise((r) => setTimeout(r, 20));
    // When an engine serves version v or newer it serves v's change: an engine that
    // catches two publishes in one poll goes straight to the newer one.
    const servedAt = (e: Engine, v: number): number | undefined => {
      let best: number | undefined;
      for (const [version, t] of e.seen) if (version >= v && (best === undefined || t < best)) best = t;
      return best;
    };
    const latencies: number[] = [];
    const publishMs: number[] = [];
    let skipped = 0;
    for (const [v, t] of published) {
      const times = engines.map((e) => servedAt(e, v));
      if (times.some((x) => x === undefined)) throw new Error(`an engine never served version ${v}`);
      if (engines.some((e) => !e.seen.has(v))) skipped++;
      latencies.push(Math.max(...(times as number[])) - t);
      publishMs.push((commits.get(v) ?? t) - t);
    }
    const f = (x: number): string => x.toFixed(1);
    return (
      `${label}: publish → all ${ENGINES} engines serving it: p50 ${f(percentile(latencies, 50))} ms, p99 ${f(percentile(latencies, 99))} ms, max ${f(Math.max(...latencies))} ms over ${latencies.length} publishes` +
      ` (the publish call itself: p50 ${f(percentile(publishMs, 50))} ms, p99 ${f(percentile(publishMs, 99))} ms; ${skipped} coalesced with the next by some engine)`
    );
  } finally {
    for (const e of engines) e.proc.stdin?.end();
    await Promise.all(engines.map((e) => new Promise((r) => (e.proc.exitCode !== null ? r(null) : e.proc.on('exit', r)))));
    await store.close();
  }
}

async function engineStart(label: string, store: Store): Promise<string> {
  await store.migrate();
  const tl = now();
  const loaded = (await store.liveRules()).length;
  const loadMs = now() - tl;
  const t = now();
  const { engine, report } = await StoreEngine.start(store, { decisionLog: false, heartbeatIntervalMs: 60_000 });
  const ms = now() - t;
  const sample = engine.engine.evaluateRule('r9999', { score: 60 });
  await engine.stop();
  return `${label}: engine start on ${report.applied.length} rules (load + compile): ${ms.toFixed(0)} ms, of which loading ${loaded} rules from the store alone takes ${loadMs.toFixed(0)} ms (r9999 → ${sample.decision})`;
}

/** PostgreSQL is seeded in bulk with SQL; the publish path is measured on SQLite. */
async function seedPostgres(url: string): Promise<void> {
  const store = openStore(url);
  await store.migrate();
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const src = ruleSource('NAME', 'seed').replace(/'/g, "''");
  await client.query(`INSERT INTO rules (name, category, kind, lua_script, consensus, status, created_by, created_at, updated_at, evolution_count, head_version, live_version)
    SELECT 'r' || g, 'bench', 'lua', replace('${src}', 'NAME', 'r' || g), 0, 'active', 'bench', now(), now(), 1, 1, 1 FROM generate_series(0, ${START_RULES - 1}) g`);
  await client.query(`INSERT INTO rule_versions (rule_id, number, kind, content, checksum, metadata, author, created_at, state, required_approvals)
    SELECT id, 1, 'lua', lua_script, encode(sha256(convert_to(lua_script, 'UTF8')), 'hex'), json_build_object('name', name, 'category', 'bench')::text, 'bench', now(), 'live', 0 FROM rules`);
  await client.query(`INSERT INTO changes (rule_name, version, event, at) SELECT name, 1, 'live', now() FROM rules`);
  await client.end();
}

async function main(): Promise<void> {
  const lines: string[] = [`store benchmark — load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`];
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-'));
  let server: PgServer | undefined;
  const attempt = async (what: string, body: () => Promise<string>): Promise<void> => {
    log(`measuring ${what}…`);
    try {
      lines.push(await body());
    } catch (e) {
      lines.push(`${what}: n/a (${(e as Error).message})`);
    }
    log(lines[lines.length - 1] ?? '');
  };
  const only = process.env.BENCH_ONLY; // e.g. BENCH_ONLY=pg to skip the SQLite part
  try {
    if (only !== 'pg') await attempt('SQLite publishes/s', async () => {
      const store = openStore(`sqlite:${join(dir, 'start.db')}`);
      await store.migrate();
      const t = now();
      for (let i = 0; i < START_RULES; i++) await store.publish(lua(`r${i}`, 'seed'), { author: 'bench' });
      const seconds = (now() - t) / 1000;
      const t2 = now();
      const updates = 2000;
      for (let i = 0; i < updates; i++) await store.publish(lua('r0', `u${i}`), { author: 'bench' });
      const seconds2 = (now() - t2) / 1000;
      await store.close();
      return `SQLite: ${(START_RULES / seconds).toFixed(0)} publishes/s creating ${START_RULES} rules; ${(updates / seconds2).toFixed(0)} publishes/s of new versions of one rule`;
    });
    if (only !== 'pg') await attempt('SQLite engine start', async () => {
      const store = openStore(`sqlite:${join(dir, 'start.db')}`);
      try {
        return await engineStart('SQLite', store);
      } finally {
        await store.close();
      }
    });
    if (only !== 'pg') await attempt('SQLite reload latency', () => reloadLatency('SQLite (poll 50 ms)', `sqlite:${join(dir, 'reload.db')}`, 50));
    server = await startPostgres();
    const reloadUrl = await server.createDatabase();
    await attempt('PostgreSQL reload latency', () => reloadLatency('PostgreSQL (LISTEN/NOTIFY)', reloadUrl, 50));
    const startUrl = await server.createDatabase();
    await attempt('PostgreSQL engine start', async () => {
      await seedPostgres(startUrl);
      const store = openStore(startUrl);
      try {
        return await engineStart('PostgreSQL', store);
      } finally {
        await store.close();
      }
    });
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(lines.join('\n') + '\n');
}

void main();
