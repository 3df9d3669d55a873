import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import * as vscode from 'vscode';
import { configureLuals, findRulesFolders, LualsError, metaFileOf } from '../../core/src/luals/configure-project';
import type { PlannedFile, RulesFolder } from '../../core/src/luals/configure-project';

/**
 * Works side by side with the Lua language server (LuaLS, the `sumneko.lua`
 * extension): when it is installed and a workspace folder holds rules, offer once to
 * set it up for them (the files `lua-rules luals` writes). Nothing is written
 * without a yes: the answer is remembered (per workspace; "Never" for every
 * workspace), and the command "Lua Rules: Configure the Lua Language Server (LuaLS) for Rules" does it
 * on demand. Once set up (or when the files already exist, e.g. from `lua-rules
 * init`), the definitions are regenerated on start and whenever a context schema
 * changes; `.luarc.json`, which holds the user's own settings, is touched only for
 * folders the user said yes for.
 */

export const LUALS_EXTENSION_ID = 'sumneko.lua';
const ANSWER_KEY = 'luaRules.luals.answer';
const NEVER_KEY = 'luaRules.luals.neverAsk';
export const CONFIGURE = 'Configure';
export const NOT_NOW = 'No';
export const NEVER = 'Never for Any Workspace';

type Answer = 'accepted' | 'declined';

export class LualsIntegration implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private offering = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  start(): this {
    this.disposables.push(
      // A LuaLS installed later gets the offer then.
      vscode.extensions.onDidChange(() => void this.refresh()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()),
    );
    const watcher = vscode.workspace.createFileSystemWatcher('**/context*.schema.json');
    const changed = (): void => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.regenerate(), 300);
    };
    this.disposables.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
    void this.refresh();
    return this;
  }

  /** The command "Configure the Lua Language Server (LuaLS) for Rules": yes, now. */
  configure(): Promise<PlannedFile[]> {
    return this.configureAll(true);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }

  private answer(): Answer | undefined {
    return this.context.workspaceState.get<Answer>(ANSWER_KEY);
  }

  /** Workspace folders on disk with rules in them, and their rules folders. */
  private rulesProjects(): { folder: vscode.WorkspaceFolder; rules: RulesFolder[] }[] {
    const out: { folder: vscode.WorkspaceFolder; rules: RulesFolder[] }[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const rules = findRulesFolders(folder.uri.fsPath);
      if (rules.length > 0) out.push({ folder, rules });
    }
    return out;
  }

  /** Regenerates what may be regenerated, then offers when LuaLS is there and nobody answered yet. */
  private async refresh(): Promise<void> {
    await this.regenerate();
    if (!vscode.extensions.getExtension(LUALS_EXTENSION_ID)) return;
    if (this.answer() !== undefined || this.context.globalState.get<boolean>(NEVER_KEY) === true || this.offering) return;
    const projects = this.rulesProjects().filter((p) => !p.rules.every((r) => existsSync(metaFileOf(r))));
    if (projects.length === 0) return;
    this.offering = true;
    try {
      const where = projects.map((p) => p.rules.map((r) => relative(p.folder.uri.fsPath, r.dir) || p.folder.name)).flat().join(', ');
      const choice = await vscode.window.showInformationMessage(
        `Lua Rules: the Lua language server (LuaLS) is installed. Set it up for the rules in ${where} (context, results, sandbox globals)? It writes .luarc.json, merged with yours, and .luals/ definitions.`,
        CONFIGURE,
        NOT_NOW,
        NEVER,
      );
      if (choice === CONFIGURE) await this.configureAll(false);
      else if (choice === NEVER) await this.context.globalState.update(NEVER_KEY, true);
      // No, or the notification closed: asked once is enough (the command stays).
      else await this.context.workspaceState.update(ANSWER_KEY, 'declined' satisfies Answer);
    } finally {
      this.offering = false;
    }
  }

  /** Yes: the full set-up of every rules folder, `.luarc.json` included. */
  private async configureAll(fromCommand: boolean): Promise<PlannedFile[]> {
    await this.context.workspaceState.update(ANSWER_KEY, 'accepted' satisfies Answer);
    const written: PlannedFile[] = [];
    const projects = this.rulesProjects();
    if (projects.length === 0 && fromCommand) void vscode.window.showWarningMessage('Lua Rules: no rules folder in this workspace (no context.schema.json and no *.lua rules).');
    for (const { folder, rules } of projects) {
      const files = this.run(folder, () => configureLuals(folder.uri.fsPath, { folders: rules }), true);
      written.push(...files);
    }
    const changed = written.filter((f) => f.changed);
    if (changed.length > 0 || fromCommand) {
      void vscode.window.showInformationMessage(`Lua Rules: LuaLS set up (${changed.length > 0 ? `wrote ${changed.map((f) => vscode.workspace.asRelativePath(f.path)).join(', ')}` : 'already up to date'}).`);
    }
    return written;
  }

  /** On start and after a schema change: the meta files of accepted or already set-up folders. */
  private async regenerate(): Promise<void> {
    const accepted = this.answer() === 'accepted';
    for (const { folder, rules } of this.rulesProjects()) {
      const targets = accepted ? rules : rules.filter((r) => existsSync(metaFileOf(r)));
      if (targets.length === 0) continue;
      this.run(folder, () => configureLuals(folder.uri.fsPath, { folders: targets, luarc: accepted }), false);
    }
  }

  private run(folder: vscode.WorkspaceFolder, work: () => PlannedFile[], loud: boolean): PlannedFile[] {
    try {
      const files = work();
      for (const f of files) if (f.changed) this.output.appendLine(`LuaLS: wrote ${f.path}`);
      return files;
    } catch (error) {
      if (!(error instanceof LualsError)) throw error;
      // A schema being edited is often briefly invalid: a log line, a popup only when asked.
      this.output.appendLine(`LuaLS definitions for ${folder.name} not written: ${error.message}`);
      if (loud) void vscode.window.showErrorMessage(`Lua Rules: LuaLS set-up for ${folder.name} failed: ${error.message}`);
      return [];
    }
  }
}
