/**
 * The decision log's thread rides out a store outage (issue 13): PostgreSQL stopped
 * under it, records wait in the thread (none written, none dropped, the errors
 * reported), and when the server is back they are all written, once each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreDecisionLog, openStore, type Store } from '../../store/src';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from './pg-harness';
import { eventually, luaRule } from './store-helpers';

describe('the decision log thread across a PostgreSQL outage', { skip: POSTGRES_SKIPPED }, () => {
  let server: PgServer;
  let url = '';
  let store: Store;
  before(async () => {
    server = await startPostgres({ ownCluster: true });
    url = await server.createDatabase();
    store = openStore(url);
    await store.publish(luaRule('a'), { author: 'ann' });
  });
  after(async () => {
    await store?.close().catch(() => undefined);
    await server?.close();
  });

  test('records wait while the server is down and are written once it is back', { timeout: 60_000 }, async () => {
    const errors: string[] = [];
    const log = new StoreDecisionLog(store, { thread: { storeUrl: url }, retention: false, flushIntervalMs: 20, onError: (e) => errors.push(e.message) });
    const record = (n: number): void => log.record({ rule: 'a', version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 0.1, errorCode: null, correlationId: `c${n}`, cached: false, at: Date.now(), category: 'epic', context: { n } });
    record(0);
    await log.flush();
    assert.equal(log.counts.written, 1);

    server.stopServer?.();
    for (let n = 1; n <= 20; n++) record(n);
    await eventually(() => errors.length > 0, 'the failed write reported');
    await log.flush();
    assert.equal(log.counts.written, 1, 'nothing written while the server is down');
    assert.equal(log.counts.pending, 20);
    assert.equal(log.counts.dropped, 0);
    assert.ok(!errors.some((m) => m.includes(server.password)), 'no password in the errors');

    server.startServer?.();
    await eventually(() => log.counts.written === 21, 'the waiting records written after the outage', 30_000);
    await log.stop();
    const rows = await store.decisions({ withContext: true });
    assert.deepEqual(rows.map((r) => r.correlationId).sort(), Array.from({ length: 21 }, (_, n) => `c${n}`).sort(), 'each once');
    assert.ok(rows.every((r) => (r.context as { n: number }).n === Number(r.correlationId?.slice(1))));
    assert.equal(log.counts.dropped, 0);
  });
});
