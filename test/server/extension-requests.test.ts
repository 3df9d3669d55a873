/**
 * The language server's requests for the VS Code extension, over a real JSON-RPC
 * connection to the spawned server with a real SQLite store: runs, publish (and its
 * refusal), history, version content, rollback, approval, and every bad input the
 * client can send. Also: a store that cannot be opened, a password that must not
 * leak, and a better-sqlite3 addon that does not load under the runtime in use.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import type { MessageConnection } from 'vscode-languageserver-protocol/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { HistoryResult, ListFixturesResult, PublishResult, RunRuleResult, StoreOverviewResult, StoreStatus, VersionChangeResult, VersionContentResult } from '../../protocol/src/custom-messages';
import { mergeStorePassword } from '../../store/src/store-url';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from '../store/pg-harness';
import { createLogins } from '../store/pg-logins';

const REPO = join(__dirname, '..', '..');
const uri = (path: string): string => pathToFileURL(path).href;

interface Server {
  connection: MessageConnection;
  request<R>(method: string, params?: unknown): Promise<R>;
  stop(): Promise<void>;
}

async function startServer(command: string[], env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, command, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  child.stderr.resume();
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onNotification(() => undefined);
  connection.onRequest(() => null);
  connection.listen();
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification('initialized', {});
  return {
    connection,
    request: <R>(method: string, params: unknown = {}) => connection.sendRequest(method, params) as Promise<R>,
    stop: async () => {
      await connection.sendRequest('shutdown').catch(() => undefined);
      await connection.sendNotification('exit').catch(() => undefined);
      connection.dispose();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else {
          child.once('exit', () => resolve());
          setTimeout(() => child.kill('SIGKILL'), 5000).unref();
        }
      });
    },
  };
}

const FROM_SOURCES = ['--import', 'tsx', join(REPO, 'server/src/stdio.ts'), '--stdio'];

describe('extension requests of the language server', { timeout: 120_000 }, () => {
  let dir: string;
  let server: Server;
  let rules: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-ext-'));
    rules = join(dir, 'rules');
    mkdirSync(rules);
    cpSync(join(REPO, 'test/e2e/workspace/rules'), rules, { recursive: true });
    server = await startServer(FROM_SOURCES, { LUA_RULES_STORE: 'sqlite:store/rules.db', LUA_RULES_STORE_CWD: dir, LUA_RULES_STORE_PASSWORD: '' });
  });

  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the store status names the backend, the file and the runtime', async () => {
    const status = await server.request<StoreStatus>('luaRules/storeStatus');
    assert.equal(status.state, 'connected');
    assert.equal(status.backend, 'sqlite');
    assert.equal(status.display, `sqlite:${join(dir, 'store', 'rules.db')}`);
    assert.match(status.runtime, new RegExp(`node ${process.version.replace(/\./g, '\\.')}`));
  });

  test('lists fixtures with their lines, from the rule or the fixtures file', async () => {
    const fromRule = await server.request<ListFixturesResult>('luaRules/listFixtures', { uri: uri(join(rules, 'needs_review.lua')) });
    assert.equal(fromRule.ruleName, 'needs_review');
    assert.deepEqual(fromRule.fixtures, [
      { name: 'small', line: 2, hasExpectations: true },
      { name: 'large', line: 3, hasExpectations: true },
    ]);
    const fromFixtures = await server.request<ListFixturesResult>('luaRules/listFixtures', { uri: uri(join(rules, 'epic_priority.fixtures.json')) });
    assert.equal(fromFixtures.ruleUri, uri(join(rules, 'epic_priority.rule.json')));
    assert.ok(fromFixtures.fixtures.length > 0);
  });

  test('runs fixtures and custom contexts; bad input is a one-line answer, not an exception', async () => {
    const run = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(rules, 'needs_review.lua')), fixtures: ['large'] });
    assert.ok(run.ok);
    assert.equal(run.outcomes.length, 1);
    assert.equal(run.outcomes[0]?.result.decision, 'collaborative');
    assert.deepEqual(run.outcomes[0]?.mismatches, []);
    assert.equal(run.outcomes[0]?.expected['reasoning'], 'contains "13 points"');

    const custom = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(rules, 'needs_review.lua')), context: { story_points: 1 } });
    assert.ok(custom.ok);
    assert.equal(custom.outcomes[0]?.result.confidence, 0.92);

    const badContext = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(rules, 'needs_review.lua')), context: [1, 2] });
    assert.ok(badContext.ok);
    assert.equal(badContext.outcomes[0]?.result.error?.code, 'invalid-context');

    const missing = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(rules, 'nope.lua')) });
    assert.deepEqual(missing, { ok: false, message: `${join(rules, 'nope.lua')}: file not found` });
    const notRule = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(dir, 'x.txt')) });
    assert.equal(notRule.ok, false);
    const unknownFixture = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(rules, 'needs_review.lua')), fixtures: ['nope'] });
    assert.equal(unknownFixture.ok, false);
  });

  test('publish, history, version content, rollback and approve against SQLite', async () => {
    const rule = uri(join(rules, 'epic_wsjf_validation.lua'));
    const first = await server.request<PublishResult>('luaRules/publish', { uri: rule, author: 'ann', message: 'first' });
    assert.deepEqual(first, { ok: true, rule: 'epic_wsjf_validation', version: 1, state: 'live', created: true, approvalsMissing: 0 });
    const again = await server.request<PublishResult>('luaRules/publish', { uri: rule, author: 'ann' });
    assert.ok(again.ok && !again.created && again.version === 1, 'unchanged content: no new version');

    const history = await server.request<HistoryResult>('luaRules/history', { rule: 'epic_wsjf_validation' });
    assert.ok(history.ok);
    assert.deepEqual(history.versions.map((v) => [v.number, v.author, v.message, v.state]), [[1, 'ann', 'first', 'live']]);
    const content = await server.request<VersionContentResult>('luaRules/versionContent', { rule: 'epic_wsjf_validation', version: 1 });
    assert.ok(content.ok && content.content.startsWith('---@rule epic_wsjf_validation'));
    const noVersion = await server.request<VersionContentResult>('luaRules/versionContent', { rule: 'epic_wsjf_validation', version: 9 });
    assert.deepEqual(noVersion, { ok: false, message: 'epic_wsjf_validation has no version 9' });
    const noRule = await server.request<HistoryResult>('luaRules/history', { rule: 'no_such_rule' });
    assert.equal(noRule.ok, false);

    const pending = await server.request<PublishResult>('luaRules/publish', { uri: uri(join(rules, 'needs_review.lua')), author: 'ann' });
    assert.ok(pending.ok && pending.state === 'pending' && pending.approvalsMissing === 1);
    const overview = await server.request<StoreOverviewResult>('luaRules/storeOverview');
    assert.ok(overview.ok);
    assert.deepEqual(overview.rules.find((r) => r.name === 'needs_review')?.pending.map((p) => [p.version, p.approvalsMissing, p.author]), [[1, 1, 'ann']]);
    const self = await server.request<VersionChangeResult>('luaRules/approve', { rule: 'needs_review', version: 1, author: 'ann' });
    assert.equal(self.ok, false);
    const approved = await server.request<VersionChangeResult>('luaRules/approve', { rule: 'needs_review', version: 1, author: 'bob' });
    assert.deepEqual(approved, { ok: true, rule: 'needs_review', version: 1, state: 'live', approvalsMissing: 0 });

    writeFileSync(join(rules, 'epic_wsjf_validation.lua'), content.content + '-- v2\n');
    const second = await server.request<PublishResult>('luaRules/publish', { uri: rule, author: 'ann', message: 'second' });
    assert.ok(second.ok && second.version === 2);
    const rolled = await server.request<VersionChangeResult>('luaRules/rollback', { rule: 'epic_wsjf_validation', toVersion: 1, author: 'ann' });
    assert.ok(rolled.ok && rolled.version === 3 && rolled.state === 'live');
    const badRollback = await server.request<VersionChangeResult>('luaRules/rollback', { rule: 'epic_wsjf_validation', toVersion: 42, author: 'ann' });
    assert.equal(badRollback.ok, false);
  });

  test('publish refuses a rule with check errors or failing fixtures, and one without an author', async () => {
    const broken = join(rules, 'broken.lua');
    writeFileSync(broken, '---@rule broken\n---@category epic\nreturn { decision = "maybe", confidence = 0.5, reasoning = "x" }\n');
    const refused = await server.request<PublishResult>('luaRules/publish', { uri: uri(broken), author: 'ann' });
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.refused);
    assert.match(refused.ok ? '' : refused.problems.join('\n'), /broken\.lua:3:\d+: error invalid-decision/);

    writeFileSync(join(rules, 'needs_review.fixtures.json'), JSON.stringify({ fixtures: [{ name: 'wrong', context: { story_points: 1 }, expect: { decision: 'escalated' } }] }));
    const failing = await server.request<PublishResult>('luaRules/publish', { uri: uri(join(rules, 'needs_review.lua')), author: 'ann' });
    assert.ok(!failing.ok && failing.refused && /fixture "wrong" failed: decision is autonomous, expected escalated/.test(failing.problems.join('\n')));

    const noCategory = join(rules, 'no_category.lua');
    writeFileSync(noCategory, 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }\n');
    const unstorable = await server.request<PublishResult>('luaRules/publish', { uri: uri(noCategory), author: 'ann' });
    assert.ok(!unstorable.ok && /category/.test(unstorable.message));

    const anonymous = await server.request<PublishResult>('luaRules/publish', { uri: uri(join(rules, 'epic_wsjf_validation.lua')), author: ' ' });
    assert.ok(!anonymous.ok && /no author/.test(anonymous.message));
  });

  test('converts a pattern rule and refuses to convert a Lua rule', async () => {
    const converted = await server.request<{ ok: boolean; lua?: string; message?: string }>('luaRules/convertPatternRule', { uri: uri(join(rules, 'epic_priority.rule.json')) });
    assert.ok(converted.ok && converted.lua?.startsWith('---@rule epic_priority'));
    const lua = await server.request<{ ok: boolean; message?: string }>('luaRules/convertPatternRule', { uri: uri(join(rules, 'needs_review.lua')) });
    assert.ok(!lua.ok && /already a Lua rule/.test(lua.message ?? ''));
  });
});

describe('a store the server cannot open', { timeout: 120_000 }, () => {
  test('an unreachable PostgreSQL: unavailable with a reason and no password; runs still work', async () => {
    const server = await startServer(FROM_SOURCES, { LUA_RULES_STORE: 'postgres://rules@127.0.0.1:1/rules', LUA_RULES_STORE_PASSWORD: 's3cret-pw' });
    try {
      const status = await server.request<StoreStatus>('luaRules/storeStatus');
      assert.equal(status.state, 'unavailable');
      assert.ok(status.message && status.message.length > 0);
      assert.ok(!JSON.stringify(status).includes('s3cret-pw'), JSON.stringify(status));
      const overview = await server.request<StoreOverviewResult>('luaRules/storeOverview');
      assert.ok(!overview.ok && !overview.message.includes('s3cret-pw'));
      const run = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(REPO, 'test/e2e/workspace/rules/needs_review.lua')) });
      assert.ok(run.ok, 'the language features do not depend on the store');
    } finally {
      await server.stop();
    }
  });

  test('no store configured: says how to configure one', async () => {
    const server = await startServer(FROM_SOURCES, { LUA_RULES_STORE: '' });
    try {
      assert.equal((await server.request<StoreStatus>('luaRules/storeStatus')).state, 'not-configured');
      const history = await server.request<HistoryResult>('luaRules/history', { rule: 'x' });
      assert.ok(!history.ok && /luaRules\.store\.url/.test(history.message));
    } finally {
      await server.stop();
    }
  });

  test('better-sqlite3 that does not load under the runtime: a clear message naming luaRules.runtime, not a crash', async () => {
    // The bundled server beside a better-sqlite3 whose addon cannot be loaded, as when
    // an addon built for Node runs under Electron (another ABI): dlopen fails.
    const dir = mkdtempSync(join(tmpdir(), 'lua-rules-abi-'));
    try {
      await build({ entryPoints: [join(REPO, 'server/src/stdio.ts')], outfile: join(dir, 'dist', 'server.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['better-sqlite3', 'pg-native', 'tsx/cjs'], mainFields: ['module', 'main'], logLevel: 'error' });
      const modules = join(dir, 'dist', 'node_modules');
      for (const pkg of ['better-sqlite3', 'bindings', 'file-uri-to-path']) cpSync(join(REPO, 'node_modules', pkg), join(modules, pkg), { recursive: true, filter: (p) => !p.includes(`${join('build', 'Release')}`) || p.endsWith('Release') });
      mkdirSync(join(modules, 'better-sqlite3', 'build', 'Release'), { recursive: true });
      writeFileSync(join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), 'not a shared object for this runtime');
      const server = await startServer([join(dir, 'dist', 'server.js'), '--stdio'], { LUA_RULES_STORE: `sqlite:${join(dir, 'rules.db')}` });
      try {
        const status = await server.request<StoreStatus>('luaRules/storeStatus');
        assert.equal(status.state, 'unavailable');
        assert.match(status.message ?? '', /better-sqlite3 does not load under this runtime \(node v\d+.*\)\. Fix: set "luaRules\.runtime" to a Node executable/);
        const run = await server.request<RunRuleResult>('luaRules/runRule', { uri: uri(join(REPO, 'test/e2e/workspace/rules/needs_review.lua')) });
        assert.ok(run.ok, 'the server keeps serving');
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('mergeStorePassword puts a SecretStorage password into a postgres URL without one', () => {
  assert.equal(mergeStorePassword('postgres://u@h:5432/db', 'p@ss'), 'postgres://u:p%40ss@h:5432/db');
  assert.equal(mergeStorePassword('postgres://u:own@h/db', 'other'), 'postgres://u:own@h/db');
  assert.equal(mergeStorePassword('sqlite:x.db', 'p'), 'sqlite:x.db');
  assert.equal(mergeStorePassword('postgres://u@h/db', undefined), 'postgres://u@h/db');
});

// Issue 14: on PostgreSQL the editor's writes are the database user's, whatever "luaRules.author" says.
describe("the editor's writes on PostgreSQL with roles", { skip: POSTGRES_SKIPPED, timeout: 120_000 }, () => {
  let pg: PgServer;
  let dir = '';
  const servers: Server[] = [];
  before(async () => {
    pg = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-ext-pg-'));
    cpSync(join(REPO, 'test/e2e/workspace/rules'), join(dir, 'rules'), { recursive: true });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await pg?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('publish and approve record the login, and self-approval is refused', async () => {
    const people = await createLogins(await pg.createDatabase(), { ann: ['lua_rules_author', 'lua_rules_approver'], bob: ['lua_rules_approver'] });
    const as = async (who: string): Promise<Server> => {
      const server = await startServer(FROM_SOURCES, { LUA_RULES_STORE: people.url(who), LUA_RULES_STORE_CWD: dir, LUA_RULES_STORE_PASSWORD: '' });
      servers.push(server);
      return server;
    };
    const ann = await as('ann');
    const bob = await as('bob');
    const rule = uri(join(dir, 'rules', 'needs_review.lua'));
    const pending = await ann.request<PublishResult>('luaRules/publish', { uri: rule, author: 'the-os-user' });
    assert.ok(pending.ok && pending.state === 'pending', JSON.stringify(pending));
    const self = await ann.request<VersionChangeResult>('luaRules/approve', { rule: 'needs_review', version: 1, author: 'someone-else' });
    assert.equal(self.ok, false);
    assert.match(self.ok ? '' : self.message, /wrote version 1 of "needs_review" and cannot approve it/);
    const approved = await bob.request<VersionChangeResult>('luaRules/approve', { rule: 'needs_review', version: 1, author: 'the-os-user' });
    assert.deepEqual(approved, { ok: true, rule: 'needs_review', version: 1, state: 'live', approvalsMissing: 0 });
    const history = await ann.request<HistoryResult>('luaRules/history', { rule: 'needs_review' });
    assert.ok(history.ok);
    assert.deepEqual(
      history.versions.map((v) => [v.number, v.author, v.approvals.map((a) => a.approver)]),
      [[1, people.name('ann'), [people.name('bob')]]],
    );
  });
});
