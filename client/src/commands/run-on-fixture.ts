import * as vscode from 'vscode';
import type { RunOutcome, RunRuleResult } from '../../../protocol/src/custom-messages';
import type { ServerApi } from '../server-api';
import { argProperty, isRuleUri, targetUri } from './targets';
import { ruleFileKind } from '../../../core/src/rules-folder/file-names';

const CUSTOM = 'Custom context from a JSON file…';

/**
 * One run as text: the result (a failed rule shows its failure, not its fallback
 * decision), the expected values when the fixture has them, the line that returned
 * the result, instructions and duration, what failed in the rule's terms, and the
 * explanation (the lines that ran with the context values read) when there is one.
 */
export function formatOutcome(ruleName: string, outcome: RunOutcome): string {
  const lines = [`▶ ${ruleName} — ${outcome.name === 'custom context' ? 'custom context' : `fixture "${outcome.name}"`}`];
  const field = (name: string, actual: string): void => {
    const expected = outcome.expected[name];
    const mismatch = outcome.mismatches.find((m) => m.field === name);
    lines.push(`  ${(name + ':').padEnd(13)} ${actual}${expected !== undefined ? `   (expected ${expected} ${mismatch ? '✗' : '✓'})` : ''}`);
  };
  const failed = outcome.result.error;
  if (failed) field('error', `${failed.code}: ${failed.message}`);
  field('decision', failed ? '— (the rule failed)' : outcome.result.decision);
  field('confidence', failed ? '—' : String(outcome.result.confidence));
  field('reasoning', failed ? '—' : outcome.result.reasoning);
  if (!failed && outcome.expected['error'] !== undefined) field('error', 'none');
  if (outcome.result.line !== null) lines.push(`  ${'returned at:'.padEnd(13)} line ${outcome.result.line}`);
  lines.push(`  ${'instructions:'.padEnd(13)} ${outcome.instructions}`, `  ${'duration:'.padEnd(13)} ${outcome.durationMs.toFixed(3)} ms`);
  if (outcome.hasExpectations) lines.push(outcome.mismatches.length === 0 ? '  PASSED' : `  FAILED: ${outcome.mismatches.map((m) => m.text).join('; ')}`);
  else if (failed) lines.push(`  FAILED: the rule failed (${failed.code}): ${failed.message}`);
  if (outcome.explain) lines.push('  lines run, in order (│ context values read):', ...outcome.explain);
  return lines.join('\n');
}

/** The notification for a run: information when it passed, a warning when a fixture's expectation was not met, an error when the rule failed. */
export function notifyOutcome(ruleName: string, outcome: RunOutcome): void {
  const stats = `${outcome.instructions} instructions, ${outcome.durationMs.toFixed(2)} ms`;
  const error = outcome.result.error;
  // A failure the fixture asked for (`"error": "<code>"`) is a pass.
  const unexpected = error !== null && (!outcome.hasExpectations || outcome.mismatches.some((m) => m.field === 'error'));
  if (error && unexpected) {
    void vscode.window.showErrorMessage(`${ruleName}: the rule failed (${error.code}): ${error.message}`);
  } else if (outcome.hasExpectations && outcome.mismatches.length > 0) {
    void vscode.window.showWarningMessage(`${ruleName}: fixture "${outcome.name}" FAILED: ${outcome.mismatches.map((m) => m.text).join('; ')}`);
  } else {
    const verdict = outcome.hasExpectations ? ' passed' : '';
    const where = outcome.result.line !== null ? ` at line ${outcome.result.line}` : '';
    void vscode.window.showInformationMessage(`${ruleName}: ${outcome.result.decision} (${outcome.result.confidence})${where}${verdict} — ${stats}`);
  }
}

/**
 * Run Rule on Fixture: picks one of the rule's fixtures (or a JSON file as a custom
 * context), runs the rule as the editor has it, and shows the result in the
 * "Lua Rules: Runs" output. Arguments `{uri, fixture}` or `{uri, contextFile}` skip
 * the pickers (for keybindings and tests); returns the server's result.
 */
export async function runOnFixture(api: ServerApi, output: vscode.OutputChannel, arg: unknown): Promise<RunRuleResult | undefined> {
  const uri = targetUri(arg);
  if (!uri || !(isRuleUri(uri) || ruleFileKind(uri.path) === 'fixtures')) {
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
  const result = await api.runRule({ uri: uri.toString(), explain: true, ...(context !== undefined ? { context } : { fixtures: fixture ? [fixture] : [] }) });
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: ${result.message}`);
    return result;
  }
  for (const outcome of result.outcomes) output.appendLine(formatOutcome(result.ruleName, outcome) + '\n');
  output.show(true);
  const first = result.outcomes[0];
  if (first) notifyOutcome(result.ruleName, first);
  return result;
}
