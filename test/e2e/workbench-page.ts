/**
 * Helpers for e2e tests that drive the workbench page (code-server + Chromium): the
 * extension from this checkout in development mode, and the palette, quick open and
 * notifications as a user reaches them. Used by every e2e test that drives the page.
 */
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { ARTIFACTS, REPO } from './code-server';
import type { CodeServer } from './code-server';

const SHOTS = join(ARTIFACTS, 'e2e');

/**
 * This checkout's extension, bundled into a folder of the test's own (the repository's
 * dist/ belongs to the packaging test, which may run at the same time).
 */
export async function developmentExtension(scratch: string): Promise<string> {
  const ext = join(scratch, 'extension');
  mkdirSync(join(ext, 'dist'), { recursive: true });
  for (const part of ['package.json', 'media', 'schemas', 'syntaxes', 'snippets']) cpSync(join(REPO, part), join(ext, part), { recursive: true });
  // better-sqlite3 stays external (native): found through the repository's node_modules.
  symlinkSync(join(REPO, 'node_modules'), join(ext, 'node_modules'));
  await build({
    entryPoints: { extension: join(REPO, 'client/src/extension.ts'), server: join(REPO, 'server/src/stdio.ts'), 'fixture-worker': join(REPO, 'server/src/fixture-worker.ts') },
    outdir: join(ext, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'better-sqlite3', 'pg-native', 'tsx/cjs'],
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  return ext;
}

/** The workbench on `folder` with the extension loaded in development mode. */
export function devWorkbenchUrl(server: CodeServer, folder: string, extension: string): string {
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${extension}`]];
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** A fresh copy of test/e2e/workspace with the example context schema. */
export function workspaceCopy(scratch: string, name: string): string {
  const workspace = join(scratch, name);
  cpSync(join(REPO, 'test/e2e/workspace'), workspace, { recursive: true });
  cpSync(join(REPO, 'rules', 'context.schema.json'), join(workspace, 'rules', 'context.schema.json'));
  return workspace;
}

/** Waits for a notification toast with this text; returns its severity from its icon. */
export async function toast(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<'error' | 'warning' | 'info'> {
  const found = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  try {
    await found.waitFor({ timeout: timeoutMs });
  } catch (error) {
    // Say what the page did show instead, with a screenshot of it.
    await page.screenshot({ path: join(SHOTS, 'failed-toast.png') }).catch(() => undefined);
    const shown = await page.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
    const input = await page.locator('.quick-input-widget:visible .quick-input-title, .quick-input-widget:visible .quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    throw new Error(`no notification ${String(text)} within ${timeoutMs / 1000} s; notifications: ${JSON.stringify(shown)}; quick input: ${JSON.stringify(input)} (${(error as Error).message.split('\n')[0]})`);
  }
  const icon = (await found.locator('.notification-list-item-icon').first().getAttribute('class')) ?? '';
  return /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : 'info';
}

export async function quickOpen(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const box = page.locator('.quick-input-box input');
  await box.waitFor({ timeout: 15_000 });
  await box.fill(name);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: 15_000 });
  // A click opens exactly this row; Enter could land before the file search has listed it.
  await row.click();
  // Opened when its tab is the active one: the next command then applies to it.
  await page
    .locator('.tabs-container .tab.active', { hasText: name })
    .first()
    .waitFor({ timeout: 15_000 })
    .catch(async (error: unknown) => {
      await page.screenshot({ path: join(SHOTS, 'failed-quick-open.png') }).catch(() => undefined);
      throw error;
    });
}

export async function palette(page: Page, command: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const box = page.locator('.quick-input-box input');
  await box.waitFor({ timeout: 15_000 });
  await box.fill(`>${command}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first();
  await row.waitFor({ timeout: 15_000 });
  // A click runs exactly this row; Enter could land while the list is still filtering.
  await row.click();
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: command }).first().waitFor({ state: 'hidden', timeout: 15_000 });
}
