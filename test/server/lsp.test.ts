import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, CodeLens, CompletionItem, CompletionList, Diagnostic, DocumentSymbol, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  FileChangeType,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';
import { FixturesRanNotification, WorkspaceCheckedNotification } from '../../protocol/src/custom-messages';
import type { FixturesRanParams, WorkspaceCheckedParams } from '../../protocol/src/custom-messages';
import { LspTestClient, REPO_ROOT } from './lsp-client';

const SCHEMA = {
  type: 'object',
  properties: {
    metrics: {
      type: 'object',
      description: 'Scores from the planning system.',
      properties: { wsjf_score: { type: 'number', description: 'Weighted shortest job first score.' }, business_value: { type: 'number' } },
    },
  },
};

const RULE = [
  '---@rule epic',
  '---@category epic',
  'function validate_epic(ctx)',
  '  local wsjf = ctx.metrics.wsjf_scor or 0',
  '  if wsjf > 50 then',
  '    return { decision = "autonomous", confidence = 0.95, reasoning = "high WSJF" }',
  '  end',
  '  return { decision = "escalated", confidence = 0.5, reasoning = "low WSJF" }',
  'end',
  'return validate_epic(context)',
].join('\n');

const FIXTURES = {
  fixtures: [
    { name: 'high-wsjf', context: { metrics: { wsjf_score: 60 } }, expect: { decision: 'autonomous', confidence: 0.95 } },
    { name: 'low-wsjf', context: { metrics: { wsjf_score: 10 } }, expect: { decision: 'escalated' } },
  ],
};

let workspace: string;
let client: LspTestClient;
let ruleUri: string;

/** The CLI entry when it is built and has the lsp command, else the server's own stdio module. */
function serverCommand(): string[] {
  const index = join(REPO_ROOT, 'out', 'cli', 'src', 'commands', 'index.js');
  if (existsSync(index) && readFileSync(index, 'utf8').includes('lspCommand')) return [join(REPO_ROOT, 'cli', 'bin', 'lua-rules.js'), 'lsp', '--stdio'];
  return ['--import', 'tsx', join(REPO_ROOT, 'server', 'src', 'stdio.ts')];
}

function diagnosticsFor(uri: string, predicate: (d: Diagnostic[]) => boolean = () => true, after = 0): Promise<PublishDiagnosticsParams> {
  return client.waitFor<PublishDiagnosticsParams>('textDocument/publishDiagnostics', (p) => p.uri === uri && predicate(p.diagnostics), after);
}

before(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'lua-rules-lsp-'));
  writeFileSync(join(workspace, 'context.schema.json'), JSON.stringify(SCHEMA));
  writeFileSync(join(workspace, 'epic.lua'), RULE);
  writeFileSync(join(workspace, 'epic.fixtures.json'), JSON.stringify(FIXTURES, null, 2));
  writeFileSync(join(workspace, 'broken.lua'), 'return "autonomous"\n');
  ruleUri = pathToFileURL(join(workspace, 'epic.lua')).href;
  client = new LspTestClient(serverCommand());
  await client.connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(workspace).href,
    workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'rules' }],
    capabilities: { window: { workDoneProgress: true }, workspace: { codeLens: { refreshSupport: true } } },
    initializationOptions: { settings: { fixturesDelayMs: 0, diagnosticsDelayMs: 10 } },
  });
  await client.connection.sendNotification(InitializedNotification.type, {});
});

after(() => {
  client?.kill();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

test('initialize: the workspace is checked at startup with progress, closed files get diagnostics', async () => {
  const checked = await client.waitFor<WorkspaceCheckedParams>(WorkspaceCheckedNotification.method);
  assert.equal(checked.files, 3);
  const broken = await diagnosticsFor(pathToFileURL(join(workspace, 'broken.lua')).href);
  assert.deepEqual(
    broken.diagnostics.map((d) => [d.code, d.source, d.severity, d.range.start.line]),
    [['return-not-table', 'lua-rules', 1, 0]],
  );
  assert.ok(client.serverRequests.some((r) => r.method === 'window/workDoneProgress/create'));
  const progress = client.notifications.filter((n) => n.method === '$/progress').map((n) => (n.params as { value: { kind: string } }).value.kind);
  assert.deepEqual([progress[0], progress[progress.length - 1]], ['begin', 'end']);
});

test('didOpen publishes diagnostics with the check code and source', async () => {
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: ruleUri, languageId: 'lua', version: 1, text: RULE } });
  const published = await diagnosticsFor(ruleUri, (d) => d.length > 0);
  assert.deepEqual(published.diagnostics.map((d) => ({ code: d.code, source: d.source, range: d.range, message: d.message })), [
    {
      code: 'unknown-context-field',
      source: 'lua-rules',
      range: { start: { line: 3, character: 27 }, end: { line: 3, character: 36 } },
      message: 'context.metrics has no field `wsjf_scor` in context.schema.json (did you mean `wsjf_score`?)',
    },
  ]);
});

test('code action: the did-you-mean replacement', async () => {
  const published = await diagnosticsFor(ruleUri, (d) => d.length > 0);
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: ruleUri },
    range: published.diagnostics[0]!.range,
    context: { diagnostics: published.diagnostics },
  })) as CodeAction[];
  assert.deepEqual(
    actions.map((a) => [a.title, a.kind, a.edit?.changes?.[ruleUri]]),
    [['Change to `wsjf_score`', 'quickfix', [{ range: { start: { line: 3, character: 27 }, end: { line: 3, character: 36 } }, newText: 'wsjf_score' }]]],
  );
});

test('fixtures run after the edit: code lenses show what each returned', async () => {
  await client.waitFor<FixturesRanParams>(FixturesRanNotification.method, (p) => p.uri === ruleUri);
  const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: ruleUri } })) as CodeLens[];
  // The typo makes wsjf 0 for every context, so high-wsjf fails.
  assert.deepEqual(lenses.map((l) => l.command?.title), ['✗ high-wsjf → escalated 0.5 (line 8)', '✓ low-wsjf → escalated 0.5 (line 8)']);
  const published = await diagnosticsFor(ruleUri, (d) => d.some((x) => x.code === 'fixture-failed'));
  assert.deepEqual(
    published.diagnostics.filter((d) => d.code === 'fixture-failed').map((d) => d.message),
    ['fixture "high-wsjf" failed: decision is escalated, expected autonomous; confidence is 0.5, expected 0.95'],
  );
});

test('didChange: fixing the typo updates diagnostics and fixture results', async () => {
  const mark = client.notifications.length;
  const fixed = RULE.replace('wsjf_scor ', 'wsjf_score ');
  await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: ruleUri, version: 2 }, contentChanges: [{ text: fixed }] });
  await client.waitFor<FixturesRanParams>(FixturesRanNotification.method, (p) => p.uri === ruleUri && p.version === 2 && p.passed === 2, mark);
  const published = await diagnosticsFor(ruleUri, (d) => d.length === 0, mark);
  assert.deepEqual(published.diagnostics, []);
  const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: ruleUri } })) as CodeLens[];
  assert.deepEqual(lenses.map((l) => l.command?.title), ['✓ high-wsjf → autonomous 0.95 (line 6)', '✓ low-wsjf → escalated 0.5 (line 8)']);
});

test('completion: context paths through the parameter alias, and decision values', async () => {
  const text = RULE.replace('wsjf_scor ', 'wsjf_score ').replace('  local wsjf', '  local m = ctx.metrics.\n  local wsjf');
  const mark = client.notifications.length;
  await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: ruleUri, version: 3 }, contentChanges: [{ text }] });
  await diagnosticsFor(ruleUri, () => true, mark);
  const result = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: ruleUri }, position: { line: 3, character: 24 } })) as CompletionItem[] | CompletionList;
  const items = Array.isArray(result) ? result : result.items;
  assert.deepEqual(items.map((i) => [i.label, i.detail]), [['wsjf_score', 'number'], ['business_value', 'number']]);
  const decisions = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: ruleUri }, position: { line: 6, character: 25 } })) as CompletionItem[];
  assert.deepEqual(decisions.map((i) => i.label), ['autonomous', 'collaborative', 'escalated']);
  // Back to the fixed rule for the next tests.
  const back = client.notifications.length;
  await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: ruleUri, version: 4 }, contentChanges: [{ text: RULE.replace('wsjf_scor ', 'wsjf_score ') }] });
  await diagnosticsFor(ruleUri, (d) => d.length === 0, back);
});

test('hover: a context field with type and description, a decision with its band', async () => {
  const field = (await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: ruleUri }, position: { line: 3, character: 30 } })) as Hover;
  assert.deepEqual(field.contents, { kind: 'markdown', value: '**context.metrics.wsjf_score**: `number`\n\nWeighted shortest job first score.' });
  const decision = (await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: ruleUri }, position: { line: 5, character: 26 } })) as Hover;
  assert.match((decision.contents as { value: string }).value, /^\*\*autonomous\*\* \(band: confidence >= 0\.9\)/);
});

test('document symbols', async () => {
  const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: ruleUri } })) as DocumentSymbol[];
  assert.deepEqual(symbols.map((s) => [s.name, s.kind]), [['validate_epic', 12], ['return', 24]]);
});

test('bad input: a broken document and requests for unknown documents do not break the server', async () => {
  const mark = client.notifications.length;
  await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: ruleUri, version: 5 }, contentChanges: [{ text: 'function (' }] });
  const published = await diagnosticsFor(ruleUri, (d) => d.some((x) => x.code === 'syntax-error'), mark);
  assert.equal(published.diagnostics[0]!.code, 'syntax-error');
  const unknown = 'file:///nowhere/else.lua';
  assert.deepEqual(await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: unknown }, position: { line: 0, character: 0 } }), []);
  assert.equal(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: unknown }, position: { line: 0, character: 0 } }), null);
  const hoverBroken = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: ruleUri }, position: { line: 99, character: 99 } });
  assert.equal(hoverBroken, null);
});

test('code action: add a missing field', async () => {
  const uri = pathToFileURL(join(workspace, 'short.lua')).href;
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'lua', version: 1, text: 'return { decision = "escalated", confidence = 0.5 }' } });
  const published = await diagnosticsFor(uri, (d) => d.length > 0);
  assert.deepEqual(published.diagnostics.map((d) => d.code), ['missing-field']);
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: published.diagnostics[0]!.range, context: { diagnostics: published.diagnostics } })) as CodeAction[];
  assert.deepEqual(
    actions.map((a) => [a.title, a.edit?.changes?.[uri]]),
    [['Add `reasoning`', [{ range: { start: { line: 0, character: 49 }, end: { line: 0, character: 49 } }, newText: ', reasoning = "TODO: explain the decision"' }]]],
  );
});

test('a pattern rule with fixtures gets lenses too', async () => {
  const path = join(workspace, 'wsjf.rule.json');
  writeFileSync(join(workspace, 'wsjf.fixtures.json'), JSON.stringify({ fixtures: [{ name: 'high', context: { metrics: { wsjf_score: 100 } }, expect: { decision: 'autonomous' } }] }));
  const text = JSON.stringify({ category: 'epic', patterns: [{ type: 'metric', metric: 'wsjf_score', threshold: 50, weight: 0.9 }] });
  writeFileSync(path, text);
  const uri = pathToFileURL(path).href;
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'json', version: 1, text } });
  await client.waitFor<FixturesRanParams>(FixturesRanNotification.method, (p) => p.uri === uri);
  const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
  assert.deepEqual(lenses.map((l) => l.command?.title), ['✓ high → autonomous 0.9']);
});

test('watched files: a closed rule changed on disk is rechecked, a deleted one cleared', async () => {
  const path = join(workspace, 'changed.lua');
  const uri = pathToFileURL(path).href;
  writeFileSync(path, 'return { decision = "escalated", confidence = 50, reasoning = "x" }');
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri, type: FileChangeType.Created }] });
  const found = await diagnosticsFor(uri, (d) => d.length > 0);
  assert.deepEqual(found.diagnostics.map((d) => d.code), ['confidence-out-of-range']);
  const mark = client.notifications.length;
  rmSync(path);
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri, type: FileChangeType.Deleted }] });
  const cleared = await diagnosticsFor(uri, (d) => d.length === 0, mark);
  assert.deepEqual(cleared.diagnostics, []);
});

test('shutdown and exit end the process cleanly', async () => {
  await client.connection.sendRequest(ShutdownRequest.type);
  await client.connection.sendNotification(ExitNotification.type);
  assert.equal(await client.exited(), 0);
});
