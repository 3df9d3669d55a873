/**
 * Impact analysis in a real workbench (issue 13; code-server + Chromium, like the other
 * e2e tests): a rule is live in a SQLite store with captured decisions; the workspace
 * holds a draft of it. The page opens the draft, runs "Lua Rules: Show Impact of This
 * Draft" (a webview with the summary, the transition table and the examples), clicks an
 * example (the draft runs on its context), then "Publish Rule…", which shows the
 * impact summary in a modal before asking for the message; the published version keeps
 * the summary in its evidence (`history --json`). Screenshots in test-artifacts/e2e/impact-*.png.
 *
 * Everything lives in a fresh temporary folder and code-server takes a free port.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { openStore, type ExecutionLogRecord } from '../../store/src';
import { ARTIFACTS, REPO, launchBrowser, requireE2eTools, startCodeServer } from './code-server';
import type { CodeServer } from './code-server';
import { answerPrompt, developmentExtension, devWorkbenchUrl, palette, quickOpen, toast, workspaceCopy } from './workbench-page';

const SHOTS = join(ARTIFACTS, 'e2e');

const LIVE = `---@rule tiers
---@category epic
local x = context.x
if x >= 10 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end
if x >= 5 then return { decision = "collaborative", confidence = 0.8, reasoning = "mid" } end
return { decision = "escalated", confidence = 0.3, reasoning = "low" }
`;
/** Autonomous from 8 instead of 10, and a failure on a negative x: 3 of the 14 decisions below change. */
const DRAFT = LIVE.replace('if x >= 10', 'if x < 0 then error("negative x") end\nif x >= 8');

function cli(args: string[]): string {
  const out = spawnSync(process.execPath, [join(REPO, 'cli', 'bin', 'lua-rules.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(out.status, 0, `lua-rules ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

/** The webview frame showing the impact (VS Code nests the page two iframes deep). */
async function impactFrame(page: Page, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if ((await frame.locator('#headline').count().catch(() => 0)) > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error('no webview with the impact headline appeared');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('impact analysis in a VS Code workbench', { timeout: 480_000 }, () => {
  let scratch = '';
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;

  before(() => {
    requireE2eTools();
    scratch = mkdtempSync(join(tmpdir(), 'lua-rules-impact-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('open a draft, show its impact, run an example, publish with the summary shown and kept in the evidence', async () => {
    const extension = await developmentExtension(scratch);
    const workspace = workspaceCopy(scratch, 'workspace');
    const storeUrl = `sqlite:${join(workspace, '.lua-rules', 'e2e.db')}`;
    // The live version, published from a file outside the workspace; the workspace holds the draft.
    const liveFile = join(scratch, 'live', 'tiers.lua');
    mkdirSync(join(scratch, 'live'), { recursive: true });
    writeFileSync(liveFile, LIVE);
    cli(['publish', liveFile, '--store', storeUrl, '--author', 'e2e-cli', '--message', 'live tiers']);
    writeFileSync(join(workspace, 'rules', 'tiers.lua'), DRAFT);
    const store = openStore(storeUrl);
    const records: ExecutionLogRecord[] = [];
    for (let x = -1; x <= 12; x++) {
      const decision = x >= 10 ? 'autonomous' : x >= 5 ? 'collaborative' : 'escalated';
      records.push({ rule: 'tiers', version: 1, decision, confidence: x >= 10 ? 0.95 : x >= 5 ? 0.8 : 0.3, durationMs: 0.1, errorCode: null, correlationId: `req-${x}`, engineId: 'e2e', category: 'epic', context: { x }, at: new Date(Date.now() - (100 - x) * 1000).toISOString() });
    }
    await store.recordExecutions(records);
    await store.close();
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'luaRules.store.url': 'sqlite:.lua-rules/e2e.db', 'luaRules.author': 'e2e-page', 'files.autoSave': 'off' }, null, 2));

    server = await startCodeServer(join(scratch, 'home'));
    browser = await launchBrowser(join(scratch, 'browser'));
    const page = await browser.newPage();
    await page.goto(devWorkbenchUrl(server, workspace, extension));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.statusbar-item', { hasText: 'SQLite store' }).first().waitFor({ timeout: 90_000 });

    // Open the draft and show its impact.
    await quickOpen(page, 'tiers.lua');
    await page.locator('.monaco-editor .view-line', { hasText: 'negative x' }).first().waitFor({ timeout: 30_000 });
    await palette(page, 'Lua Rules: Show Impact of This Draft');
    await page.locator('.tabs-container .tab', { hasText: 'Impact: tiers' }).first().waitFor({ timeout: 60_000 });
    const view = await impactFrame(page);
    assert.equal(await view.locator('#headline').innerText(), 'tiers: 3 of 14 decisions change (21.4%) against live version 1');
    const table = (await view.locator('#transitions').innerText()).replace(/\s+/g, ' ');
    assert.match(table, /collaborative → autonomous 2 changed/);
    assert.match(table, /escalated → error 1 changed/);
    assert.match(table, /escalated → escalated 5/);
    // One button per example: the three changed decisions (the live version reproduces every logged answer).
    assert.equal(await view.locator('button.run').count(), 3);
    await page.screenshot({ path: join(SHOTS, 'impact-01-view.png') });

    // Click an example: the draft runs on its context (x = 9, newest first): autonomous now.
    await view.locator('button.run').first().click();
    assert.equal(await toast(page, /tiers: autonomous \(0\.95\)/), 'info');
    await page.screenshot({ path: join(SHOTS, 'impact-02-example-run.png') });

    // Publish: the impact summary comes first, in the confirmation.
    await quickOpen(page, 'tiers.lua');
    await palette(page, 'Lua Rules: Publish Rule…');
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Publish tiers?' }).first();
    await dialog.waitFor({ timeout: 60_000 });
    const dialogText = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.match(dialogText, /tiers: 3 of 14 decisions change \(21\.4%\) against live version 1/);
    assert.match(dialogText, /collaborative → autonomous +2 +changed/);
    await page.screenshot({ path: join(SHOTS, 'impact-03-publish-confirm.png') });
    await dialog.locator('.monaco-button', { hasText: /^Publish$/ }).first().click();
    const prompt = page.locator('.quick-input-widget', { hasText: 'Publish tiers as version 2' });
    await prompt.waitFor({ timeout: 30_000 });
    await answerPrompt(prompt, 'autonomous from 8');
    assert.equal(await toast(page, 'Published tiers version 2'), 'info');
    await page.screenshot({ path: join(SHOTS, 'impact-04-published.png') });
    await page.close();

    const history = JSON.parse(cli(['history', 'tiers', '--json', '--store', storeUrl])) as { versions: { number: number; author: string; evidence: { impact?: { liveVersion: number; replayed: number; changed: number; transitions: Record<string, number>; examples?: unknown } } | null }[] };
    const v2 = history.versions[0];
    assert.equal(v2?.number, 2);
    assert.equal(v2?.author, 'e2e-page');
    assert.deepEqual([v2?.evidence?.impact?.liveVersion, v2?.evidence?.impact?.replayed, v2?.evidence?.impact?.changed], [1, 14, 3]);
    assert.equal(v2?.evidence?.impact?.transitions['collaborative->autonomous'], 2);
    assert.equal(v2?.evidence?.impact?.examples, undefined, 'no example contexts in the evidence');
  });
});
