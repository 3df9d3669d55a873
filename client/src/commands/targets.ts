import * as vscode from 'vscode';
import { isRuleFile, ruleFileNames } from '../../../core/src/rules-folder/file-names';
import { SKIPPED_FOLDERS_GLOB } from '../../../core/src/rules-folder/walk-rules-folder';

/** What a command was invoked on: a URI (explorer, editor title), an object from a test or tree item, or nothing (the palette). */
export function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  if (typeof arg === 'object' && arg !== null && 'uri' in arg) {
    const uri = (arg as { uri: unknown }).uri;
    if (uri instanceof vscode.Uri) return uri;
    if (typeof uri === 'string') return vscode.Uri.parse(uri);
  }
  return vscode.window.activeTextEditor?.document.uri;
}

export function isRuleUri(uri: vscode.Uri | undefined): boolean {
  return uri !== undefined && isRuleFile(uri.path);
}

/** A property of an argument object, when it has the right type. */
export function argProperty<T>(arg: unknown, key: string, type: 'string' | 'number' | 'object'): T | undefined {
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return undefined;
  const value = (arg as Record<string, unknown>)[key];
  return typeof value === type && value !== null ? (value as T) : undefined;
}

/** The workspace file that holds a rule: `<rule>.lua` or `<rule>.rule.json` (the first found). */
export async function findRuleFile(rule: string): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const names = ruleFileNames(rule);
  if (active && names.some((name) => active.path.endsWith(`/${name}`))) return active;
  const found = await vscode.workspace.findFiles(`**/{${names.join(',')}}`, SKIPPED_FOLDERS_GLOB, 1);
  return found[0];
}
