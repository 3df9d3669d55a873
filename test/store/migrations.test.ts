/**
 * Upgrades: a store made by an older release (schema version 1, with history) is
 * brought up to date by later migrations without losing or renumbering its change
 * feed, on both backends. Stores made fresh are covered by store-behaviour.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore } from '../../store/src';
import type { Migration } from '../../store/src/migrations';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from './pg-harness';
import { luaRule } from './store-helpers';

const V1 = MIGRATIONS.filter((m) => m.version === 1);
const OLD_CHANGES: [string, number, string, string][] = [
  ['one', 1, 'live', '2026-01-01T00:00:00.000Z'],
  ['one', 2, 'proposed', '2026-01-02T00:00:00.000Z'],
  ['one', 2, 'approved', '2026-01-03T00:00:00.000Z'],
];

async function checkUpgraded(url: string): Promise<void> {
  const store = openStore(url);
  try {
    const report = await store.migrate();
    assert.deepEqual(report, { applied: MIGRATIONS.filter((m) => m.version > 1).map((m) => m.version), current: LATEST_SCHEMA_VERSION });
    const feed = await store.changesSince(0);
    assert.deepEqual(
      feed.map((c) => [c.revision, c.rule, c.version, c.event]),
      OLD_CHANGES.map(([rule, version, event], i) => [i + 1, rule, version, event]),
    );
    await store.publish(luaRule('two'), { author: 'ann' });
    const next = await store.changesSince(OLD_CHANGES.length);
    assert.deepEqual(next.map((c) => [c.revision, c.rule, c.event]), [[OLD_CHANGES.length + 1, 'two', 'live']]);
  } finally {
    await store.close();
  }
}

/** A SQLite file as an older release left it: these migrations applied, then `seed` (rows of that schema). */
function sqliteStoreAt(file: string, migrations: readonly Migration[], seed: (db: Database.Database) => void): string {
  const db = new Database(file);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  for (const m of migrations) {
    for (const sql of m.sqlite) db.exec(sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-01-01T00:00:00.000Z');
  }
  seed(db);
  db.close();
  return `sqlite:${file}`;
}

/** The same on a PostgreSQL database; `seed` runs its statements with `?` placeholders. */
async function postgresStoreAt(url: string, migrations: readonly Migration[], seed: (run: (sql: string, params: unknown[]) => Promise<unknown>) => Promise<void>): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const m of migrations) {
      for (const sql of m.postgres) await client.query(sql);
      await client.query('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [m.version, m.name, '2026-01-01T00:00:00.000Z']);
    }
    await seed((sql, params) => {
      let n = 0;
      return client.query(sql.replace(/\?/g, () => `$${++n}`), params);
    });
  } finally {
    await client.end();
  }
  return url;
}

/** Migration 7 moves captured contexts out of `executions`: a store at version 6 keeps every decision and every context it had. */
const BEFORE_CONTEXTS = MIGRATIONS.filter((m) => m.version <= 6);
const V6_EXECUTIONS: [string, string, string | null][] = [
  ['a', 'req-1', '{"n":1}'],
  ['a', 'req-2', null],
  ['b', 'req-3', '{"n":3}'],
];
const V6_INSERT = `INSERT INTO executions (rule_name, version, decision, confidence, duration_ms, error_code, correlation_id, engine_id, at, category, context)
  VALUES (?, 1, 'autonomous', 0.9, 1, NULL, ?, 'e1', '2026-06-01T00:00:00.000Z', 'epic', ?)`;

async function checkContextsMoved(url: string): Promise<void> {
  const store = openStore(url);
  try {
    assert.deepEqual((await store.migrate()).applied, MIGRATIONS.filter((m) => m.version > 6).map((m) => m.version));
    const decisions = await store.decisions({ withContext: true });
    assert.deepEqual(decisions.map((d) => [d.rule, d.correlationId, d.context ?? null]).sort(), V6_EXECUTIONS.map(([rule, id, context]) => [rule, id, context === null ? null : JSON.parse(context)]));
    assert.deepEqual((await store.decisions({ captured: true })).map((d) => d.correlationId).sort(), ['req-1', 'req-3']);
  } finally {
    await store.close();
  }
}

describe('migration 7 keeps the captured contexts of a version 6 store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-migrate7-'));
  let server: PgServer | undefined;
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  test('SQLite', async () => {
    const url = sqliteStoreAt(join(dir, 'rules.db'), BEFORE_CONTEXTS, (db) => {
      for (const row of V6_EXECUTIONS) db.prepare(V6_INSERT).run(...row);
    });
    await checkContextsMoved(url);
  });

  test('PostgreSQL', { skip: POSTGRES_SKIPPED }, async () => {
    server = await startPostgres();
    const url = await postgresStoreAt(await server.createDatabase(), BEFORE_CONTEXTS, async (run) => {
      for (const row of V6_EXECUTIONS) await run(V6_INSERT, row);
    });
    await checkContextsMoved(url);
  });
});

describe('migrations upgrade an old store and keep its change feed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-migrate-'));
  let server: PgServer | undefined;
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  test('SQLite', async () => {
    mkdirSync(join(dir, 'a'));
    const url = sqliteStoreAt(join(dir, 'a', 'rules.db'), V1, (db) => {
      const insert = db.prepare('INSERT INTO changes (rule_name, version, event, at) VALUES (?, ?, ?, ?)');
      for (const row of OLD_CHANGES) insert.run(...row);
    });
    await checkUpgraded(url);
  });

  test('PostgreSQL', { skip: POSTGRES_SKIPPED }, async () => {
    server = await startPostgres();
    const url = await postgresStoreAt(await server.createDatabase(), V1, async (run) => {
      for (const row of OLD_CHANGES) await run('INSERT INTO changes (rule_name, version, event, at) VALUES (?, ?, ?, ?)', row);
    });
    await checkUpgraded(url);
  });
});

/**
 * Migration 8 stores the decision log in segments (decision-segments.ts): a version 7
 * store's decisions come back with every field and context, newest first, in segments
 * of 1,000 (2,500 rows: three segments), and the bounds still count them in the order
 * they were written.
 */
const BEFORE_SEGMENTS = MIGRATIONS.filter((m) => m.version <= 7);
const V7_ROWS = 2500;
const v7Row = (i: number): [string, number, number, number, string | null, string, string, string | null] => [
  i % 3 === 0 ? 'b' : 'a',
  1 + (i % 2),
  i / 10_000,
  i / 100,
  i % 7 === 0 ? 'runtime-error' : null,
  `req-${i}`,
  new Date(Date.UTC(2026, 5, 1) + i * 1000).toISOString(),
  i % 5 === 0 ? null : 'epic',
];
const V7_INSERT = `INSERT INTO executions (rule_name, version, decision, confidence, duration_ms, error_code, correlation_id, engine_id, at, category) VALUES (?, ?, 'autonomous', ?, ?, ?, ?, 'e1', ?, ?)`;
// Every odd row kept a context; the large integer must come back as written.
const V7_CONTEXTS = `INSERT INTO decision_contexts (execution_id, rule_name, context) SELECT id, rule_name, '{"n":' || id || ',"big":12345678901234567890}' FROM executions WHERE id % 2 = 1`;

async function checkSegments(url: string): Promise<void> {
  const store = openStore(url);
  try {
    assert.deepEqual((await store.migrate()).applied, [8]);
    const all = await store.decisions({ withContext: true });
    assert.equal(all.length, V7_ROWS);
    all.forEach((d, k) => {
      const i = V7_ROWS - k;
      const [rule, version, confidence, durationMs, errorCode, correlationId, at, category] = v7Row(i);
      assert.deepEqual(
        d,
        { rule, version, decision: 'autonomous', confidence, durationMs, errorCode, correlationId, engineId: 'e1', at, category, ...(i % 2 === 1 ? { context: JSON.parse(`{"n":${i},"big":12345678901234567890}`) as unknown } : {}) },
        `decision ${i}`,
      );
    });
    assert.deepEqual((await store.decisions({ rule: 'b', limit: 2 })).map((d) => d.correlationId), ['req-2499', 'req-2496']);
    assert.deepEqual((await store.decisions({ category: 'epic', since: new Date(Date.UTC(2026, 5, 1) + 2496 * 1000).toISOString() })).map((d) => d.correlationId), ['req-2499', 'req-2498', 'req-2497', 'req-2496']);
    assert.deepEqual((await store.decisions({ rule: 'a', captured: true, limit: 3 })).map((d) => d.correlationId), ['req-2497', 'req-2495', 'req-2491']);
    // A decision written now goes after them, and the row bound counts in written order.
    await store.publish(luaRule('a'), { author: 'ann' });
    await store.recordExecutions([{ rule: 'a', version: 1, decision: 'collaborative', confidence: 0.5, durationMs: 1, errorCode: null, correlationId: 'new', engineId: 'e2', at: '2026-01-01T00:00:00.000Z' }]);
    const report = await store.pruneDecisions({ maxRows: 1001 });
    assert.equal(report.rowsDeleted, V7_ROWS - 1000);
    const left = await store.decisions({});
    assert.equal(left.length, 1001);
    assert.equal(left.at(-1)?.correlationId, 'new', 'the oldest by time, but the newest written');
    assert.equal(left[left.length - 2]?.correlationId, 'req-1501');
    const contexts = await store.pruneDecisions({ contextsPerRule: 10 });
    assert.equal(contexts.contextsDropped, 500 - 20);
    assert.deepEqual((await store.decisions({ rule: 'b', captured: true })).map((d) => d.correlationId).slice(0, 2), ['req-2499', 'req-2493']);
  } finally {
    await store.close();
  }
}

describe('migration 8 keeps every decision of a version 7 store, in segments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-migrate8-'));
  let server: PgServer | undefined;
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server?.close();
  });

  test('SQLite', async () => {
    const url = sqliteStoreAt(join(dir, 'rules.db'), BEFORE_SEGMENTS, (db) => {
      const insert = db.prepare(V7_INSERT);
      db.transaction(() => {
        for (let i = 1; i <= V7_ROWS; i++) insert.run(...v7Row(i));
      })();
      db.exec(V7_CONTEXTS);
    });
    await checkSegments(url);
  });

  test('PostgreSQL', { skip: POSTGRES_SKIPPED }, async () => {
    server = await startPostgres();
    const url = await postgresStoreAt(await server.createDatabase(), BEFORE_SEGMENTS, async (run) => {
      for (let i = 1; i <= V7_ROWS; i++) await run(V7_INSERT, v7Row(i));
      await run(V7_CONTEXTS, []);
    });
    await checkSegments(url);
  });
});
