/**
 * The LuaLS offer end to end, in a real workbench (code-server + Chromium, like
 * extension.e2e.test.ts): a stub extension with LuaLS's id (`sumneko.lua`) is
 * installed, the Lua Rules extension runs from this checkout (bundled into the test's
 * own folder), and the page shows
 * the offer. Accepting writes `.luarc.json` and the meta file; a schema change
 * regenerates it; the answer is remembered. Declining in another workspace writes
 * nothing. A project from `lua-rules init` gets no offer, is kept current, and its
 * `.luarc.json` is not touched. Screenshots in test-artifacts/e2e/luals-*.png.
 *
 * Everything lives in a fresh temporary folder and code-server takes a free port,
 * so this runs beside the other e2e tests (and other checkouts) without sharing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, REPO, installExtension, launchBrowser, listExtensions, requireE2eTools, startCodeServer } from './code-server';
import type { CodeServer } from './code-server';
import { developmentExtension, devWorkbenchUrl, workspaceCopy } from './workbench-page';

const SHOTS = join(ARTIFACTS, 'e2e');
const OFFER = 'the Lua language server (LuaLS) is installed';

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readIf(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** A .vsix of an empty extension that only has LuaLS's id: what the offer looks for. */
function stubLualsVsix(dir: string): string {
  const stub = join(dir, 'stub-luals');
  mkdirSync(stub, { recursive: true });
  writeFileSync(join(stub, 'package.json'), JSON.stringify({ name: 'lua', publisher: 'sumneko', displayName: 'Lua (stub for the Lua Rules e2e test)', description: 'Only the id of the Lua language server extension', version: '0.0.1', license: 'MIT', engines: { vscode: '^1.60.0' } }, null, 2));
  writeFileSync(join(stub, 'README.md'), '# A stub with the id of the LuaLS extension\n');
  const vsix = join(dir, 'stub-luals.vsix');
  const out = spawnSync(join(REPO, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', vsix], { cwd: stub, encoding: 'utf8', timeout: 120_000 });
  assert.equal(out.status, 0, `vsce package failed: ${out.stdout}${out.stderr}`);
  return vsix;
}

async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
}

function offerToast(page: Page) {
  return page.locator('.notification-toast', { hasText: OFFER }).first();
}

describe('LuaLS offer in a VS Code workbench', { timeout: 480_000 }, () => {
  let scratch = '';
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  let extension = '';

  before(async () => {
    requireE2eTools();
    scratch = mkdtempSync(join(tmpdir(), 'lua-rules-luals-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    extension = await developmentExtension(scratch);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('with LuaLS installed the offer appears; accepting writes .luarc.json and the definitions, which follow schema changes; it is asked once', async () => {
    const home = join(scratch, 'home');
    installExtension(home, join(home, 'extensions'), stubLualsVsix(scratch));
    assert.ok(listExtensions(home, join(home, 'extensions')).some((l) => l.startsWith('sumneko.lua@')), 'the stub is installed');
    server = await startCodeServer(home);
    browser = await launchBrowser(join(scratch, 'browser'));
    const page = await browser.newPage();

    const workspace = workspaceCopy(scratch, 'accept-workspace');
    const rc = join(workspace, '.luarc.json');
    const meta = join(workspace, 'rules', '.luals', 'lua-rules.lua');
    await openWorkbench(page, devWorkbenchUrl(server, workspace, extension));
    const toast = offerToast(page);
    await toast.waitFor({ timeout: 90_000 });
    await page.waitForTimeout(500); // the toast slides in
    await page.screenshot({ path: join(SHOTS, 'luals-01-offer.png') });
    assert.match(await toast.innerText(), /Set it up for the rules in rules/);
    assert.equal(existsSync(rc) || existsSync(meta), false, 'nothing is written before the user answers');

    await toast.locator('.monaco-button', { hasText: 'Configure' }).click();
    const written = await until('.luarc.json and the meta file', () => readIf(rc) !== undefined && readIf(meta));
    assert.match(written, /^---@meta lua-rules\n/);
    assert.match(written, /---@class Context\.metrics\n/);
    const luarc = JSON.parse(readFileSync(rc, 'utf8')) as { runtime: { version: string }; workspace: { library: string[] }; diagnostics: { globals: string[] } };
    assert.deepEqual([luarc.runtime.version, luarc.workspace.library, luarc.diagnostics.globals], ['Lua 5.3', ['rules/.luals'], ['context']]);
    await page.locator('.notification-toast', { hasText: 'LuaLS set up (wrote' }).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'luals-02-configured.png') });

    // A context schema change regenerates the definitions.
    const schemaPath = join(workspace, 'rules', 'context.schema.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { properties: Record<string, unknown> };
    schema.properties['region'] = { enum: ['eu', 'us'], description: 'Where the epic is delivered.' };
    writeFileSync(schemaPath, JSON.stringify(schema, null, 2));
    await until('the meta file to follow the schema', () => readIf(meta)?.includes('---@alias Context.region'), 30_000);

    // Reloaded: no second offer, and the definitions still follow the schema.
    await openWorkbench(page, devWorkbenchUrl(server, workspace, extension));
    schema.properties['channel'] = { type: 'string' };
    writeFileSync(schemaPath, JSON.stringify(schema, null, 2));
    await until('the meta file to follow the schema after a reload', () => readIf(meta)?.includes('---@field channel? string'), 60_000);
    await page.waitForTimeout(1000);
    assert.equal(await offerToast(page).count(), 0, 'the offer is not repeated once answered');
    await page.screenshot({ path: join(SHOTS, 'luals-03-after-reload.png') });
    await page.close();
  });

  test('declining writes nothing and is remembered too', async () => {
    assert.ok(server && browser, 'the first test started the workbench');
    const page = await browser.newPage();
    const workspace = workspaceCopy(scratch, 'decline-workspace');
    await openWorkbench(page, devWorkbenchUrl(server, workspace, extension));
    const toast = offerToast(page);
    await toast.waitFor({ timeout: 90_000 });
    await toast.locator('.monaco-button', { hasText: /^No$/ }).click();
    await toast.waitFor({ state: 'detached', timeout: 30_000 });
    // The answer travels from the extension host to the workbench's storage, which the
    // browser persists a moment later; a reload in the same instant may lose it (VS Code's, not ours).
    await page.waitForTimeout(3000);

    await openWorkbench(page, devWorkbenchUrl(server, workspace, extension));
    // The extension is up again (its rules view answers) and has not asked again.
    await page.waitForTimeout(8000);
    assert.equal(await offerToast(page).count(), 0, 'not offered again after No');
    assert.equal(existsSync(join(workspace, '.luarc.json')), false);
    assert.equal(existsSync(join(workspace, 'rules', '.luals')), false);
    await page.screenshot({ path: join(SHOTS, 'luals-04-declined.png') });
    await page.close();
  });

  test('a project from lua-rules init is kept current without an offer, and its .luarc.json is left as the user has it', async () => {
    assert.ok(server && browser, 'the first test started the workbench');
    const workspace = join(scratch, 'init-workspace');
    const init = spawnSync(process.execPath, [join(REPO, 'cli', 'bin', 'lua-rules.js'), 'init', workspace], { encoding: 'utf8' });
    assert.equal(init.status, 0, init.stderr);
    // The user's own edit: LuaLS should not be told about context after all.
    const rc = join(workspace, '.luarc.json');
    const userRc = readFileSync(rc, 'utf8').replace(/"globals": \[\s*"context"\s*\]/, '"globals": []');
    writeFileSync(rc, userRc);
    const meta = join(workspace, 'rules', '.luals', 'lua-rules.lua');

    const page = await browser.newPage();
    await openWorkbench(page, devWorkbenchUrl(server, workspace, extension));
    const schemaPath = join(workspace, 'rules', 'context.schema.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { properties: Record<string, unknown> };
    schema.properties['priority'] = { type: 'integer', description: 'Handling priority.' };
    writeFileSync(schemaPath, JSON.stringify(schema, null, 2));
    await until('the meta file to follow the schema', () => readIf(meta)?.includes('---@field priority? integer Handling priority.'), 60_000);
    assert.equal(await offerToast(page).count(), 0, 'no offer: the project is already set up');
    assert.equal(readFileSync(rc, 'utf8'), userRc, '.luarc.json is not touched without a yes');
    await page.close();
  });
});
