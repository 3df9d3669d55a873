/**
 * The custom protocol has one owner, protocol/src/custom-messages.ts: every request
 * there is handled by the server and sent by the client through the typed objects,
 * over real JSON-RPC the server knows each method, and no `luaRules/...` method name
 * is spelled as a string anywhere else in server/ or client/ (a string would bypass
 * the types and drift).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageSignature } from 'vscode-languageserver-protocol/node';
import { createMessageConnection, NotificationType, NotificationType0, RequestType, RequestType0, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import * as messages from '../../protocol/src/custom-messages';

const REPO = join(__dirname, '..', '..');

const requests = Object.entries<unknown>(messages).filter((e): e is [string, MessageSignature] => e[1] instanceof RequestType || e[1] instanceof RequestType0);
const notifications = Object.entries<unknown>(messages).filter((e): e is [string, MessageSignature] => e[1] instanceof NotificationType || e[1] instanceof NotificationType0);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('every custom request is handled by the server and sent by the client through its typed object', () => {
  assert.ok(requests.length >= 11 && notifications.length >= 4, 'the messages are found');
  const server = readFileSync(join(REPO, 'server/src/extension-requests.ts'), 'utf8');
  const client = readFileSync(join(REPO, 'client/src/server-api.ts'), 'utf8');
  for (const [name, type] of requests) {
    assert.ok(type.method.startsWith('luaRules/'), name);
    assert.ok(server.includes(`connection.onRequest(${name}, `), `the server handles ${name}`);
    assert.ok(client.includes(`sendRequest(${name}`), `the client sends ${name}`);
  }
  assert.equal(new Set([...requests, ...notifications].map(([, t]) => t.method)).size, requests.length + notifications.length, 'no method name is used twice');
});

test('no custom method name is spelled as a string outside protocol/', () => {
  for (const file of [...sources(join(REPO, 'server/src')), ...sources(join(REPO, 'client/src'))]) {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /['"`]luaRules\/\w+/, `${file.slice(REPO.length + 1)} names a method in a string`);
  }
});

test('over JSON-RPC the server knows every custom request (none answers "method not found")', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'server/src/stdio.ts'), '--stdio'], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LUA_RULES_STORE: '' } });
  child.stderr.resume();
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onNotification(() => undefined);
  connection.onRequest(() => null);
  connection.listen();
  try {
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    await connection.sendNotification('initialized', {});
    for (const [name, type] of requests) {
      // Minimal params: a handler may answer {ok: false} or fail on them, but it must exist.
      const params = { uri: 'file:///nowhere/x.lua', rule: 'x', version: 1, toVersion: 1, author: 'test' };
      // The method as the objects declare it, with params only where the type takes them.
      const sent = type.numberOfParams === 0 ? connection.sendRequest(type.method) : connection.sendRequest(type.method, params);
      const answer = await sent.then(
        () => 'answered',
        (e: unknown) => (e instanceof ResponseError && e.code === -32601 ? 'method not found' : 'answered'),
      );
      assert.equal(answer, 'answered', name);
    }
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill();
  }
});
