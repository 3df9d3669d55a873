import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { ClientSettings } from '../../server/src/extension-protocol';

/** Reads the client-only settings from `luaRules.*`, never trusting their shape. */
export function parseClientSettings(get: (key: string) => unknown): { settings: ClientSettings; problems: string[] } {
  const problems: string[] = [];
  const text = (key: string): string => {
    const value = get(key);
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') {
      problems.push(`luaRules.${key} must be a string; ignored`);
      return '';
    }
    return value.trim();
  };
  return { settings: { runtime: text('runtime'), storeUrl: text('store.url'), author: text('author') }, problems };
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
