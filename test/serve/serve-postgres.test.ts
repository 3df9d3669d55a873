import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../cli/cli-harness';
import { openStore, type Store } from '../../store/src';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from '../store/pg-harness';
import { eventually } from '../store/store-helpers';
import { post, startServe, type ServeProcess } from './serve-process';

const EPIC = JSON.stringify({ epic_id: 'epic-123', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });

/**
 * Two engines on one real PostgreSQL; the server is stopped under them and started
 * again. While it is down they report degraded and keep serving the last rules;
 * afterwards they catch up on what was published.
 */
describe('lua-rules serve on PostgreSQL: degraded while the store is down, catching up after', { skip: POSTGRES_SKIPPED }, () => {
  let pg: PgServer;
  let dir = '';
  let url = '';
  let engines: ServeProcess[] = [];
  let store: Store;
  before(async () => {
    pg = await startPostgres({ ownCluster: true });
    url = await pg.createDatabase();
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-pg-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    const first = await startServe(['--store', url, '--seed', 'rules'], { cwd: dir });
    engines = [first, await startServe(['--store', url], { cwd: dir })];
    store = openStore(url, { cwd: dir });
  });
  after(async () => {
    await store?.close().catch(() => undefined);
    await Promise.all(engines.map((e) => e.stop()));
    await pg?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('both engines serve the seeded rules, and never print the password', async () => {
    for (const engine of engines) {
      assert.equal((await post(`${engine.base}/v1/evaluate/epic`, EPIC)).json['decision'], 'autonomous');
      assert.ok(!engine.stdout().includes(pg.password) && !engine.stderr().includes(pg.password), 'password leaked into the output');
    }
  });
  it('a publish reaches both engines', async () => {
    const source = ((await store.history('epic_wsjf_validation'))[0]?.content ?? '').replace('manageable job size', 'job size in reach');
    await store.publish({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source, origin: 'epic_wsjf_validation.lua' }, { author: 'test' });
    for (const engine of engines) await eventually(async () => (await post(`${engine.base}/v1/rules/epic_wsjf_validation/evaluate`, EPIC)).json['version'] === 2, 'version 2 on every engine');
  });
  it('with the database down: /healthz says degraded, evaluations still answer', async () => {
    assert.ok(pg.stopServer, 'the harness runs its own cluster');
    pg.stopServer?.();
    for (const engine of engines) {
      await eventually(async () => (await fetch(`${engine.base}/healthz`)).status === 503, 'healthz 503', 15_000);
      const health = (await (await fetch(`${engine.base}/healthz`)).json()) as { status: string; detail: string };
      assert.equal(health.status, 'degraded');
      assert.match(health.detail, /store unreachable/);
      assert.ok(!health.detail.includes(pg.password));
      const answer = await post(`${engine.base}/v1/evaluate/epic`, EPIC);
      assert.equal(answer.status, 200);
      assert.equal(answer.json['decision'], 'autonomous');
    }
  });
  it('after the database is back: ok again, and a version published since reaches both', async () => {
    pg.startServer?.();
    await store.close().catch(() => undefined);
    store = openStore(url, { cwd: dir });
    const source = ((await store.history('epic_wsjf_validation'))[0]?.content ?? '').replace('job size in reach', 'job size after the outage');
    await store.publish({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source, origin: 'epic_wsjf_validation.lua' }, { author: 'test' });
    for (const engine of engines) {
      await eventually(async () => (await fetch(`${engine.base}/healthz`)).status === 200, 'healthz 200', 20_000);
      await eventually(async () => (await post(`${engine.base}/v1/rules/epic_wsjf_validation/evaluate`, EPIC)).json['version'] === 3, 'version 3 on every engine', 20_000);
    }
  });
});
