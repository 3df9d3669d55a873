/**
 * A real VS Code workbench for the end-to-end tests: code-server 4.99.4 (installed by
 * scripts/setup-e2e.sh into .vscode-test/) driven by Debian's Chromium through
 * playwright-core. See docs/extension.md, "End-to-end tests".
 *
 * When code-server or Chromium is missing the tests FAIL with the command to run:
 * a skipped e2e suite would look green while testing nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { format } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const REPO = join(__dirname, '..', '..');
export const CODE_SERVER = join(REPO, '.vscode-test', 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env['LUA_RULES_E2E_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test-artifacts');

/** Throws the one-line instruction when the workbench or the browser is not installed. */
export function requireE2eTools(): void {
  const missing: string[] = [];
  if (!existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER})`);
  if (!existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  if (missing.length > 0) throw new Error(`e2e tools missing: ${missing.join(', ')}; run: bash scripts/setup-e2e.sh`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  port: number;
  url: string;
  /** Scratch folder holding user data, extensions and XDG folders. */
  home: string;
  extensionsDir: string;
  stop(): void;
}

/** Environment that keeps code-server out of the home folder. */
function scratchEnv(home: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  for (const dir of ['config', 'data', 'cache', 'tmp']) mkdirSync(join(home, dir), { recursive: true });
  return { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache'), TMPDIR: join(home, 'tmp'), ...extra };
}

/** `code-server --install-extension x.vsix` into the given extensions folder; returns its output. */
export function installExtension(home: string, extensionsDir: string, vsix: string): string {
  const out = spawnSync(CODE_SERVER, ['--extensions-dir', extensionsDir, '--user-data-dir', join(home, 'user-data'), '--install-extension', vsix], { env: scratchEnv(home, {}), encoding: 'utf8', timeout: 60_000 });
  if (out.status !== 0) throw new Error(`install-extension failed (${out.status}): ${out.stderr}${out.stdout}`);
  return out.stdout + out.stderr;
}

export function listExtensions(home: string, extensionsDir: string): string[] {
  const out = spawnSync(CODE_SERVER, ['--extensions-dir', extensionsDir, '--user-data-dir', join(home, 'user-data'), '--list-extensions', '--show-versions'], { env: scratchEnv(home, {}), encoding: 'utf8', timeout: 60_000 });
  return out.stdout.split('\n').filter((l) => l.includes('@'));
}

/**
 * Starts code-server in its own process group and waits for /healthz. With
 * `workspaceTrust`, folders open in Restricted Mode (trust on, no start-up prompt).
 */
export async function startCodeServer(home: string, env: NodeJS.ProcessEnv = {}, options: { workspaceTrust?: boolean } = {}): Promise<CodeServer> {
  requireE2eTools();
  const port = await freePort();
  const userData = join(home, 'user-data');
  const extensionsDir = join(home, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // The welcome page would steal focus from the editors the page checks type into.
  const trust = options.workspaceTrust === true ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open' } : { 'security.workspace.trust.enabled': false };
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, ...trust, 'extensions.autoCheckUpdates': false, 'telemetry.telemetryLevel': 'off', 'git.openRepositoryInParentFolders': 'never', 'extensions.ignoreRecommendations': true }, null, 2));
  const config = join(home, 'config.yaml');
  writeFileSync(config, 'auth: none\n');
  const args = ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', userData, '--extensions-dir', extensionsDir, '--disable-telemetry', '--disable-update-check', ...(options.workspaceTrust === true ? [] : ['--disable-workspace-trust']), '--config', config];
  // setsid: its file watchers and extension hosts are children; the whole group is stopped.
  const child: ChildProcess = spawn('setsid', [CODE_SERVER, ...args], { env: scratchEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const stop = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}): ${log.slice(-2000)}`);
    if (Date.now() > deadline) {
      stop();
      throw new Error(`code-server did not answer /healthz within 60 s: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, url, home, extensionsDir, stop };
}

export async function launchBrowser(profile: string): Promise<BrowserContext> {
  requireE2eTools();
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** The workbench URL that runs an extension under development and its tests (`payload`, as in `code --extensionDevelopmentPath`). */
export function testWorkbenchUrl(server: CodeServer, folder: string, extensionPath: string, testsPath: string): string {
  const remote = (path: string): string => `vscode-remote://127.0.0.1:${server.port}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionPath)],
    ['extensionTestsPath', remote(testsPath)],
  ];
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/**
 * Opens the test workbench and waits for the extension tests' exit code, which the
 * workbench reports through `window.codeAutomationExit`; their output comes
 * through `window.codeAutomationLog`.
 */
export async function runExtensionTests(page: Page, url: string, timeoutMs: number, onLog: (line: string) => void): Promise<number> {
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    // The extension host forwards console arguments unformatted (mocha's reporter uses %s and %d).
    const text = format(...(Array.isArray(args) ? args : [args]));
    onLog(type === 'log' || type === 'info' ? text : `[${type}] ${text}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  await page.goto(url);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error(`the extension tests did not finish within ${timeoutMs / 1000} s`)), timeoutMs)));
  try {
    return await Promise.race([exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
