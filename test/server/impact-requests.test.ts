/**
 * The language server's impact analysis (issue 13) over a real JSON-RPC connection to
 * the spawned server with a real SQLite store: `luaRules/impact` replays the draft as
 * the editor has it (an unsaved edit counts), bad input is a one-line answer, and
 * `luaRules/publish` with an impact keeps the summary's fields only in the evidence.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { MessageConnection } from 'vscode-languageserver-protocol/node';
import { CancellationTokenSource, createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { ImpactResult, PublishResult } from '../../protocol/src/custom-messages';
import { openStore, type ExecutionLogRecord } from '../../store/src';

const REPO = join(__dirname, '..', '..');
const uri = (path: string): string => pathToFileURL(path).href;

const LIVE = `---@rule tiers
---@category c
local x = context.x
if x >= 10 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end
if x >= 5 then return { decision = "collaborative", confidence = 0.8, reasoning = "mid" } end
return { decision = "escalated", confidence = 0.3, reasoning = "low" }
`;
const DRAFT = LIVE.replace('if x >= 10', 'if x >= 8');

describe('impact analysis in the language server', { timeout: 120_000 }, () => {
  let dir = '';
  let connection: MessageConnection;
  let child: ReturnType<typeof spawn>;
  const request = <R>(method: string, params: unknown): Promise<R> => connection.sendRequest(method, params) as Promise<R>;
  const storeUrl = (): string => `sqlite:${join(dir, 'store', 'rules.db')}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-impact-server-'));
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'tiers.lua'), DRAFT);
    const store = openStore(storeUrl());
    await store.publish({ kind: 'lua', name: 'tiers', category: 'c', source: LIVE, origin: 'tiers.lua' }, { author: 'ann' });
    const records: ExecutionLogRecord[] = [];
    for (let x = 0; x <= 12; x++) records.push({ rule: 'tiers', version: 1, decision: x >= 10 ? 'autonomous' : x >= 5 ? 'collaborative' : 'escalated', confidence: 0.5, durationMs: 0.1, errorCode: null, correlationId: `r${x}`, engineId: 'e', category: 'c', context: { x }, at: new Date(Date.now() - 1000 * (20 - x)).toISOString() });
    // A second rule with many decisions, for a draft that loops on every one of them.
    await store.publish({ kind: 'lua', name: 'slow', category: 'c', source: LIVE.replace('---@rule tiers', '---@rule slow'), origin: 'slow.lua' }, { author: 'ann' });
    for (let i = 0; i < 2000; i++) records.push({ rule: 'slow', version: 1, decision: 'escalated', confidence: 0.3, durationMs: 0.1, errorCode: null, correlationId: `s${i}`, engineId: 'e', category: 'c', context: { x: 1 }, at: new Date(Date.now() - 1000 * 30 - i).toISOString() });
    await store.recordExecutions(records);
    await store.close();
    writeFileSync(join(dir, 'rules', 'slow.lua'), '---@rule slow\n---@category c\nwhile true do end\n');
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'server/src/stdio.ts'), '--stdio'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LUA_RULES_STORE: 'sqlite:store/rules.db', LUA_RULES_STORE_CWD: dir, LUA_RULES_STORE_PASSWORD: '' } });
    child.stderr?.resume();
    connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onNotification(() => undefined);
    connection.onRequest(() => null);
    connection.listen();
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    await connection.sendNotification('initialized', {});
  });

  after(async () => {
    await connection?.sendRequest('shutdown').catch(() => undefined);
    await connection?.sendNotification('exit').catch(() => undefined);
    connection?.dispose();
    if (child && child.exitCode === null) await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the draft on disk, then as edited in the editor', async () => {
    const result = await request<ImpactResult>('luaRules/impact', { uri: uri(join(dir, 'rules', 'tiers.lua')) });
    assert.ok(result.ok, JSON.stringify(result));
    // x = 8, 9 move from collaborative to autonomous.
    assert.deepEqual(result.report.transitions, { 'autonomous->autonomous': 3, 'collaborative->autonomous': 2, 'collaborative->collaborative': 3, 'escalated->escalated': 5 });
    assert.equal(result.headline, 'tiers: 2 of 13 decisions change (15.4%) against live version 1');
    assert.equal(result.summaryLines[0], result.headline);
    assert.deepEqual(result.report.examples.map((e) => e.context), [{ x: 9 }, { x: 8 }]);

    // An unsaved edit: autonomous from 0, so every non-autonomous decision changes.
    const edited = uri(join(dir, 'rules', 'tiers.lua'));
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: edited, languageId: 'lua', version: 1, text: LIVE.replace('if x >= 10', 'if x >= 0') } });
    const again = await request<ImpactResult>('luaRules/impact', { uri: edited });
    assert.ok(again.ok);
    assert.equal(again.report.changed, 10);
    await connection.sendNotification('textDocument/didClose', { textDocument: { uri: edited } });
  });

  test('a cancelled request stops the replay between two decisions', async () => {
    const source = new CancellationTokenSource();
    const pending = connection.sendRequest('luaRules/impact', { uri: uri(join(dir, 'rules', 'slow.lua')) }, source.token) as Promise<ImpactResult>;
    setTimeout(() => source.cancel(), 300);
    const result = await pending.catch((e: unknown) => ({ ok: false as const, message: String((e as Error).message) }));
    assert.equal(result.ok, false);
    // Either the handler's own answer or the protocol's "request cancelled": never 2,000 looping runs later.
    assert.match(result.ok ? '' : result.message, /cancelled after \d+ decisions|cancel/i);
    // The server still answers.
    const after = await request<ImpactResult>('luaRules/impact', { uri: uri(join(dir, 'rules', 'tiers.lua')) });
    assert.ok(after.ok);
  });

  test('bad input: one line, ok false', async () => {
    const missing = await request<ImpactResult>('luaRules/impact', { uri: uri(join(dir, 'rules', 'nope.lua')) });
    assert.deepEqual(missing, { ok: false, message: `${join(dir, 'rules', 'nope.lua')}: file not found` });
    writeFileSync(join(dir, 'rules', 'orphan.lua'), 'return { decision = "escalated", confidence = 0.1, reasoning = "x" }\n');
    const orphan = await request<ImpactResult>('luaRules/impact', { uri: uri(join(dir, 'rules', 'orphan.lua')) });
    assert.equal(orphan.ok, false);
    assert.match(orphan.ok ? '' : orphan.message, /orphan has no live version and no ---@category/);
    writeFileSync(join(dir, 'rules', 'broken.lua'), '---@rule tiers\n---@category c\nreturn {');
    const broken = await request<ImpactResult>('luaRules/impact', { uri: uri(join(dir, 'rules', 'broken.lua')) });
    assert.equal(broken.ok, false);
    assert.match(broken.ok ? '' : broken.message, /the draft of tiers does not load/);
  });

  test('publish with an impact: the evidence keeps the summary fields, not the examples or anything else', async () => {
    const result = await request<ImpactResult>('luaRules/impact', { uri: uri(join(dir, 'rules', 'tiers.lua')) });
    assert.ok(result.ok);
    const published = await request<PublishResult>('luaRules/publish', { uri: uri(join(dir, 'rules', 'tiers.lua')), author: 'bob', message: 'from 8', impact: { ...result.report, injected: 'x' } });
    assert.ok(published.ok, JSON.stringify(published));
    const store = openStore(storeUrl(), { readOnly: true });
    try {
      const version = await store.version('tiers', published.version);
      const impact = version.evidence?.impact as unknown as Record<string, unknown>;
      assert.equal(impact['changed'], 2);
      assert.equal(impact['replayed'], 13);
      assert.equal(impact['examples'], undefined);
      assert.equal(impact['injected'], undefined);
    } finally {
      await store.close();
    }
  });
});
