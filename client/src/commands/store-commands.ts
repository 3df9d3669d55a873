import * as vscode from 'vscode';
import type { HistoryResult, PublishCheckResult, PublishResult, VersionChangeResult, VersionSummary } from '../../../protocol/src/custom-messages';
import type { ServerApi } from '../server-api';
import { readableTime } from '../format-time';
import { versionUri } from '../version-documents';
import { argProperty, findRuleFile, isRuleUri, targetUri } from './targets';
import { ruleFileKind, ruleFileNames } from '../../../core/src/rules-folder/file-names';
import { computeImpact } from './impact-view';

const PUBLISH = 'Publish';
const SHOW_IMPACT = 'Show Impact';

export interface StoreCommandContext {
  api: ServerApi;
  output: vscode.OutputChannel;
  author: () => string;
}

function versionLabel(v: VersionSummary): string {
  const missing = Math.max(0, v.requiredApprovals - v.approvals.length);
  return `v${v.number} · ${v.state === 'pending' ? `pending (${missing} approval${missing === 1 ? '' : 's'} missing)` : v.state}${v.rollbackOf !== null ? ` · rollback to v${v.rollbackOf}` : ''}`;
}

/** The rule name a command applies to: an argument, a rule file, or a pick from the store's rules. */
async function ruleName(ctx: StoreCommandContext, arg: unknown): Promise<string | undefined> {
  const given = argProperty<string>(arg, 'rule', 'string');
  if (given) return given;
  const uri = targetUri(arg);
  if (uri && isRuleUri(uri)) return (await ctx.api.listFixtures(uri.toString())).ruleName;
  const overview = await ctx.api.storeOverview();
  if (!overview.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: ${overview.message}`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    overview.rules.map((r) => ({ label: r.name, description: `${r.category} · v${r.liveVersion ?? '-'} · ${r.status}` })),
    { title: 'Which rule?' },
  );
  return picked?.label;
}

/**
 * Publish Rule: saves the file, then checks first (can be stored, the gate's checks
 * and fixtures, changed since the head version), so nobody types a message for a
 * rule that is refused or unchanged; then works out the impact (issue 13) and, when
 * there were captured decisions to replay, shows its summary in a modal to confirm
 * (or open the impact view); then asks for the message naming the rule,
 * publishes with progress, and shows the new version or the pending approval.
 * Refused: the findings go to the output and an error message. `{uri, message}`
 * skips the prompt.
 */
export async function publishRule(ctx: StoreCommandContext, arg: unknown): Promise<PublishResult | PublishCheckResult | undefined> {
  const uri = targetUri(arg);
  if (!uri || !isRuleUri(uri)) {
    void vscode.window.showErrorMessage('Lua Rules: open a rule (*.lua or *.rule.json) to publish it');
    return undefined;
  }
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty && !(await open.save())) {
    void vscode.window.showErrorMessage('Lua Rules: save the rule before publishing it');
    return undefined;
  }
  const checked = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Lua Rules: checking and testing before publishing…' }, () => ctx.api.publishCheck(uri.toString()));
  if (!checked.ok) {
    reportRefusal(ctx, checked);
    return checked;
  }
  if (checked.unchanged && checked.headVersion !== null) {
    const result: PublishResult = { ok: true, rule: checked.rule, version: checked.headVersion, state: checked.headState ?? 'live', created: false, approvalsMissing: 0 };
    void vscode.window.showInformationMessage(`${checked.rule} is unchanged since version ${checked.headVersion} (${checked.headState ?? 'live'}): nothing to publish`);
    return result;
  }
  let message = argProperty<string>(arg, 'message', 'string');
  // Issue 13: what the draft would change on captured traffic, shown before confirming and kept in the evidence.
  const impact = await computeImpact(ctx.api, uri);
  if (impact.ok) ctx.output.appendLine(`impact of publishing ${checked.rule}:\n${impact.summaryLines.join('\n')}`);
  if (message === undefined && impact.ok && impact.report.replayed > 0) {
    const choice = await vscode.window.showInformationMessage(`Publish ${checked.rule}? ${impact.headline}`, { modal: true, detail: impact.summaryLines.slice(1).join('\n') }, PUBLISH, SHOW_IMPACT);
    if (choice === SHOW_IMPACT) await vscode.commands.executeCommand('luaRules.showImpact', uri);
    if (choice !== PUBLISH) return undefined;
  }
  if (message === undefined) {
    const next = (checked.headVersion ?? 0) + 1;
    const impactNote = impact.ok ? (impact.report.replayed > 0 ? ` Impact: ${impact.headline}.` : ' No captured decisions to show an impact on.') : ` Impact not available: ${impact.message}.`;
    message = await vscode.window.showInputBox({
      title: `Publish ${checked.rule} as version ${next}`,
      prompt: `Checks and fixtures pass.${impactNote} What changed in ${checked.rule} and why? (stored with version ${next})`,
      placeHolder: `${checked.rule}: what changed and why`,
      ignoreFocusOut: true,
    });
    if (message === undefined) return undefined;
  }
  const author = ctx.author();
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Lua Rules: publishing ${checked.rule}…` }, () =>
    ctx.api.publish({ uri: uri.toString(), author, ...(message ? { message } : {}), ...(impact.ok ? { impact: impact.report } : {}) }),
  );
  if (result.ok) {
    const state = result.state === 'pending' ? `pending: ${result.approvalsMissing} approval${result.approvalsMissing === 1 ? '' : 's'} needed` : result.state;
    void vscode.window.showInformationMessage(result.created ? `Published ${result.rule} version ${result.version} (${state})` : `${result.rule} unchanged: version ${result.version} (${state})`);
  } else reportRefusal(ctx, result);
  return result;
}

function reportRefusal(ctx: StoreCommandContext, result: { message: string; problems: string[] }): void {
  ctx.output.appendLine(`✗ publish refused: ${result.message}`);
  for (const p of result.problems) ctx.output.appendLine(`    ${p}`);
  if (result.problems.length > 0) ctx.output.show(true);
  void vscode.window.showErrorMessage(`Lua Rules: ${result.message}${result.problems[0] ? ` — ${result.problems[0]}` : ''}`);
}

/**
 * Show History: the rule's versions (author, date, message, state); pick one to open
 * it read-only, diff it with the working file, or roll back to it.
 * `{rule, version, action: 'open' | 'diff'}` skips the pickers.
 */
export async function showHistory(ctx: StoreCommandContext, arg: unknown): Promise<HistoryResult | undefined> {
  const rule = await ruleName(ctx, arg);
  if (!rule) return undefined;
  const history = await ctx.api.history(rule);
  if (!history.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: ${history.message}`);
    return history;
  }
  let version = argProperty<number>(arg, 'version', 'number');
  let action = argProperty<string>(arg, 'action', 'string');
  if (version === undefined) {
    const picked = await vscode.window.showQuickPick(
      history.versions.map((v) => ({ label: versionLabel(v), description: `${v.author} · ${readableTime(v.createdAt)}`, detail: v.message ?? '(no message)', version: v.number })),
      { title: `History of ${rule}`, placeHolder: 'a version to open, diff or roll back to' },
    );
    if (!picked) return history;
    version = picked.version;
  }
  const chosen = history.versions.find((v) => v.number === version);
  if (!chosen) {
    void vscode.window.showErrorMessage(`Lua Rules: ${rule} has no version ${version}`);
    return history;
  }
  if (action === undefined) {
    action = (await vscode.window.showQuickPick(['open', 'diff', 'rollback'].map((a) => ({ label: a === 'open' ? 'Open read-only' : a === 'diff' ? 'Diff with the working file' : `Roll back to v${version}`, action: a })), { title: `${rule} v${version}` }))?.action;
  }
  const uri = versionUri(rule, chosen.number, chosen.kind);
  if (action === 'open') await vscode.window.showTextDocument(uri, { preview: true });
  else if (action === 'diff') {
    const working = await findRuleFile(rule);
    if (!working) void vscode.window.showErrorMessage(`Lua Rules: no ${ruleFileNames(rule).join(' or ')} in the workspace to compare with`);
    else await vscode.commands.executeCommand('vscode.diff', uri, working, `${rule}: v${chosen.number} ↔ working file`);
  } else if (action === 'rollback') await rollback(ctx, { rule, version: chosen.number });
  return history;
}

/** Roll Back to Version: writes a new version with an old version's content (history is kept). `{rule, version}` skips the pickers and the confirmation. */
export async function rollback(ctx: StoreCommandContext, arg: unknown): Promise<VersionChangeResult | undefined> {
  const rule = await ruleName(ctx, arg);
  if (!rule) return undefined;
  let version = argProperty<number>(arg, 'version', 'number');
  if (version === undefined) {
    const history = await ctx.api.history(rule);
    if (!history.ok) {
      void vscode.window.showErrorMessage(`Lua Rules: ${history.message}`);
      return history;
    }
    const picked = await vscode.window.showQuickPick(
      history.versions.map((v) => ({ label: versionLabel(v), description: `${v.author} · ${readableTime(v.createdAt)}`, detail: v.message ?? '', version: v.number })),
      { title: `Roll ${rule} back to…` },
    );
    if (!picked) return undefined;
    const confirm = await vscode.window.showWarningMessage(`Roll ${rule} back to v${picked.version}? This publishes a new version with v${picked.version}'s content.`, { modal: true }, 'Roll Back');
    if (confirm !== 'Roll Back') return undefined;
    version = picked.version;
  }
  const result = await ctx.api.rollback({ rule, toVersion: version, author: ctx.author(), message: `rollback to v${version}` });
  if (result.ok) void vscode.window.showInformationMessage(`${rule} rolled back to v${version}: new version ${result.version} (${result.state})`);
  else void vscode.window.showErrorMessage(`Lua Rules: ${result.message}`);
  return result;
}

/** Approve Pending Version: one approval by the configured author. `{rule, version}` skips the pickers. */
export async function approve(ctx: StoreCommandContext, arg: unknown): Promise<VersionChangeResult | undefined> {
  let rule = argProperty<string>(arg, 'rule', 'string');
  let version = argProperty<number>(arg, 'version', 'number');
  if (rule === undefined || version === undefined) {
    const overview = await ctx.api.storeOverview();
    if (!overview.ok) {
      void vscode.window.showErrorMessage(`Lua Rules: ${overview.message}`);
      return overview;
    }
    const pending = overview.rules.flatMap((r) => r.pending.filter(() => rule === undefined || r.name === rule).map((p) => ({ label: `${r.name} v${p.version}`, description: `${p.approvalsMissing} missing · by ${p.author}`, detail: p.message ?? '', rule: r.name, version: p.version })));
    if (pending.length === 0) {
      void vscode.window.showInformationMessage('Lua Rules: no version is waiting for approval');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(pending, { title: 'Approve which version?' });
    if (!picked) return undefined;
    rule = picked.rule;
    version = picked.version;
  }
  const result = await ctx.api.approve({ rule, version, author: ctx.author() });
  if (result.ok) void vscode.window.showInformationMessage(result.state === 'live' ? `${rule} v${version} approved and live` : `${rule} v${version} approved; ${result.approvalsMissing} more needed`);
  else void vscode.window.showErrorMessage(`Lua Rules: ${result.message}`);
  return result;
}

/** Convert Pattern Rule to Lua: opens the equivalent Lua rule in a new editor. */
export async function convertPatternRule(api: ServerApi, arg: unknown): Promise<string | undefined> {
  const uri = targetUri(arg);
  if (!uri || ruleFileKind(uri.path) !== 'pattern') {
    void vscode.window.showErrorMessage('Lua Rules: open a pattern rule (*.rule.json) to convert it');
    return undefined;
  }
  const result = await api.convert(uri.toString());
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: ${result.message}`);
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument({ language: 'lua', content: result.lua });
  await vscode.window.showTextDocument(document);
  return result.lua;
}
