import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Setting, SettingsTable } from '../../protocol/src/settings';
import { choiceSetting, readSettings, RULE_GLOBS_SETTING, textSetting } from '../../protocol/src/settings';

/**
 * The extension's own settings, in one place (the server's are in
 * server/src/settings.ts): each one's default and manifest schema, and the defensive
 * reader. The manifest test checks package.json `contributes.configuration` against
 * `CLIENT_MANIFEST_SETTINGS` and the server's table.
 */
export interface ClientSettings {
  /** Node executable that runs the server; empty: `node` from PATH, else the extension host's own runtime. */
  runtime: string;
  /** `sqlite:<path>` (relative to the first workspace folder) or `postgres://user@host/db` without a password. */
  storeUrl: string;
  /** Author recorded with publish, rollback and approve; empty: the OS user name. */
  author: string;
}

export const CLIENT_SETTINGS: SettingsTable<ClientSettings> = {
  runtime: textSetting('runtime', { scope: 'machine-overridable' }),
  storeUrl: textSetting('store.url', { scope: 'machine-overridable' }),
  author: textSetting('author'),
};

/** Read by vscode-languageclient itself (`<client id>.trace.server`); declared here so the manifest is checked. */
export const TRACE_SETTING = choiceSetting('trace.server', ['off', 'messages', 'verbose'], 'off');

/** Every setting the client side declares in the manifest (ruleGlobs is shared with the server). */
export const CLIENT_MANIFEST_SETTINGS: readonly Setting<unknown>[] = [...Object.values<Setting<unknown>>(CLIENT_SETTINGS), RULE_GLOBS_SETTING, TRACE_SETTING];

/** Reads the client-only settings from `luaRules.*`, never trusting their shape. */
export function parseClientSettings(get: (key: string) => unknown): { settings: ClientSettings; problems: string[] } {
  return readSettings(CLIENT_SETTINGS, get);
}

/** The rule-file globs the client selects and syncs (the server reads the same setting through its own table). */
export function parseRuleGlobs(get: (key: string) => unknown): { ruleGlobs: string[]; problems: string[] } {
  const { settings, problems } = readSettings({ ruleGlobs: RULE_GLOBS_SETTING }, get);
  return { ruleGlobs: settings.ruleGlobs, problems };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH that is executable, like `which`. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exts = process.platform === 'win32' ? (env['PATHEXT'] ?? '.EXE;.CMD').split(';') : [''];
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export type RuntimeChoice = { ok: true; runtime: string | undefined; describe: string } | { ok: false; message: string };

/**
 * The Node runtime that runs the server (vscode-eslint's `eslint.runtime`): the
 * setting when given (a path, or a name looked up on PATH), else `node` from PATH,
 * else undefined = the extension host's own runtime (Electron in desktop VS Code,
 * where the store's native SQLite module does not load; the status bar says so).
 */
export function chooseRuntime(setting: string, env: NodeJS.ProcessEnv = process.env): RuntimeChoice {
  if (setting !== '') {
    const path = isAbsolute(setting) ? (isExecutable(setting) ? setting : undefined) : findOnPath(setting, env);
    if (!path) return { ok: false, message: `luaRules.runtime "${setting}" is not an executable${isAbsolute(setting) ? '' : ' on PATH'}` };
    return { ok: true, runtime: path, describe: path };
  }
  const node = findOnPath('node', env);
  return node ? { ok: true, runtime: node, describe: node } : { ok: true, runtime: undefined, describe: `the extension host's runtime (${process.versions['electron'] ? 'Electron' : 'node'} ${process.version})` };
}
