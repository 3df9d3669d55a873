/**
 * What a hot reload asks PostgreSQL (docs/benchmarks.md, "Hot reload on PostgreSQL"):
 * every engine reloads at the same moment, so each statement of a reload is paid three
 * times over on a shared machine. A reload is one query, the change feed's fetch (the
 * changes and the live versions they led to). No second fetch to see an empty page,
 * and no read of the version row for the reload-lag metric: the change's time comes
 * with the change. And it runs on the connection that listens, which is always open,
 * so it never waits for the pool. Counted on the wire (every pg statement of the
 * engine's connections), never timed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startEngineService, type EngineServiceHandle } from '../../service/src/engine-service';
import { openStore, type Store } from '../../store/src';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from '../store/pg-harness';
import { eventually, luaRule } from '../store/store-helpers';
import { post } from './serve-process';
import { serviceOptions } from './service-options';

/** Statements of the engine's connections are told apart from the test's by this name. */
const ENGINE_APP = 'lua-rules-reload-test';

describe('a hot reload on PostgreSQL is one query', { skip: POSTGRES_SKIPPED }, () => {
  let server: PgServer;
  let dir = '';
  let publisher: Store;
  let service: EngineServiceHandle | undefined;
  const statements: { client: pg.Client; sql: string }[] = [];
  /** The connections that ran LISTEN (one; another after a reconnect). */
  const listenClients: pg.Client[] = [];
  const originalQuery = pg.Client.prototype.query;

  before(async () => {
    server = await startPostgres();
    const url = await server.createDatabase();
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-reload-queries-'));
    publisher = openStore(url);
    await publisher.publish(luaRule('hot', 'one'), { author: 'ann' });
    // A spy, not a stand-in: every statement still goes to the real server.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text?: string };
      if ((this as unknown as { connectionParameters: { application_name?: string } }).connectionParameters.application_name === ENGINE_APP) {
        const sql = typeof config === 'string' ? config : (config.text ?? '');
        if (/^LISTEN /.test(sql)) listenClients.push(this);
        statements.push({ client: this, sql });
      }
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
    const engineUrl = `${url}?application_name=${ENGINE_APP}`;
    // In process (no decision log thread), so heartbeats and health probes show up too; they are told apart below.
    service = await startEngineService(serviceOptions(openStore(engineUrl), engineUrl, dir, { password: server.password, requestTimeMs: 500, breakerFailures: 5, graceMs: 2000, shadows: false }));
  });
  after(async () => {
    pg.Client.prototype.query = originalQuery;
    await service?.stop();
    await publisher?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The statements of a reload, in order, named. The heartbeat (BEGIN, its upsert,
   * COMMIT on one connection) and the periodic health probe are not part of it.
   */
  const reloadStatements = (): string[] => {
    const heartbeat = new Set<number>();
    statements.forEach(({ client, sql }, i) => {
      if (!/INSERT INTO engines/i.test(sql)) return;
      heartbeat.add(i);
      const same = statements.map((s, j) => (s.client === client ? j : -1)).filter((j) => j >= 0);
      const at = same.indexOf(i);
      const [before, after] = [same[at - 1], same[at + 1]];
      if (before !== undefined && statements[before]?.sql === 'BEGIN') heartbeat.add(before);
      if (after !== undefined && statements[after]?.sql === 'COMMIT') heartbeat.add(after);
    });
    return statements
      .filter(({ sql }, i) => !heartbeat.has(i) && !/^SELECT COALESCE\(MAX\(revision\), 0\) AS revision FROM changes$/.test(sql.trim()))
      .map(({ sql }) => (/FROM changes c\b/.test(sql) ? 'change-feed fetch' : sql.replace(/\s+/g, ' ').slice(0, 80)));
  };

  it('publish → the engine serves it after one fetch, and records the reload lag without a query', async () => {
    const handle = service as EngineServiceHandle;
    // The watcher's first fetch (its resync once LISTEN is set up) comes before the publish.
    await eventually(() => statements.some(({ sql }) => /FROM changes c\b/.test(sql)), 'the change feed listening');
    statements.length = 0;

    await publisher.publish(luaRule('hot', 'two'), { author: 'ann' });
    await eventually(async () => (await post(`${handle.url}/v1/rules/hot/evaluate`, '{}')).json['version'] === 2, 'version 2 served');
    // The reload lag is observed once the reload is done (it used to wait for a read of the version row).
    await eventually(async () => /lua_rules_reload_lag_seconds_count(\{[^}]*\})? 1\b/.test(await (await fetch(`${handle.url}/metrics`)).text()), 'the reload lag observed');
    await handle.stop(); // waits for the change pump: a fetch it still meant to make is made before this returns
    service = undefined;
    assert.deepEqual(reloadStatements(), ['change-feed fetch']);
  });

  it('the fetch runs on the listening connection, not on the pool', () => {
    const listener = listenClients.at(-1);
    const fetches = statements.filter(({ sql }) => /FROM changes c\b/.test(sql));
    assert.ok(listener !== undefined && fetches.length === 1);
    assert.equal(fetches[0]?.client, listener, 'the reload waited for a pooled connection');
  });
});
