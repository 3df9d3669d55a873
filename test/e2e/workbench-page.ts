/**
 * Helpers for e2e tests that drive the workbench page (code-server + Chromium): the
 * extension from this checkout in development mode, and the palette, quick open and
 * notifications as a user reaches them. Used by every e2e test that drives the page.
 */
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Locator, Page } from 'playwright-core';
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

/**
 * Waits for a notification with this text; returns its severity from its icon. It is
 * looked for as a toast first; when none shows within the time, in the notification
 * centre: under load (both page tests at once on 2 cores) code-server sometimes files a
 * notification in the centre without ever drawing its toast. Raised is what the tests
 * assert; a notification raised nowhere fails with what the page showed instead.
 */
export async function toast(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<'error' | 'warning' | 'info'> {
  const severity = async (item: Locator): Promise<'error' | 'warning' | 'info'> => {
    const icon = (await item.locator('.notification-list-item-icon').first().getAttribute('class')) ?? '';
    return /codicon-error/.test(icon) ? 'error' : /codicon-warning/.test(icon) ? 'warning' : 'info';
  };
  const found = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  try {
    await found.waitFor({ timeout: timeoutMs });
    return await severity(found);
  } catch (error) {
    await page.screenshot({ path: join(SHOTS, 'failed-toast.png') }).catch(() => undefined);
    const shown = await page.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
    const input = await page.locator('.quick-input-widget:visible .quick-input-title, .quick-input-widget:visible .quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    await palette(page, 'Notifications: Show Notifications').catch(() => undefined);
    const filed = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
    if (await filed.isVisible().catch(() => false)) {
      const level = await severity(filed);
      process.stdout.write(`# notification ${String(text)}: in the notification centre, no toast drawn\n`);
      await palette(page, 'Notifications: Hide Notifications').catch(() => undefined);
      return level;
    }
    const centre = await page.locator('.notifications-center .notification-list-item').allInnerTexts().catch(() => []);
    await palette(page, 'Notifications: Hide Notifications').catch(() => undefined);
    throw new Error(`no notification ${String(text)} within ${timeoutMs / 1000} s; toasts: ${JSON.stringify(shown)}; quick input: ${JSON.stringify(input)}; notification centre: ${JSON.stringify(centre)} (${(error as Error).message.split('\n')[0]})`);
  }
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

/**
 * Answers a quick input (e.g. the publish message) through its own input element.
 * Typing on the page goes wherever the focus is: when the box is drawn but not yet
 * focused, the text lands in the editor, the box loses focus and closes as a cancel,
 * and the command ends silently (the flake both page tests had under load).
 */
export async function answerPrompt(prompt: Locator, text: string): Promise<void> {
  const input = prompt.locator('.quick-input-box input');
  await input.fill(text);
  await input.press('Enter');
}
