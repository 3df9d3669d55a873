/**
 * The store commands (publish, history, rollback, approve, migrate) end to end, in
 * process through the CLI's main(), on a SQLite file and a real PostgreSQL.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cli, REPO } from '../cli/cli-harness';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from './pg-harness';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lua-rules-cli-store-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const RULE = `---@rule gate_me
---@category epic
---@consensus 2
local wsjf = context.metrics and context.metrics.wsjf_score or 0
if wsjf > 50 then
  return { decision = "autonomous", confidence = 0.95, reasoning = "high" }
end
return { decision = "escalated", confidence = 0.4, reasoning = "low" }
`;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('store commands on SQLite', () => {
  const store = (): string => `sqlite:${join(dir, 'db', 'rules.db')}`;
  const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => cli(argv, { cwd: dir, env });

  test('migrate creates the store; a second run has nothing to do', async () => {
    const first = await run(['migrate', '--store', store()]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied migrations? 1(, \d+)*; schema at version \d+/);
    const second = await run(['migrate'], { LUA_RULES_STORE: store() });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already at version \d+/);
  });

  test('publish runs the gate, then writes versions; unchanged content writes none', async () => {
    const first = await run(['publish', 'rules', '--store', store(), '--author', 'ann', '--message', 'examples']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /published epic_wsjf_validation version 1 \(live\)/);
    const again = await run(['publish', 'rules', '--store', store(), '--author', 'ann', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const json = JSON.parse(again.stdout) as { rule: string; created: boolean; version: number }[];
    assert.ok(json.length >= 3);
    assert.ok(json.every((r) => !r.created && r.version === 1));
  });

  test('a rule failing its fixtures is refused and nothing is published', async () => {
    const path = join(dir, 'rules', 'epic_wsjf_validation.lua');
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replace(/0\.95/g, '0.97'));
    const out = await run(['publish', 'rules', '--store', store(), '--author', 'bob']);
    writeFileSync(path, original);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /epic_wsjf_validation not published: \d+ failing fixture/);
    assert.match(out.stderr, /nothing published/);
    const history = await run(['history', 'epic_wsjf_validation', '--store', store(), '--json']);
    assert.equal((JSON.parse(history.stdout) as { versions: unknown[] }).versions.length, 1);
  });

  test('a rule with a check error is refused', async () => {
    write('broken.lua', '---@category epic\nlocal x = 1\n');
    const out = await run(['publish', 'broken.lua', '--store', store(), '--author', 'bob']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /broken not published: 1 check error/);
    assert.match(out.stderr, /error missing-return/);
  });

  test('bad input: missing file, no category, bad flags', async () => {
    assert.equal((await run(['publish', 'nope.lua', '--store', store(), '--author', 'a'])).code, 2);
    write('nocat.lua', 'return { decision = "escalated", confidence = 0.1, reasoning = "x" }\n');
    const nocat = await run(['publish', 'nocat.lua', '--store', store(), '--author', 'a']);
    assert.equal(nocat.code, 2);
    assert.match(nocat.stderr, /no category/);
    assert.equal((await run(['history', '--store', store()])).code, 2);
    assert.equal((await run(['rollback', 'x', '--to', 'zero', '--store', store(), '--author', 'a'])).code, 2);
    assert.equal((await run(['approve', 'x', '--version', '1', '--store', store(), '--author', 'a', '--bogus'])).code, 2);
    const noStore = await run(['history', 'x']);
    assert.equal(noStore.code, 2);
    assert.match(noStore.stderr, /no store; pass --store/);
  });

  test('consensus, approve, history and rollback', async () => {
    write('gate_me.lua', RULE);
    const pub = await run(['publish', 'gate_me.lua', '--store', store(), '--author', 'ann']);
    assert.equal(pub.code, 0, pub.stderr);
    assert.match(pub.stdout, /published gate_me version 1 \(pending: 2 more approvals needed\)/);
    const self = await run(['approve', 'gate_me', '--version', '1', '--store', store(), '--author', 'ann']);
    assert.equal(self.code, 1);
    assert.match(self.stderr, /cannot approve it/);
    assert.match((await run(['approve', 'gate_me', '--version', '1', '--store', store(), '--author', 'bob'])).stdout, /1 more approval needed/);
    assert.match((await run(['approve', 'gate_me', '--version', '1', '--store', store(), '--author', 'cid'])).stdout, /it is live now/);
    write('gate_me.lua', RULE.replace('"high"', '"very high"'));
    assert.equal((await run(['publish', 'gate_me.lua', '--store', store(), '--author', 'ann'])).code, 0);
    await run(['approve', 'gate_me', '--version', '2', '--store', store(), '--author', 'bob']);
    await run(['approve', 'gate_me', '--version', '2', '--store', store(), '--author', 'cid']);
    const rollback = await run(['rollback', 'gate_me', '--to', '1', '--store', store(), '--author', 'dan']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /version 3 \(pending: 2 more approvals needed\)/);
    const history = await run(['history', 'gate_me', '--store', store()]);
    assert.equal(history.code, 0);
    assert.match(history.stdout, /v3\s+pending .*dan .*approvals 0\/2 .*\(rollback to v1\)/);
    assert.match(history.stdout, /v2\s+live .*approved by bob, cid/);
    assert.match(history.stdout, /v1\s+superseded/);
    const unknown = await run(['history', 'nope', '--store', store()]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'lua-rules history: unknown rule "nope" in the store\n');
    const noVersion = await run(['approve', 'gate_me', '--version', '9', '--store', store(), '--author', 'eve']);
    assert.equal(noVersion.code, 2);
    assert.match(noVersion.stderr, /has no version 9 \(latest is 3\)/);
  });

  test('a SQLite path that is not a database is one line and exit 2', async () => {
    write('not-a-db.db', 'garbage, not SQLite\n'.repeat(100));
    for (const url of [`sqlite:${join(dir, 'not-a-db.db')}`, `sqlite:${dir}`, 'sqlite:/dev/null/x.db']) {
      const out = await run(['history', 'x', '--store', url]);
      assert.equal(out.code, 2, `${url}: ${out.stderr}`);
      // history only reads: a path that does not exist is refused before opening (never created).
      assert.match(out.stderr, /^lua-rules history: (cannot open|no store at) sqlite:.*\n$/);
    }
  });

  test('bad URLs are one line and exit 2', async () => {
    for (const url of ['mysql://u:hunter2@h/db', 'sqlite:', 'rules.db']) {
      const out = await run(['history', 'x', '--store', url]);
      assert.equal(out.code, 2, url);
      assert.equal(out.stderr.split('\n').length, 2, out.stderr);
      assert.ok(!out.stderr.includes('hunter2'));
    }
  });
});

describe('store commands on PostgreSQL', { skip: POSTGRES_SKIPPED }, () => {
  let server: PgServer;
  let url = '';
  before(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  });
  after(() => server?.close());
  const run = (argv: string[]) => cli(argv, { cwd: dir, env: {} });

  test('publish and history against a real server', async () => {
    // On PostgreSQL the author is the database user (issue 14): no --author needed, another one refused.
    const out = await run(['publish', 'rules', '--store', url]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /published epic_priority version 1 \(live\)/);
    const history = await run(['history', 'epic_priority', '--store', url, '--json']);
    assert.equal(history.code, 0);
    const versions = (JSON.parse(history.stdout) as { versions: { author: string; evidence: { gate: string } }[] }).versions;
    assert.equal(versions[0]?.evidence.gate, 'passed');
    assert.equal(versions[0]?.author, new URL(url).username);
    const other = await run(['publish', 'rules', '--store', url, '--author', 'ann']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /the author is the database user you connect as \(postgres\), so it cannot be "ann"/);
  });

  test('a wrong password is one line, exit 2, and never printed', async () => {
    const wrong = new URL(url);
    wrong.password = 'not-the-password-x9';
    const out = await run(['history', 'epic_priority', '--store', wrong.toString()]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /password authentication failed/);
    assert.ok(!out.stderr.includes('not-the-password-x9'));
    assert.ok(!out.stderr.includes(server.password));
    assert.equal(out.stderr.split('\n').length, 2);
  });

  test('an unreachable server and an unknown database are one line each', async () => {
    const down = await run(['migrate', '--store', 'postgres://u:secret-pw@127.0.0.1:1/db']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: connection refused/);
    assert.ok(!down.stderr.includes('secret-pw'));
    const noDb = new URL(url);
    noDb.pathname = '/no_such_database';
    const missing = await run(['migrate', '--store', noDb.toString()]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no_such_database/);
    assert.ok(!missing.stderr.includes(server.password));
  });
});
