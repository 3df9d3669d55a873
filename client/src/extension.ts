import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { State } from 'vscode-languageclient/node';
import type { StoreStatus } from '../../protocol/src/custom-messages';
import { StoreChangedNotification, StoreStatusNotification } from '../../protocol/src/custom-messages';
import { SETTINGS_SECTION } from '../../protocol/src/settings';
import { runOnFixture } from './commands/run-on-fixture';
import { approve, convertPatternRule, publishRule, rollback, showHistory } from './commands/store-commands';
import type { StoreCommandContext } from './commands/store-commands';
import { disableRule, enableRule } from './commands/rule-switch-commands';
import { showImpact } from './commands/impact-view';
import { createLanguageClient } from './language-client';
import { LualsIntegration } from './luals-offer';
import { RulesView } from './rules-view';
import { StoreSecrets } from './secrets';
import { ServerApi } from './server-api';
import { chooseRuntime, parseClientSettings, parseRuleGlobs } from './settings';
import { StoreStatusBar } from './status-bar';
import { FixtureTests } from './test-controller';
import type { FixturesRunSummary } from './test-controller';
import { VERSION_SCHEME, VersionFileSystem } from './version-documents';

/** What the extension exports (`vscode.extensions.getExtension('lua-rules.lua-rules').exports`): for the e2e tests and other extensions. */
export interface LuaRulesApi {
  /** Resolves when the language server is running (rejects when it could not start). */
  ready(): Promise<void>;
  storeStatus(): Promise<StoreStatus | undefined>;
  testItems(): Promise<Record<string, string[]>>;
  runAllFixtures(): Promise<FixturesRunSummary>;
  /** The Run with Coverage profile over every rule: the summary carries each rule's coverage. */
  runAllFixturesWithCoverage(): Promise<FixturesRunSummary>;
  rulesInView(): Promise<{ name: string; category: string; liveVersion: number | null; pending: number }[]>;
  /** Issue 14: how the rules view draws one rule (description, icon, context value), or undefined when it is not there. */
  ruleItemInView(name: string): Promise<{ description: string; icon: string; contextValue: string } | undefined>;
  runtime(): string;
  /** Empty in a trusted workspace; else what Restricted Mode turns off (shown to the user once). */
  restrictions(): string;
}

/**
 * What Restricted Mode (an untrusted workspace) turns off, and why. Checks, completion,
 * hover and fixture runs stay on: rules run in the Lua sandbox, which is the point of
 * it. The store stays off: publish, rollback and approve write to a database, and a
 * store URL, a runtime executable or a schema path in an untrusted folder's settings
 * are not used (package.json `capabilities.untrustedWorkspaces` lists them).
 */
export const RESTRICTED_MODE_MESSAGE =
  'Lua Rules is in Restricted Mode: checks, completion, fixtures and Run Rule on Fixture work (rules run in the sandbox); the rule store (publish, history, rollback, approve, the Rules view) is off, and this folder\'s luaRules.runtime, luaRules.store.url and luaRules.schemaPath settings are ignored. Trust the folder to turn them on.';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<LuaRulesApi> {
  const output = vscode.window.createOutputChannel('Lua Rules', { log: true });
  const runs = vscode.window.createOutputChannel('Lua Rules: Runs');
  const secrets = new StoreSecrets(context.secrets);
  const statusBar = new StoreStatusBar();
  const api = new ServerApi(() => client);
  const rulesView = new RulesView(api);
  const tests = new FixtureTests(api);
  context.subscriptions.push(output, runs, statusBar, rulesView, tests);
  context.subscriptions.push(vscode.window.registerTreeDataProvider('luaRules.rules', rulesView));
  const luals = new LualsIntegration(context, output);
  context.subscriptions.push(luals.start());
  context.subscriptions.push(vscode.workspace.registerFileSystemProvider(VERSION_SCHEME, new VersionFileSystem(api), { isReadonly: true, isCaseSensitive: true }));

  let runtimeDescription = '';
  let started: Promise<void> = Promise.resolve();

  /**
   * The folder whose settings apply: the first workspace folder, the same one the
   * server reads its settings for and resolves a relative sqlite: path against (one
   * server serves the whole window).
   */
  const settingsFolder = (): vscode.WorkspaceFolder | undefined => vscode.workspace.workspaceFolders?.[0];
  const settings = () => {
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, settingsFolder());
    const get = (key: string): unknown => config.get(key);
    const parsed = parseClientSettings(get);
    const globs = parseRuleGlobs(get);
    for (const p of [...parsed.problems, ...globs.problems]) output.appendLine(`settings: ${p}`);
    return { ...parsed.settings, ruleGlobs: globs.ruleGlobs };
  };

  const refreshStatus = async (): Promise<void> => {
    try {
      const status = await api.storeStatus();
      statusBar.show(status);
      if (status.state === 'unavailable') output.appendLine(`store ${status.display} unavailable: ${status.message ?? ''} (server runtime: ${status.runtime})`);
    } catch (e) {
      statusBar.show(undefined, (e as Error).message);
    }
  };

  /** (Re)starts the server: the runtime, store URL and password are fixed for a server's life. */
  const startServer = async (): Promise<void> => {
    if (client) {
      const old = client;
      client = undefined;
      // dispose, not only stop: the client's listeners and the watchers the server registered go with it.
      await old.dispose().catch(() => undefined);
    }
    if (await secrets.moveFromSettings()) void vscode.window.showInformationMessage('Lua Rules: the store password was moved from settings.json to VS Code\'s secret storage.');
    const s = settings();
    const runtime = chooseRuntime(s.runtime);
    if (!runtime.ok) {
      output.appendLine(runtime.message);
      statusBar.show(undefined, 'server not started');
      void vscode.window.showErrorMessage(`Lua Rules: ${runtime.message}; the language server was not started.`);
      return;
    }
    runtimeDescription = runtime.describe;
    // Restricted Mode: no store at all (not even one from the user's own settings), see RESTRICTED_MODE_MESSAGE.
    const storeUrl = restricted() ? '' : s.storeUrl;
    output.appendLine(`starting the language server on ${runtime.describe}${storeUrl ? ` with store ${storeUrl}` : ''}${restricted() ? ' (Restricted Mode: no store)' : ''}`);
    const next = createLanguageClient({
      serverModule: context.asAbsolutePath('dist/server.js'),
      runtime,
      storeUrl,
      password: restricted() ? undefined : await secrets.get(),
      ruleGlobs: s.ruleGlobs,
      folder: settingsFolder(),
      outputChannel: output,
    });
    next.onDidChangeState((e) => {
      if (e.newState === State.Stopped && client === next) statusBar.show(undefined, 'server stopped');
    });
    client = next;
    await next.start();
    next.onNotification(StoreChangedNotification, () => rulesView.refresh());
    next.onNotification(StoreStatusNotification, (status: StoreStatus) => {
      statusBar.show(status);
      rulesView.refresh();
    });
    await refreshStatus();
    if (restricted()) statusBar.show(undefined, 'Restricted Mode (no store)', RESTRICTED_MODE_MESSAGE);
    rulesView.refresh();
    void tests.discoverAll(true);
  };

  // Restarts are queued: a settings change, the password moving to SecretStorage
  // and its change event may all ask at once.
  const restart = (): Promise<void> => {
    started = started.catch(() => undefined).then(startServer).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      output.appendLine(`the language server failed to start: ${message}`);
      statusBar.show(undefined, 'server failed to start');
      void vscode.window.showErrorMessage(`Lua Rules: the language server failed to start: ${message}`);
      throw e;
    });
    return started;
  };

  // Settings and secret events come in bursts (moving a password out of the settings
  // changes both): one restart after the burst.
  let restartTimer: NodeJS.Timeout | undefined;
  const scheduleRestart = (): void => {
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => void restart().catch(() => undefined), 300);
  };

  const restricted = (): boolean => !vscode.workspace.isTrusted;
  const author = (): string => settings().author || userInfo().username;
  const storeCtx: StoreCommandContext = { api, output: runs, author };
  const register = (id: string, fn: (...args: unknown[]) => unknown): void => void context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  register('luaRules.runOnFixture', (arg) => runOnFixture(api, runs, arg));
  register('luaRules.runAllFixtures', async () => {
    const summary = await tests.runAll();
    const text = `Lua Rules fixtures: ${summary.passed} passed, ${summary.failed} failed${summary.errored ? `, ${summary.errored} errored` : ''}`;
    // A failed run is a warning, not an information (issue 15); the Test Explorer has the details.
    if (summary.failed > 0 || summary.errored > 0) void vscode.window.showWarningMessage(text);
    else void vscode.window.showInformationMessage(text);
    return summary;
  });
  /** Store commands refuse in Restricted Mode with the reason, instead of failing on a missing store. */
  const trusted = <T>(fn: (arg: unknown) => Promise<T>) => (arg: unknown): Promise<T | undefined> => {
    if (!restricted()) return fn(arg);
    void vscode.window.showWarningMessage(RESTRICTED_MODE_MESSAGE, 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return Promise.resolve(undefined);
  };
  register('luaRules.publish', trusted((arg) => publishRule(storeCtx, arg)));
  register('luaRules.showHistory', trusted((arg) => showHistory(storeCtx, arg)));
  register('luaRules.showImpact', trusted((arg) => showImpact(storeCtx, arg)));
  register('luaRules.rollback', trusted((arg) => rollback(storeCtx, arg)));
  register('luaRules.approve', trusted((arg) => approve(storeCtx, arg)));
  register('luaRules.disableRule', trusted((arg) => disableRule(storeCtx, arg)));
  register('luaRules.enableRule', trusted((arg) => enableRule(storeCtx, arg)));
  register('luaRules.convertPatternRule', (arg) => convertPatternRule(api, arg));
  register('luaRules.refreshRules', () => rulesView.refresh());
  register('luaRules.restartServer', () => restart());
  register('luaRules.configureLuals', () => luals.configure());
  // The secret's change event restarts the server with the new password.
  register('luaRules.setStorePassword', () => secrets.prompt());
  register('luaRules.showStoreStatus', async () => {
    await refreshStatus();
    const status = statusBar.status;
    const text = status ? `${status.state}${status.display ? `: ${status.display}` : ''}${status.message ? ` — ${status.message}` : ''} (server runtime: ${status.runtime})` : 'the language server is not running';
    void vscode.window.showInformationMessage(`Lua Rules store ${text}`);
    return status;
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      const folder = settingsFolder();
      // What the server process is started with; the server follows the rest (workspace/configuration) itself.
      if (['runtime', 'store.url', 'ruleGlobs'].some((key) => e.affectsConfiguration(`${SETTINGS_SECTION}.${key}`, folder))) scheduleRestart();
    }),
    // The first folder holds the settings and the sqlite: path's base; when it changes, so may both.
    vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      if (e.added.some((f) => f.index === 0) || e.removed.length > 0) scheduleRestart();
    }),
    secrets.onDidChange(() => scheduleRestart()),
    { dispose: () => clearTimeout(restartTimer) },
    { dispose: () => void client?.dispose().catch(() => undefined) },
  );

  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      output.appendLine('the workspace is trusted now: restarting the language server with the store');
      scheduleRestart();
    }),
  );
  if (restricted()) {
    output.appendLine(RESTRICTED_MODE_MESSAGE);
    void vscode.window.showInformationMessage(RESTRICTED_MODE_MESSAGE, 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
  }

  void restart().catch(() => undefined);

  return {
    ready: () => started,
    storeStatus: async () => {
      await started;
      await refreshStatus();
      return statusBar.status;
    },
    testItems: async () => {
      await started;
      await tests.discoverAll();
      return tests.snapshot();
    },
    runAllFixtures: () => tests.runAll(),
    runAllFixturesWithCoverage: () => tests.runAllWithCoverage(),
    rulesInView: async () => {
      await started;
      const overview = await api.storeOverview();
      return overview.ok ? overview.rules.map((r) => ({ name: r.name, category: r.category, liveVersion: r.liveVersion, pending: r.pending.length })) : [];
    },
    ruleItemInView: async (name) => {
      await started;
      const item = await rulesView.itemOf(name);
      return item === undefined ? undefined : { description: String(item.description ?? ''), icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '', contextValue: item.contextValue ?? '' };
    },
    runtime: () => runtimeDescription,
    restrictions: () => (restricted() ? RESTRICTED_MODE_MESSAGE : ''),
  };
}

export async function deactivate(): Promise<void> {
  const last = client;
  client = undefined;
  await last?.dispose().catch(() => undefined);
}
