import * as vscode from 'vscode';
import type { RunOutcome, RunRuleResult } from '../../../server/src/extension-protocol';
import type { ServerApi } from '../server-api';
import { argProperty, isRuleUri, targetUri } from './targets';

const CUSTOM = 'Custom context from a JSON file…';

/** One run as text: the result, the expected values when the fixture has them, instructions and duration. */
export function formatOutcome(ruleName: string, outcome: RunOutcome): string {
  const lines = [`▶ ${ruleName} — ${outcome.name === 'custom context' ? 'custom context' : `fixture "${outcome.name}"`}`];
  const field = (name: string, actual: string): void => {
    const expected = outcome.expected[name];
    const mismatch = outcome.mismatches.find((m) => m.field === name);
    lines.push(`  ${(name + ':').padEnd(13)} ${actual}${expected !== undefined ? `   (expected ${expected} ${mismatch ? '✗' : '✓'})` : ''}`);
  };
  field('decision', outcome.result.decision);
  field('confidence', String(outcome.result.confidence));
  field('reasoning', outcome.result.reasoning);
  if (outcome.result.error || outcome.expected['error'] !== undefined) field('error', outcome.result.error ? `${outcome.result.error.code}: ${outcome.result.error.message}` : 'none');
  lines.push(`  ${'instructions:'.padEnd(13)} ${outcome.instructions}`, `  ${'duration:'.padEnd(13)} ${outcome.durationMs.toFixed(3)} ms`);
  if (outcome.hasExpectations) lines.push(outcome.mismatches.length === 0 ? '  PASSED' : `  FAILED: ${outcome.mismatches.map((m) => `${m.field} expected ${m.expected}, got ${m.actual}`).join('; ')}`);
  return lines.join('\n');
}

/**
 * Run Rule on Fixture: picks one of the rule's fixtures (or a JSON file as a custom
 * context), runs the rule as the editor has it, and shows the result in the
 * "Lua Rules: Runs" output. Arguments `{uri, fixture}` or `{uri, contextFile}` skip
 * the pickers (for keybindings and tests); returns the server's result.
 */
export async function runOnFixture(api: ServerApi, output: vscode.OutputChannel, arg: unknown): Promise<RunRuleResult | undefined> {
  const uri = targetUri(arg);
  if (!uri || !(isRuleUri(uri) || uri.path.endsWith('.fixtures.json'))) {
    // (also reached for a fixtures file's own URI)
    void vscode.window.showErrorMessage('Lua Rules: open a rule (*.lua or *.rule.json) to run it on a fixture');
    return undefined;
  }
  let fixture = argProperty<string>(arg, 'fixture', 'string');
  let contextFile = argProperty<string>(arg, 'contextFile', 'string');
  let context = argProperty<object>(arg, 'context', 'object');
  if (fixture === undefined && contextFile === undefined && context === undefined) {
    const listed = await api.listFixtures(uri.toString());
    const items: vscode.QuickPickItem[] = listed.fixtures.map((f) => ({ label: f.name, description: f.hasExpectations ? 'has expectations' : '' }));
    items.push({ label: CUSTOM, alwaysShow: true });
    const picked = await vscode.window.showQuickPick(items, { title: `Run ${listed.ruleName} on…`, placeHolder: listed.problems.length > 0 ? `fixtures file has problems: ${listed.problems[0]}` : 'a fixture, or a custom context' });
    if (!picked) return undefined;
    if (picked.label === CUSTOM) {
      const files = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'JSON context': ['json'] }, title: 'Context for the rule (a JSON object)' });
      if (!files?.[0]) return undefined;
      contextFile = files[0].fsPath;
    } else fixture = picked.label;
  }
  if (contextFile !== undefined) {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(contextFile)));
    } catch (e) {
      void vscode.window.showErrorMessage(`Lua Rules: cannot read ${contextFile}: ${(e as Error).message}`);
      return { ok: false, message: `cannot read ${contextFile}` };
    }
    try {
      context = JSON.parse(text) as object;
    } catch (e) {
      void vscode.window.showErrorMessage(`Lua Rules: ${contextFile} is not valid JSON: ${(e as Error).message}`);
      return { ok: false, message: `${contextFile} is not valid JSON` };
    }
    if (typeof context !== 'object' || context === null || Array.isArray(context)) {
      void vscode.window.showErrorMessage(`Lua Rules: ${contextFile} must hold a JSON object (the rule's context)`);
      return { ok: false, message: `${contextFile} is not a JSON object` };
    }
  }
  const result = await api.runRule({ uri: uri.toString(), ...(context !== undefined ? { context } : { fixtures: fixture ? [fixture] : [] }) });
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: ${result.message}`);
    return result;
  }
  for (const outcome of result.outcomes) output.appendLine(formatOutcome(result.ruleName, outcome) + '\n');
  output.show(true);
  const first = result.outcomes[0];
  if (first) {
    const verdict = first.hasExpectations ? (first.mismatches.length === 0 ? 'passed' : 'FAILED') : '';
    void vscode.window.showInformationMessage(`${result.ruleName}: ${first.result.decision} (${first.result.confidence}) ${verdict} — ${first.instructions} instructions, ${first.durationMs.toFixed(2)} ms`);
  }
  return result;
}
