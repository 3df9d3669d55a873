import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import {
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  CodeLensRequest,
} from 'vscode-languageserver-protocol/node';
import { LspTestClient, REPO_ROOT } from './lsp-client';

const corpusDir = join(REPO_ROOT, 'test', 'checker', 'corpus');
const corpus = readdirSync(corpusDir)
  .filter((name) => name.endsWith('.lua'))
  .map((name) => readFileSync(join(corpusDir, name), 'utf8'));

let client: LspTestClient | undefined;
after(() => client?.kill());

test('random and mutated documents never crash or hang the server', { timeout: 120_000 }, async () => {
  client = new LspTestClient(['--import', 'tsx', join(REPO_ROOT, 'server', 'src', 'stdio.ts')]);
  await client.connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { settings: { diagnosticsDelayMs: 0 } } });
  await client.connection.sendNotification(InitializedNotification.type, {});
  const uri = `file://${join(corpusDir, 'fuzzed.lua')}`;
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'lua', version: 1, text: corpus[0]! } });

  const mutated = fc.tuple(fc.nat({ max: corpus.length - 1 }), fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 12 })).map(([file, at, remove, insert]) => {
    const source = corpus[file]!;
    const i = at % (source.length + 1);
    return source.slice(0, i) + insert + source.slice(i + remove);
  });
  const texts = fc.sample(fc.oneof(mutated, fc.string({ maxLength: 300 }), fc.constantFrom('', '\u0000', 'return {', 'function f(', '"'.repeat(500), '('.repeat(3000))), { numRuns: 150, seed: 42 });
  const positions = fc.sample(fc.record({ line: fc.nat({ max: 30 }), character: fc.nat({ max: 80 }) }), { numRuns: 150, seed: 7 });

  const pending: Array<Promise<unknown>> = [];
  texts.forEach((text, i) => {
    void client!.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: i + 2 }, contentChanges: [{ text }] });
    const position = positions[i]!;
    if (i % 3 === 0) pending.push(client!.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }));
    if (i % 3 === 1) pending.push(client!.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position }));
    if (i % 3 === 2) pending.push(client!.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }));
    if (i % 10 === 0) pending.push(client!.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }));
  });
  await Promise.all(pending);
  // Still alive and current: a last valid version gets its own diagnostics.
  const lastVersion = texts.length + 2;
  await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: lastVersion }, contentChanges: [{ text: 'return "autonomous"' }] });
  const published = await client.waitFor<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.version === lastVersion);
  assert.deepEqual(published.diagnostics.map((d) => d.code), ['return-not-table']);
  assert.equal(client.child.exitCode, null, client.stderr);
});
