/**
 * Issue 14, identity and roles, on a real PostgreSQL with real login roles: the
 * store's owner runs `migrate --roles`, and an author, an approver, an author who is
 * also an approver, an engine and a user with no role each connect with their own URL.
 * Every refusal is tried twice: through the CLI (one line, exit 1) and with raw SQL
 * (pg), because the database, not our client, has to say no.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { userInfo } from 'node:os';
import pg from 'pg';
import { cli, REPO } from '../cli/cli-harness';
import { AuthorMismatchError, openStore, resolveAuthor, TABLE_GRANTS } from '../../store/src';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from './pg-harness';
import { createLogins } from './pg-logins';
import { eventually } from './store-helpers';
import { post, startServe, type ServeProcess } from '../serve/serve-process';

const CONSENSUS_RULE = `---@rule needs_two
---@category epic
---@consensus 1
return { decision = "autonomous", confidence = 0.9, reasoning = "ok" }
`;

const EPIC = JSON.stringify({ epic_id: 'epic-1', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });

async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** The error a raw statement fails with (and that it fails). */
async function refusal(url: string, text: string, params: unknown[] = []): Promise<{ code: string; message: string }> {
  try {
    await sql(url, text, params);
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { code: err.code ?? '', message: err.message };
  }
  throw new Error(`expected the database to refuse: ${text}`);
}

describe('identity and roles on PostgreSQL', { skip: POSTGRES_SKIPPED }, () => {
  let server: PgServer;
  let dir = '';
  let ownerUrl = '';
  // Login roles (cluster-wide, so named per run by createLogins): who each is, and its URL.
  const people = ['alice', 'bob', 'carol', 'dave', 'engine', 'nobody'] as const;
  const users = {} as Record<(typeof people)[number], string>;
  const urls = {} as Record<(typeof people)[number], string>;
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => cli(argv, { cwd: dir, env });

  before(async () => {
    server = await startPostgres();
    ownerUrl = await server.createDatabase();
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-roles-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    writeFileSync(join(dir, 'needs_two.lua'), CONSENSUS_RULE);
    const setup = await run(['migrate', '--store', ownerUrl, '--roles']);
    assert.equal(setup.code, 0, setup.stderr);
    // What a DBA runs (docs/store.md, "Roles"): a login per person, a group role each.
    const logins = await createLogins(ownerUrl, {
      alice: ['lua_rules_author'],
      bob: ['lua_rules_author'],
      carol: ['lua_rules_approver'],
      dave: ['lua_rules_author', 'lua_rules_approver'],
      engine: ['lua_rules_engine'],
      nobody: [],
    });
    for (const who of people) {
      users[who] = logins.name(who);
      urls[who] = logins.url(who);
    }
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('migrate --roles is idempotent: a second run creates nothing and succeeds', async () => {
    const again = await run(['migrate', '--store', ownerUrl, '--roles']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /roles lua_rules_author, lua_rules_approver, lua_rules_engine ready \(all existed\); grants set on \d+ tables/);
    const roles = await sql<{ rolname: string; rolcanlogin: boolean }>(ownerUrl, "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'lua_rules_%' ORDER BY rolname");
    assert.deepEqual(roles, [
      { rolname: 'lua_rules_approver', rolcanlogin: false },
      { rolname: 'lua_rules_author', rolcanlogin: false },
      { rolname: 'lua_rules_engine', rolcanlogin: false },
    ]);
  });

  test('every table of the schema has its line in TABLE_GRANTS (a new table needs one)', async () => {
    const tables = (await sql<{ table_name: string }>(ownerUrl, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")).map((r) => r.table_name);
    const listed = new Set(TABLE_GRANTS.map((g) => g.table));
    assert.deepEqual(
      tables.filter((t) => !listed.has(t)),
      [],
      'add a line for each of these tables to TABLE_GRANTS in store/src/roles.ts',
    );
  });

  test('the author is the database user: --author may be left out, a different one is exit 2', async () => {
    const out = await run(['publish', 'rules', '--store', urls.alice]);
    assert.equal(out.code, 0, out.stderr);
    const versions = await sql<{ author: string }>(ownerUrl, 'SELECT DISTINCT author FROM rule_versions');
    assert.deepEqual(versions, [{ author: users.alice }]);
    const created = await sql<{ created_by: string }>(ownerUrl, 'SELECT DISTINCT created_by FROM rules');
    assert.deepEqual(created, [{ created_by: users.alice }]);
    // The same name in other case is the same user (PostgreSQL folds unquoted names).
    assert.equal((await run(['publish', 'rules', '--store', urls.alice, '--author', users.alice.toUpperCase()])).code, 0);
    // An empty --author (what --author "$USER" becomes with $USER unset) counts as not given.
    assert.equal((await run(['publish', 'rules', '--store', urls.alice, '--author', ''], { USER: '' })).code, 0);
    const lie = await run(['publish', 'rules', '--store', urls.alice, '--author', users.bob]);
    assert.equal(lie.code, 2);
    assert.equal(lie.stderr.split('\n').length, 2, lie.stderr);
    assert.match(lie.stderr, new RegExp(`the author is the database user you connect as \\(${users.alice}\\), so it cannot be "${users.bob}"`));
    const rollback = await run(['rollback', 'epic_priority', '--to', '1', '--store', urls.alice, '--author', 'mallory']);
    assert.equal(rollback.code, 2);
    assert.match(rollback.stderr, /^lua-rules: rollback: on PostgreSQL the author is the database user/);
    const approve = await run(['approve', 'epic_priority', '--version', '1', '--store', urls.carol, '--author', 'mallory']);
    assert.equal(approve.code, 2);
  });

  test('raw SQL cannot record a version under someone else’s name', async () => {
    const forged = await refusal(
      urls.alice,
      `INSERT INTO rule_versions (rule_id, number, kind, content, checksum, metadata, author, created_at, state)
       SELECT id, head_version + 1, 'lua', 'return nil', 'x', '{}', $1, now(), 'superseded' FROM rules WHERE name = 'epic_priority'`,
      [users.bob],
    );
    assert.equal(forged.code, '42501');
    assert.match(forged.message, new RegExp(`a version's author must be recorded under the database user doing it \\(${users.alice}\\), not '${users.bob}'`));
    const creator = await refusal(
      urls.alice,
      `INSERT INTO rules (name, category, kind, lua_script, status, created_by, created_at, updated_at, head_version) VALUES ('forged', 'epic', 'lua', 'return nil', 'proposed', $1, now(), now(), 1)`,
      [users.bob],
    );
    assert.match(creator.message, /a rule's creator must be recorded under the database user doing it/);
    // Acting as the group role (shared by all its members) is no identity either.
    const group = await refusal(
      urls.alice,
      `SET ROLE lua_rules_author; INSERT INTO rule_versions (rule_id, number, kind, content, checksum, metadata, author, created_at, state)
       SELECT id, head_version + 1, 'lua', 'return nil', 'x', '{}', 'lua_rules_author', now(), 'superseded' FROM rules WHERE name = 'epic_priority'`,
    );
    assert.match(group.message, /lua_rules_author is a group role; write as yourself/);
  });

  test('self-approval is refused by the database: through the CLI and with raw SQL', async () => {
    const pub = await run(['publish', 'needs_two.lua', '--store', urls.dave]);
    assert.equal(pub.code, 0, pub.stderr);
    assert.match(pub.stdout, /pending: 1 more approval needed/);
    const self = await run(['approve', 'needs_two', '--version', '1', '--store', urls.dave]);
    assert.equal(self.code, 1);
    assert.equal(self.stderr.split('\n').length, 2, self.stderr);
    assert.match(self.stderr, /cannot approve it/);
    // Past our client: the same approval as a raw INSERT by dave (a member of lua_rules_approver).
    const raw = await refusal(urls.dave, `INSERT INTO approvals (rule_id, version, approver, at) SELECT id, 1, $1, now() FROM rules WHERE name = 'needs_two'`, [users.dave]);
    assert.equal(raw.code, '42501');
    assert.match(raw.message, /wrote version 1 and cannot approve it/);
    // Nor may dave approve under carol's name.
    const impersonated = await refusal(urls.dave, `INSERT INTO approvals (rule_id, version, approver, at) SELECT id, 1, $1, now() FROM rules WHERE name = 'needs_two'`, [users.carol]);
    assert.equal(impersonated.code, '42501');
    assert.match(impersonated.message, /an approval must be recorded under the database user doing it/);
    // Nor under the group role's name, which is not the author's.
    const asGroup = await refusal(urls.dave, `SET ROLE lua_rules_approver; INSERT INTO approvals (rule_id, version, approver, at) SELECT id, 1, 'lua_rules_approver', now() FROM rules WHERE name = 'needs_two'`);
    assert.match(asGroup.message, /lua_rules_approver is a group role; write as yourself/);
  });

  test('an approval by someone who is not a member of lua_rules_approver is refused: CLI and raw SQL', async () => {
    // An author who is not an approver: the grants stop it (no INSERT on approvals).
    const cliOut = await run(['approve', 'needs_two', '--version', '1', '--store', urls.alice]);
    assert.equal(cliOut.code, 1);
    assert.equal(cliOut.stderr.split('\n').length, 2, cliOut.stderr);
    assert.match(cliOut.stderr, new RegExp(`^lua-rules approve: refused by the database for user ${users.alice}: permission denied for table approvals \\(approve needs membership of lua_rules_approver`));
    const raw = await refusal(urls.alice, `INSERT INTO approvals (rule_id, version, approver, at) SELECT id, 1, $1, now() FROM rules WHERE name = 'needs_two'`, [users.alice]);
    assert.equal(raw.code, '42501');
    // Even with the table privileges granted directly (a DBA's shortcut), the trigger
    // still wants membership of lua_rules_approver.
    await sql(ownerUrl, `GRANT SELECT ON schema_migrations, rules, rule_versions, approvals, changes TO ${users.nobody}; GRANT INSERT ON approvals TO ${users.nobody}; GRANT UPDATE ON rules, rule_versions TO ${users.nobody}`);
    try {
      const direct = await refusal(urls.nobody, `INSERT INTO approvals (rule_id, version, approver, at) SELECT id, 1, $1, now() FROM rules WHERE name = 'needs_two'`, [users.nobody]);
      assert.equal(direct.code, '42501');
      assert.match(direct.message, new RegExp(`the database user ${users.nobody} is not a member of lua_rules_approver and may not approve`));
      const viaCli = await run(['approve', 'needs_two', '--version', '1', '--store', urls.nobody]);
      assert.equal(viaCli.code, 1);
      assert.match(viaCli.stderr, /^lua-rules approve: refused by the database for user nobody_\w+: the database user nobody_\w+ is not a member of lua_rules_approver and may not approve\n$/);
    } finally {
      await sql(ownerUrl, `REVOKE ALL ON schema_migrations, rules, rule_versions, approvals, changes FROM ${users.nobody}`);
    }
    // A user with no role at all is stopped by the grants before any trigger.
    const nobody = await run(['approve', 'needs_two', '--version', '1', '--store', urls.nobody]);
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /refused by the database .*permission denied for table .*\(approve needs membership of lua_rules_approver; see "Roles" in docs\/store.md\)\n$/);
    const state = await sql<{ state: string }>(ownerUrl, "SELECT v.state FROM rule_versions v JOIN rules r ON r.id = v.rule_id WHERE r.name = 'needs_two' AND v.number = 1");
    assert.deepEqual(state, [{ state: 'pending' }], 'nothing was approved');
  });

  test('raw SQL cannot make a pending version live without its approvals', async () => {
    const pendingId = "(SELECT id FROM rules WHERE name = 'needs_two')";
    for (const [who, statement, why] of [
      ['dave', `UPDATE rule_versions SET state = 'live', went_live_at = now() WHERE rule_id = ${pendingId} AND number = 1`, /version 1 cannot go live with 0 of the 1 approvals it needs/],
      ['carol', `UPDATE rule_versions SET state = 'live', went_live_at = now() WHERE rule_id = ${pendingId} AND number = 1`, /cannot go live with 0 of the 1/],
      ['dave', `UPDATE rule_versions SET required_approvals = 0 WHERE rule_id = ${pendingId} AND number = 1`, /required approvals .* cannot be changed/],
      ['dave', `UPDATE rules SET live_version = 1, status = 'active' WHERE name = 'needs_two'`, /cannot serve version 1: that version is not live/],
      [
        'dave',
        `INSERT INTO rule_versions (rule_id, number, kind, content, checksum, metadata, author, created_at, state, required_approvals, went_live_at)
         SELECT id, 7, 'lua', 'return nil', 'x', '{"name":"needs_two","category":"epic"}', current_user, now(), 'live', 0, now() FROM rules WHERE name = 'needs_two'`,
        /version 7 cannot go live with 0 of the 1 approvals/,
      ],
    ] as const) {
      const refused = await refusal(urls[who], statement);
      assert.equal(refused.code, '42501', statement);
      assert.match(refused.message, why);
    }
    const state = await sql<{ number: number; state: string }>(ownerUrl, `SELECT number, state FROM rule_versions WHERE rule_id = ${pendingId} ORDER BY number`);
    assert.deepEqual(state, [{ number: 1, state: 'pending' }]);
  });

  test('an approver approves: recorded as the database user, and the version goes live', async () => {
    const out = await run(['approve', 'needs_two', '--version', '1', '--store', urls.carol]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /it is live now/);
    const approvals = await sql<{ approver: string }>(ownerUrl, 'SELECT approver FROM approvals');
    assert.deepEqual(approvals, [{ approver: users.carol }]);
    // Approvers approve; they do not publish.
    writeFileSync(join(dir, 'carol_rule.lua'), '---@rule carol_rule\n---@category epic\nreturn { decision = "autonomous", confidence = 1, reasoning = "x" }\n');
    const pub = await run(['publish', 'carol_rule.lua', '--store', urls.carol]);
    assert.match(pub.stderr, /permission denied for table rules \(publish needs membership of lua_rules_author/);
    assert.equal(pub.code, 1);
  });

  test("an engine role's publish is refused: CLI and raw SQL", async () => {
    writeFileSync(join(dir, 'engine_rule.lua'), '---@rule engine_rule\n---@category epic\nreturn { decision = "autonomous", confidence = 1, reasoning = "x" }\n');
    const out = await run(['publish', 'engine_rule.lua', '--store', urls.engine]);
    assert.equal(out.code, 1);
    assert.equal(out.stderr.split('\n').length, 2, out.stderr);
    assert.match(out.stderr, new RegExp(`^lua-rules publish: refused by the database for user ${users.engine}: permission denied for table \\w+ \\(publish needs membership of lua_rules_author`));
    for (const statement of [
      `INSERT INTO rules (name, category, kind, lua_script, status, created_by, created_at, updated_at, head_version) VALUES ('x', 'epic', 'lua', 'return nil', 'active', 'e', now(), now(), 1)`,
      `UPDATE rules SET live_version = 1, lua_script = 'return nil'`,
      `UPDATE rule_versions SET state = 'live'`,
      `INSERT INTO changes (rule_name, version, event, at) VALUES ('epic_priority', 1, 'live', now())`,
      `DELETE FROM rules`,
      `CREATE TABLE sneaky (id int)`,
    ]) {
      const refused = await refusal(urls.engine, statement);
      assert.equal(refused.code, '42501', statement);
    }
    assert.equal((await sql<{ n: string }>(ownerUrl, "SELECT count(*) AS n FROM rules WHERE name IN ('x', 'engine_rule')"))[0]?.n, '0');
  });

  test('the store API on an engine role: reads, decision log and heartbeats work; publishing is refused', async () => {
    const store = openStore(urls.engine);
    try {
      assert.equal(await store.databaseUser(), users.engine);
      assert.ok((await store.liveRules()).length > 0);
      await store.recordExecutions([{ rule: 'epic_priority', version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 1, errorCode: null, correlationId: 'c', engineId: 'e1' }]);
      await store.heartbeat({ engineId: 'e1', host: 'h', pid: 1, startedAt: new Date().toISOString(), lastSeen: new Date().toISOString(), status: 'running', rules: { epic_priority: 1 } });
      assert.equal((await store.engines()).length, 1);
      await assert.rejects(store.publish({ kind: 'lua', name: 'nope', category: 'epic', source: 'return nil', origin: 'nope.lua' }, { author: users.engine }), (e: Error) => e.name === 'RefusedByDatabaseError' && /permission denied/.test(e.message));
    } finally {
      await store.close();
    }
  });

  test('serve as an engine-only role: serves, reloads, writes decisions and heartbeats', { timeout: 90_000 }, async () => {
    let engine: ServeProcess | undefined;
    try {
      // Issue 13: the decision log's bounds run as the engine too (contexts dropped: an UPDATE of decision_segment_rules).
      engine = await startServe(['--store', urls.engine, '--heartbeat-ms', '200', '--decision-log-contexts-per-rule', '0', '--decision-log-prune-every', '200ms'], { cwd: dir });
      const first = await post(`${engine.base}/v1/rules/needs_two/evaluate`, EPIC);
      assert.equal(first.status, 200, JSON.stringify(first.json));
      assert.equal(first.json['version'], 1);
      // An author publishes; the engine reloads it (the approval makes it live).
      writeFileSync(join(dir, 'needs_two.lua'), CONSENSUS_RULE.replace('"ok"', '"ok, v2"'));
      assert.equal((await run(['publish', 'needs_two.lua', '--store', urls.bob])).code, 0);
      assert.equal((await run(['approve', 'needs_two', '--version', '2', '--store', urls.carol])).code, 0);
      await eventually(async () => (await post(`${engine!.base}/v1/rules/needs_two/evaluate`, EPIC)).json['version'] === 2, 'version 2 served');
      await eventually(async () => {
        // Read as the owner, through the store's own reader (the log is stored in segments).
        const owner = openStore(ownerUrl);
        try {
          return (await owner.decisions({ rule: 'needs_two' })).some((d) => d.version === 2);
        } finally {
          await owner.close();
        }
      }, 'decision logged');
      await eventually(async () => (await sql<{ rules: string }>(ownerUrl, "SELECT rules FROM engines WHERE status = 'running'")).some((r) => (JSON.parse(r.rules) as Record<string, number>).needs_two === 2), 'heartbeat with version 2');
      await eventually(async () => /^lua_rules_decision_log_contexts_pruned_total [1-9]/m.test(await (await fetch(`${engine!.base}/metrics`)).text()), 'contexts pruned by the engine');
      await eventually(async () => Number((await sql<{ n: string }>(ownerUrl, "SELECT COALESCE(SUM(context_count), 0) AS n FROM decision_segment_rules WHERE rule_name = 'needs_two'"))[0]?.n) === 0, 'no context kept (--decision-log-contexts-per-rule 0)');
      assert.doesNotMatch(engine.stdout() + engine.stderr(), /permission denied|refused by the database/);
    } finally {
      if (engine !== undefined) assert.equal(await engine.stop(), 0, engine.stderr());
    }
  });

  test('serve as the engine role on a store that needs a migration: one line, exit 1, nothing changed', { timeout: 60_000 }, async () => {
    const behind = Math.max(...(await sql<{ version: number }>(ownerUrl, 'SELECT version FROM schema_migrations')).map((r) => r.version));
    const row = (await sql<{ name: string; applied_at: string }>(ownerUrl, 'SELECT name, applied_at FROM schema_migrations WHERE version = $1', [behind]))[0]!;
    await sql(ownerUrl, 'DELETE FROM schema_migrations WHERE version = $1', [behind]);
    try {
      await assert.rejects(startServe(['--store', urls.engine], { cwd: dir }), (e: Error) => {
        assert.match(e.message, /serve exited with 1 before listening/);
        assert.match(e.message, new RegExp(`lua-rules serve: the store .* has schema version \\d+ and this lua-rules needs \\d+, but the database refused to change the schema \\(refused by the database for user ${users.engine}: permission denied for schema public\\); run 'lua-rules migrate' as the store's owner`));
        return true;
      });
    } finally {
      await sql(ownerUrl, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [behind, row.name, row.applied_at]);
    }
  });

  test('disable and enable: an author does it as the database user; approvers and engines are refused', async () => {
    const off = await run(['disable', 'epic_priority', '--store', urls.alice, '--message', 'too many escalations']);
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(await sql(ownerUrl, "SELECT disabled_by FROM rules WHERE name = 'epic_priority'"), [{ disabled_by: users.alice }]);
    const lie = await run(['enable', 'epic_priority', '--store', urls.alice, '--author', users.bob]);
    assert.equal(lie.code, 2);
    assert.match(lie.stderr, /^lua-rules: enable: on PostgreSQL the author is the database user you connect as/);
    for (const who of ['carol', 'engine'] as const) {
      const refused = await run(['enable', 'epic_priority', '--store', urls[who]]);
      assert.equal(refused.code, 1, `${who}: ${refused.stderr}`);
      assert.equal(refused.stderr.split('\n').length, 2, refused.stderr);
      assert.match(refused.stderr, /^lua-rules enable: refused by the database for user \w+: permission denied for table \w+ \(enable needs membership of lua_rules_author/);
    }
    // Raw SQL cannot put someone else's name on the switch or in its history.
    const forged = await refusal(urls.alice, `UPDATE rules SET disabled_by = $1 WHERE name = 'epic_priority'`, [users.bob]);
    assert.match(forged.message, new RegExp(`who disabled a rule must be recorded under the database user doing it \\(${users.alice}\\)`));
    const history = await refusal(urls.alice, `INSERT INTO rule_lifecycle (rule_id, event, author, at) SELECT id, 'enabled', $1, now() FROM rules WHERE name = 'epic_priority'`, [users.bob]);
    assert.match(history.message, /who disabled or enabled a rule must be recorded under the database user doing it/);
    const on = await run(['enable', 'epic_priority', '--store', urls.bob]);
    assert.equal(on.code, 0, on.stderr);
    assert.deepEqual(await sql(ownerUrl, "SELECT event, author FROM rule_lifecycle ORDER BY id"), [
      { event: 'disabled', author: users.alice },
      { event: 'enabled', author: users.bob },
    ]);
  });

  test('promote into a PostgreSQL store: the author is the target’s database user; an engine cannot promote', async () => {
    const source = `sqlite:${join(dir, 'staging.db')}`;
    writeFileSync(join(dir, 'promoted.lua'), '---@rule promoted\n---@category epic\nreturn { decision = "autonomous", confidence = 1, reasoning = "staged" }\n');
    assert.equal((await run(['publish', 'promoted.lua', '--store', source, '--author', 'stager'])).code, 0);
    const refused = await run(['promote', 'promoted', '--from', source, '--to', urls.engine]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /refused by the database/);
    const lie = await run(['promote', 'promoted', '--from', source, '--to', urls.bob, '--author', 'stager']);
    assert.equal(lie.code, 2, lie.stderr);
    const out = await run(['promote', 'promoted', '--from', source, '--to', urls.bob]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(await sql(ownerUrl, "SELECT v.author FROM rule_versions v JOIN rules r ON r.id = v.rule_id WHERE r.name = 'promoted'"), [{ author: users.bob }]);
  });

  test('migrate --roles by a user who may not create roles nor grant: one line, exit 1', async () => {
    const out = await run(['migrate', '--store', urls.alice, '--roles']);
    assert.equal(out.code, 1, out.stderr);
    assert.equal(out.stderr.split('\n').length, 2, out.stderr);
    assert.match(out.stderr, new RegExp(`^lua-rules migrate: the database user ${users.alice} does not own the store's tables`));
    // A fresh database this user owns, but no CREATEROLE, while the roles do not exist: say so.
    const own = await server.createDatabase();
    await sql(own, `ALTER DATABASE ${new URL(own).pathname.slice(1)} OWNER TO ${users.nobody}`);
    await sql(own, `ALTER SCHEMA public OWNER TO ${users.nobody}`);
    const mine = new URL(own);
    mine.username = users.nobody;
    mine.password = new URL(urls.nobody).password;
    assert.equal((await run(['migrate', '--store', mine.toString()])).code, 0);
    // While a role is missing, a user without CREATEROLE cannot finish: it is told which and why.
    await sql(ownerUrl, 'ALTER ROLE lua_rules_engine RENAME TO lua_rules_engine_away');
    try {
      const missing = await run(['migrate', '--store', mine.toString(), '--roles']);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr.split('\n').length, 2, missing.stderr);
      assert.match(missing.stderr, new RegExp(`the database user ${users.nobody} may not create roles \\(it needs CREATEROLE\\), and lua_rules_engine does not exist yet`));
    } finally {
      await sql(ownerUrl, 'ALTER ROLE lua_rules_engine_away RENAME TO lua_rules_engine');
    }
    // With the roles there, the owner of the tables may grant on them without CREATEROLE.
    const granted = await run(['migrate', '--store', mine.toString(), '--roles']);
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /\(all existed\)/);
  });

  test('--roles on a SQLite store is refused with a clear line, exit 2', async () => {
    const out = await run(['migrate', '--store', `sqlite:${join(dir, 'x.db')}`, '--roles']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /--roles is for PostgreSQL; a SQLite store has no database users or roles/);
  });
});

describe('the author rule on SQLite: the name given, else the OS user', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-roles-sqlite-'));
    writeFileSync(join(dir, 'needs_two.lua'), CONSENSUS_RULE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const store = (): string => `sqlite:${join(dir, 'rules.db')}`;
  const run = (argv: string[], env: NodeJS.ProcessEnv = { USER: '', LOGNAME: '' }) => cli(argv, { cwd: dir, env });

  test('resolveAuthor: one decision for every backend', () => {
    const os = (): string => 'osuser';
    assert.equal(resolveAuthor(null, undefined, os), 'osuser');
    assert.equal(resolveAuthor(null, '  ', os), 'osuser', 'an empty name is not a name');
    assert.equal(resolveAuthor(null, ' ann ', os), 'ann');
    assert.equal(resolveAuthor('alice', undefined, os), 'alice');
    assert.equal(resolveAuthor('alice', 'ALICE', os), 'alice', 'the database spelling is recorded');
    assert.throws(() => resolveAuthor('alice', 'bob', os), AuthorMismatchError);
  });

  test('the OS user publishes and cannot approve its own version; --author names someone else', async () => {
    const pub = await run(['publish', 'needs_two.lua', '--store', store()]);
    assert.equal(pub.code, 0, pub.stderr);
    const self = await run(['approve', 'needs_two', '--version', '1', '--store', store()]);
    assert.equal(self.code, 1);
    assert.match(self.stderr, new RegExp(`^lua-rules approve: ${userInfo().username} wrote version 1 of "needs_two" and cannot approve it`));
    const other = await run(['approve', 'needs_two', '--version', '1', '--store', store(), '--author', 'bob']);
    assert.equal(other.code, 0, other.stderr);
    const s = openStore(store());
    try {
      assert.equal(await s.databaseUser(), null);
      const [v1] = await s.history('needs_two');
      assert.equal(v1?.author, userInfo().username);
      assert.deepEqual(v1?.approvals.map((a) => a.approver), ['bob']);
    } finally {
      await s.close();
    }
  });

  test('raw SQL self-approval is refused by the database file too (a trigger)', async () => {
    writeFileSync(join(dir, 'needs_two.lua'), CONSENSUS_RULE.replace('"ok"', '"v2"'));
    assert.equal((await run(['publish', 'needs_two.lua', '--store', store(), '--author', 'Ann'])).code, 0);
    const db = new Database(join(dir, 'rules.db'));
    try {
      const insert = db.prepare("INSERT INTO approvals (rule_id, version, approver, at) SELECT id, 2, ?, '2026-01-01T00:00:00Z' FROM rules WHERE name = 'needs_two'");
      assert.throws(() => insert.run(' ann'), /approval by the version's own author is refused/);
      assert.equal(insert.run('carl').changes, 1, 'someone else may');
    } finally {
      db.close();
    }
  });
});
