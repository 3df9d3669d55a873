/**
 * `POST /admin/reload` reloads everything the engine knows from the store, as at start:
 * the live rules and the list of disabled rules. A switch the change feed never
 * delivered (here: written to the rules row by raw SQL, with no change-feed row, as a
 * DBA's repair would) is seen after a reload: the rule answers 404 `rule-disabled`,
 * not `rule-not-found`, and comes back when enabled the same way.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { cli, REPO } from '../cli/cli-harness';
import { openStore } from '../../store/src';
import { startEngineService, type EngineServiceHandle } from '../../service/src/engine-service';
import { post } from './serve-process';
import { serviceOptions } from './service-options';

const RULE = 'epic_wsjf_validation';
const EPIC = '{"epic_id": "epic-1", "metrics": {"wsjf_score": 60, "business_value": 80, "job_size": 30}}';
const TOKEN = 'reload-token';

describe('/admin/reload refreshes the disabled list too', () => {
  let dir = '';
  let url = '';
  let service: EngineServiceHandle | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-admin-reload-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    url = `sqlite:${join(dir, 'rules.db')}`;
    const published = await cli(['publish', 'rules', '--store', url, '--author', 'ann'], { cwd: dir, env: {} });
    assert.equal(published.code, 0, published.stderr);
    service = await startEngineService(
      serviceOptions(openStore(url, { cwd: dir }), url, dir, { heartbeatIntervalMs: 5000, breakerCoolDownMs: 1000, maxPending: 64, graceMs: 2000, adminToken: TOKEN }),
    );
  });
  after(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes the rules row's switch directly: no change-feed row, so no engine hears of it. */
  const switchBehindTheFeed = (disabled: boolean): void => {
    const db = new Database(join(dir, 'rules.db'));
    try {
      db.prepare(disabled ? "UPDATE rules SET disabled_at = ?, disabled_by = 'dba', disabled_message = 'by hand' WHERE name = ?" : 'UPDATE rules SET disabled_at = NULL, disabled_by = NULL, disabled_message = NULL WHERE name = ?').run(...(disabled ? [new Date().toISOString(), RULE] : [RULE]));
    } finally {
      db.close();
    }
  };
  const reload = async (): Promise<number> => (await fetch(`${service!.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status;
  const byName = () => post(`${service!.url}/v1/rules/${RULE}/evaluate`, EPIC);

  test('a rule disabled behind the feed answers rule-disabled after a reload, and serves again once enabled and reloaded', async () => {
    assert.equal((await byName()).status, 200);
    switchBehindTheFeed(true);
    assert.equal((await byName()).status, 200, 'nothing heard yet: still served');
    assert.equal(await reload(), 200);
    const disabled = await byName();
    assert.equal(disabled.status, 404);
    assert.equal((disabled.json['error'] as { code: string }).code, 'rule-disabled');
    const rules = (await (await fetch(`${service!.url}/v1/rules`)).json()) as { name: string }[];
    assert.ok(!rules.some((r) => r.name === RULE), '/v1/rules omits it');

    switchBehindTheFeed(false);
    assert.equal(await reload(), 200);
    const back = await byName();
    assert.equal(back.status, 200);
    assert.equal(back.json['decision'], 'autonomous');
  });

  test('bad requests to /admin/reload: no token 401, a wrong token 401, GET 405; nothing is reloaded', async () => {
    const none = await fetch(`${service!.url}/admin/reload`, { method: 'POST' });
    assert.equal(none.status, 401);
    const wrong = await fetch(`${service!.url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    const get = await fetch(`${service!.url}/admin/reload`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(get.status, 405);
    assert.equal((await byName()).status, 200);
  });
});
