import * as vscode from 'vscode';
import type { RuleSwitchResult } from '../../../protocol/src/custom-messages';
import type { StoreCommandContext } from './store-commands';
import { argProperty } from './targets';

/**
 * Issue 14: Disable Rule… and Enable Rule, from the rules view (a rule's context menu)
 * or the command palette. The store work happens in the language server (which owns
 * the store connection), like publish and approve. `{rule, message}` skips the prompts.
 */

/** The rule from the tree item, else a pick among the store's rules that can be switched that way. */
async function pickRule(ctx: StoreCommandContext, arg: unknown, enable: boolean): Promise<string | undefined> {
  const given = argProperty<string>(arg, 'rule', 'string');
  if (given) return given;
  const overview = await ctx.api.storeOverview();
  if (!overview.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: ${overview.message}`);
    return undefined;
  }
  const candidates = overview.rules.filter((r) => (r.disabled != null) === enable);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(enable ? 'Lua Rules: no rule is disabled' : 'Lua Rules: every rule is disabled already');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((r) => ({ label: r.name, description: `${r.category} · ${r.liveVersion === null ? 'not live' : `v${r.liveVersion}`}`, detail: r.disabled ? `disabled by ${r.disabled.by}: ${r.disabled.message ?? ''}` : undefined })),
    { title: enable ? 'Enable which rule?' : 'Disable which rule?' },
  );
  return picked?.label;
}

function report(result: RuleSwitchResult, enable: boolean): void {
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Lua Rules: ${result.message}`);
    return;
  }
  if (!result.changed) void vscode.window.showInformationMessage(enable ? `${result.rule} is not disabled; nothing changed` : `${result.rule} is already disabled (by ${result.disabled?.by ?? '?'}); nothing changed`);
  else void vscode.window.showInformationMessage(enable ? `Enabled ${result.rule}: engines serve it again` : `Disabled ${result.rule}: engines stop evaluating it`);
}

/** Disable Rule…: asks why (the history keeps it), then switches the rule off in the store. */
export async function disableRule(ctx: StoreCommandContext, arg: unknown): Promise<RuleSwitchResult | undefined> {
  const rule = await pickRule(ctx, arg, false);
  if (!rule) return undefined;
  let message = argProperty<string>(arg, 'message', 'string');
  if (message === undefined) {
    message = await vscode.window.showInputBox({
      title: `Disable ${rule}`,
      prompt: `Why switch ${rule} off? No engine evaluates it until it is enabled again; the history keeps this message.`,
      placeHolder: 'why the rule is switched off',
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === '' ? 'A reason is required' : undefined),
    });
    if (message === undefined) return undefined;
  }
  const result = await ctx.api.ruleSwitch({ rule, enabled: false, author: ctx.author(), message });
  report(result, false);
  return result;
}

/** Enable Rule: switches a disabled rule back on (no prompt: enabling needs no reason, though `{message}` records one). */
export async function enableRule(ctx: StoreCommandContext, arg: unknown): Promise<RuleSwitchResult | undefined> {
  const rule = await pickRule(ctx, arg, true);
  if (!rule) return undefined;
  const message = argProperty<string>(arg, 'message', 'string');
  const result = await ctx.api.ruleSwitch({ rule, enabled: true, author: ctx.author(), ...(message ? { message } : {}) });
  report(result, true);
  return result;
}
