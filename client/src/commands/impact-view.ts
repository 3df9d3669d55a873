import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ImpactExampleView, ImpactReportView, ImpactResult, RunRuleResult } from '../../../protocol/src/custom-messages';
import type { ServerApi } from '../server-api';
import { runOnFixture } from './run-on-fixture';
import { isRuleUri, targetUri } from './targets';

/**
 * "Lua Rules: Show Impact of This Draft" (issue 13, docs/impact.md): the rule as the
 * editor has it replayed on the store's captured decisions beside its live version,
 * shown in a webview panel: the summary, the transition table, the confidence shift
 * and the examples with their contexts. A webview rather than a text document because
 * each example has a button that runs the draft on its context, through the same path
 * as "Run Rule on Fixture…" with a custom context (the result goes to the "Lua Rules:
 * Runs" output). The page runs one small script, under a nonce, and only posts the
 * index of the clicked example back; nothing in the page comes unescaped from data.
 */

export interface ImpactViewContext {
  api: ServerApi;
  output: vscode.OutputChannel;
}

/** The panel of each rule file, reused when the command runs again. */
const panels = new Map<string, { panel: vscode.WebviewPanel; report: ImpactReportView }>();

/** What the command returns (tests use it): the server's answer. */
export async function showImpact(ctx: ImpactViewContext, arg: unknown): Promise<ImpactResult | undefined> {
  const uri = targetUri(arg);
  if (!uri || !isRuleUri(uri)) {
    void vscode.window.showErrorMessage('Lua Rules: open a rule (*.lua or *.rule.json) to show the impact of its draft');
    return undefined;
  }
  const result = await computeImpact(ctx.api, uri);
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: impact not available: ${result.message}`);
    return result;
  }
  openPanel(ctx, uri, result);
  return result;
}

/** The server's impact analysis of the rule as the editor has it, with a progress notification. */
export function computeImpact(api: ServerApi, uri: vscode.Uri): Thenable<ImpactResult> {
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  // Cancellable: a draft that runs to its limits on every context can take minutes.
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Lua Rules: replaying captured decisions through ${name}…`, cancellable: true }, (_progress, token) =>
    api.impact({ uri: uri.toString() }, token).catch((e: unknown): ImpactResult => ({ ok: false, message: token.isCancellationRequested ? 'cancelled' : (e as Error).message })),
  );
}

/** Runs the draft on one example's context, the "Run Rule on Fixture…" way. */
export function runExample(ctx: ImpactViewContext, uri: vscode.Uri, example: ImpactExampleView): Promise<RunRuleResult | undefined> {
  return runOnFixture(ctx.api, ctx.output, { uri, context: example.context as object });
}

function openPanel(ctx: ImpactViewContext, uri: vscode.Uri, result: Extract<ImpactResult, { ok: true }>): void {
  const key = uri.toString();
  const title = `Impact: ${result.report.rule}`;
  let entry = panels.get(key);
  if (entry) {
    entry.report = result.report;
    entry.panel.title = title;
    entry.panel.reveal(vscode.ViewColumn.Beside, true);
  } else {
    const panel = vscode.window.createWebviewPanel('luaRules.impact', title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [] });
    const created = { panel, report: result.report };
    entry = created;
    panels.set(key, created);
    panel.onDidDispose(() => panels.delete(key));
    panel.webview.onDidReceiveMessage((message: unknown) => {
      const index = typeof message === 'object' && message !== null ? (message as { run?: unknown }).run : undefined;
      if (typeof index !== 'number') return;
      const all = [...created.report.examples, ...created.report.notReproducedExamples];
      const example = all[index];
      if (example) void runExample(ctx, uri, example);
    });
  }
  entry.panel.webview.html = impactHtml(result, uri, randomBytes(16).toString('base64'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function answerHtml(answer: ImpactExampleView['live']): string {
  if (answer.label === 'none') return '<em>no live version</em>';
  if (answer.error) return `<span class="error">error ${escapeHtml(answer.error.code)}</span>: ${escapeHtml(answer.error.message)}`;
  return `<b>${escapeHtml(answer.label)}</b> ${answer.confidence} — ${escapeHtml(answer.reasoning)}`;
}

function exampleHtml(example: ImpactExampleView, index: number): string {
  const when = [example.at, example.correlationId ? `correlation ${example.correlationId}` : null, `logged by v${example.logged.version} as ${example.logged.label}`].filter((p) => p !== null).join(' · ');
  return `<div class="example">
  <div class="example-head"><b>${escapeHtml(example.transition.replace('->', ' → '))}</b> <span class="muted">${escapeHtml(when)}</span>
  <button class="run" data-index="${index}">Run the draft on this context</button></div>
  <table><tr><th>live</th><td>${answerHtml(example.live)}</td></tr><tr><th>draft</th><td>${answerHtml(example.draft)}</td></tr></table>
  <pre>${escapeHtml(JSON.stringify(example.context, null, 2) ?? 'undefined')}</pre>
</div>`;
}

/** The page: everything escaped; one script, allowed by its nonce, posts `{run: index}`. */
export function impactHtml(result: Extract<ImpactResult, { ok: true }>, uri: vscode.Uri, nonce: string): string {
  const r = result.report;
  const rows = Object.entries(r.transitions)
    .map(([key, count]) => ({ key, count, changed: key.split('->')[0] !== key.split('->')[1] }))
    .sort((a, b) => Number(b.changed) - Number(a.changed) || b.count - a.count)
    .map((t) => `<tr class="${t.changed ? 'changed' : ''}"><td>${escapeHtml(t.key.replace('->', ' → '))}</td><td class="num">${t.count}</td><td>${t.changed ? 'changed' : ''}</td></tr>`)
    .join('');
  const c = r.confidence;
  const confidence =
    c.mean !== null && c.meanLive !== null && c.meanDraft !== null
      ? `<p>Confidence: mean ${c.meanLive.toFixed(4)} → ${c.meanDraft.toFixed(4)} (${c.mean >= 0 ? '+' : ''}${c.mean.toFixed(4)}). ${Object.entries(c.distribution)
          .map(([bucket, n]) => `${escapeHtml(bucket)}: ${n}`)
          .join(', ')}</p>`
      : c.meanDraft !== null
        ? `<p>Confidence: mean ${c.meanDraft.toFixed(4)}</p>`
        : '';
  const examples = r.examples.map((e, i) => exampleHtml(e, i)).join('');
  const notReproduced = r.notReproducedExamples.map((e, i) => exampleHtml(e, r.examples.length + i)).join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<title>${escapeHtml(`Impact: ${r.rule}`)}</title>
<style>
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 1em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
.num { text-align: right; } tr.changed td { font-weight: bold; } .muted { opacity: .75; } .error { color: var(--vscode-errorForeground); }
.example { border-top: 1px solid var(--vscode-panel-border); padding: .5em 0; }
pre { background: var(--vscode-textCodeBlock-background); padding: .5em; max-height: 16em; overflow: auto; }
button { margin-left: 1em; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 3px 8px; cursor: pointer; }
</style></head>
<body>
<h2 id="headline">${escapeHtml(result.headline)}</h2>
<p class="muted">${escapeHtml(uri.path.slice(uri.path.lastIndexOf('/') + 1))} (as in the editor) against ${r.liveVersion === null ? 'no live version' : `live version ${r.liveVersion}`} · store ${escapeHtml(result.store)} · ${r.replayed} contexts replayed${r.skipped > 0 ? `, ${r.skipped} without a context skipped` : ''} · since ${escapeHtml(r.window.since ?? 'ever')} · ${r.durationMs} ms</p>
${r.replayed === 0 ? '<p>No captured contexts to replay: run serve with the decision log capturing contexts (docs/impact.md).</p>' : `<h3>Transitions (live → draft)</h3><table id="transitions"><tr><th>transition</th><th>count</th><th></th></tr>${rows}</table>`}
${confidence}
${r.liveVersion !== null && r.replayed > 0 ? `<p>${r.notReproduced === 0 ? `Live version ${r.liveVersion} reproduces every logged answer.` : `Not reproduced: ${r.notReproduced} (live version ${r.liveVersion} now answers otherwise than the log; ${r.loggedByLive} of ${r.replayed} were logged by it).`}</p>` : ''}
${examples ? `<h3>Examples (the first of each changed transition)</h3>${examples}` : ''}
${notReproduced ? `<h3>Not reproduced by the live version</h3>${notReproduced}` : ''}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
for (const button of document.querySelectorAll('button.run')) button.addEventListener('click', () => vscode.postMessage({ run: Number(button.dataset.index) }));
</script>
</body></html>`;
}
