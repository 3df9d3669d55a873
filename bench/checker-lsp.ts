/**
 * The checker through the language server, end to end over JSON-RPC on stdio:
 * the startup check of a 1,000-rule workspace, edit → publishDiagnostics for a
 * 1,000-line rule (debounce set to 0), and completion round trips.
 * Run after `npm run build`: node --import tsx bench/checker-lsp.ts
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import {
  CompletionRequest,
  createMessageConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { WorkspaceCheckedNotification } from '../protocol/src/custom-messages';
import type { WorkspaceCheckedParams } from '../protocol/src/custom-messages';

const root = join(__dirname, '..');
const corpusDir = join(root, 'test', 'checker', 'corpus');

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms (${samples.length} runs)`;
}

function bigRule(): string {
  const out = ['local m = context.metrics'];
  for (let i = 0; out.length < 990; i++) {
    out.push(
      `local function check_${i}(ctx)`,
      '  local wsjf = ctx.metrics.wsjf_score or 0',
      `  if wsjf > ${i % 90} then`,
      `    return { decision = "autonomous", confidence = 0.9${i % 10}, reasoning = string.format("rule ${i}: %d", wsjf) }`,
      '  end',
      `  return { decision = "escalated", confidence = 0.${i % 7}, reasoning = "rule ${i} low" }`,
      'end',
    );
  }
  out.push('return check_0(context)');
  return out.join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-lsp-bench-'));
  const corpus = readdirSync(corpusDir).filter((n) => n.endsWith('.lua')).map((n) => readFileSync(join(corpusDir, n), 'utf8'));
  writeFileSync(join(dir, 'context.schema.json'), readFileSync(join(corpusDir, 'context.schema.json')));
  for (let i = 0; i < 1000; i++) {
    const sub = join(dir, `team${i % 10}`);
    if (i < 10) mkdirSync(sub);
    writeFileSync(join(sub, `rule_${i}.lua`), corpus[i % corpus.length]!);
  }
  const child = spawn(process.execPath, [join(root, 'cli', 'bin', 'lua-rules.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const versionWaiters = new Map<number, () => void>();
  let checked: (p: WorkspaceCheckedParams) => void = () => undefined;
  const workspaceChecked = new Promise<WorkspaceCheckedParams>((resolve) => (checked = resolve));
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    if (p.version !== undefined) versionWaiters.get(p.version)?.();
  });
  connection.onNotification(WorkspaceCheckedNotification, (p) => checked(p));
  connection.onRequest(() => null);
  connection.listen();
  try {
    const started = performance.now();
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      capabilities: {},
      initializationOptions: { settings: { diagnosticsDelayMs: 0, runFixtures: false } },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    const result = await workspaceChecked;
    console.log(`lsp: startup check of ${result.files} rules: ${(result.durationMs / 1000).toFixed(2)} s in the server, ${((performance.now() - started) / 1000).toFixed(2)} s from spawn  [target 3 s]`);

    const uri = pathToFileURL(join(dir, 'big.lua')).href;
    const text = bigRule();
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'lua', version: 1, text } });
    const edits: number[] = [];
    for (let v = 2; v < 62; v++) {
      const edited = text.replace(`wsjf > ${v % 90} then`, `wsjf > ${(v % 90) + 1} then`);
      const published = new Promise<void>((resolve) => versionWaiters.set(v, resolve));
      const t = performance.now();
      await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: v }, contentChanges: [{ text: edited }] });
      await published;
      edits.push(performance.now() - t);
    }
    console.log(`lsp: edit → publishDiagnostics, ${text.split('\n').length}-line rule (full-text change, debounce 0): ${stats(edits.slice(10))}  [target 20 ms]`);
    const completions: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 2, character: 'local wsjf = ctx.metrics.'.length + 2 } });
      completions.push(performance.now() - t);
    }
    console.log(`lsp: completion round trip in the 1,000-line rule: ${stats(completions.slice(10))}  [target 10 ms]`);
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
  } finally {
    connection.dispose();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
