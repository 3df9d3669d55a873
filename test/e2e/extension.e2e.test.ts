/**
 * End-to-end tests of the VS Code extension in a real workbench (code-server 4.99.4,
 * Debian's Chromium, playwright-core; installed by scripts/setup-e2e.sh):
 *  1. `npm run package` builds the .vsix; its file list and size are checked;
 *  2. the mocha suite (test/e2e/suite) runs inside the extension host against a
 *     fresh copy of test/e2e/workspace, a SQLite store and a throwaway PostgreSQL;
 *  3. the .vsix installs into code-server, and a few checks go through the page
 *     itself (the squiggle, the Problems panel, a command from the palette, the
 *     rules view), with screenshots in test-artifacts/e2e/.
 * Missing tools make these tests FAIL with the setup command, never skip.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { openStore } from '../../store/src';
import { startPostgres } from '../store/pg-harness';
import type { PgServer } from '../store/pg-harness';
import { ARTIFACTS, REPO, installExtension, launchBrowser, listExtensions, requireE2eTools, runExtensionTests, startCodeServer, testWorkbenchUrl } from './code-server';
import type { CodeServer } from './code-server';
import { answerPrompt, palette, quickOpen, toast } from './workbench-page';

/**
 * Scratch space of one run, inside this checkout's out/ (gitignored): .vscode-test/ may
 * be a link shared by several checkouts, and two runs must not wipe each other's files.
 */
const SCRATCH = process.env['LUA_RULES_E2E_SCRATCH'] ?? join(REPO, 'out', 'e2e-run');
const SHOTS = join(ARTIFACTS, 'e2e');
const VSIX = join(REPO, 'lua-rules.vsix');
/** The .vsix must stay small: bundles, better-sqlite3's addon, schemas, grammar, snippets, docs. */
const MAX_VSIX_BYTES = 6 * 1024 * 1024;

const started = Date.now();
/** Progress lines with the time since the start, to see where an e2e run spends it. */
function step(what: string): void {
  console.log(`# [${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
}

function run(command: string, args: string[], timeoutMs = 300_000): string {
  const out = spawnSync(command, args, { cwd: REPO, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, npm_config_yes: 'true' } });
  assert.equal(out.status, 0, `${command} ${args.join(' ')} failed (${out.status}):\n${out.stdout}\n${out.stderr}`);
  return out.stdout;
}

/** The entries of a zip file (a .vsix), read with Python's zipfile (no unzip on minimal machines). */
function zipEntries(path: string): { name: string; size: number }[] {
  const script = 'import json,sys,zipfile; print(json.dumps([[i.filename,i.file_size] for i in zipfile.ZipFile(sys.argv[1]).infolist()]))';
  const out = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return (JSON.parse(out.stdout) as [string, number][]).map(([name, size]) => ({ name, size }));
}

describe('VS Code extension end to end', { timeout: 600_000 }, () => {
  let pg: PgServer | undefined;
  const servers: CodeServer[] = [];
  /** One browser for both workbenches: a Chromium start costs seconds on a busy machine. */
  let browser: BrowserContext | undefined;
  const browserContext = async (): Promise<BrowserContext> => (browser ??= await launchBrowser(join(SCRATCH, 'browser')));

  before(() => {
    rmSync(SCRATCH, { recursive: true, force: true });
    mkdirSync(SCRATCH, { recursive: true });
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    for (const s of servers) s.stop();
    await pg?.close();
  });

  // Each workbench test checks the tools itself, so a missing tool fails (and is counted as) each of them.
  test('npm run package builds a .vsix with the bundles and what they need, nothing else', () => {
    step('package');
    rmSync(VSIX, { force: true });
    run('npm', ['run', '--silent', 'package']);
    const entries = zipEntries(VSIX);
    const files = entries.map((e) => e.name).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)).sort();
    writeFileSync(join(ARTIFACTS, 'vsix-files.txt'), files.join('\n') + '\n');
    const expected = [
      'dist/extension.js',
      'dist/server.js',
      'dist/fixture-worker.js',
      'dist/native-target.json',
      'dist/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'dist/node_modules/better-sqlite3/lib/index.js',
      'dist/node_modules/bindings/bindings.js',
      'dist/node_modules/file-uri-to-path/index.js',
      'package.json',
      'schemas/fixtures.schema.json',
      'schemas/rule.schema.json',
      'syntaxes/lua-rules.injection.tmLanguage.json',
      'snippets/lua-rules.code-snippets',
      'snippets/fixtures.code-snippets',
      'docs/extension.md',
      'media/lua-rules.svg',
      'readme.md',
    ];
    for (const f of expected) assert.ok(files.some((x) => x.toLowerCase() === f.toLowerCase()), `${f} is in the .vsix:\n${files.join('\n')}`);
    const unexpected = files.filter((f) => !/^(dist\/(extension|server|fixture-worker)\.js|dist\/native-target\.json$|dist\/node_modules\/(better-sqlite3|bindings|file-uri-to-path)\/|package\.json$|schemas\/[\w.-]+\.schema\.json$|syntaxes\/|snippets\/|docs\/extension\.md$|media\/lua-rules\.svg$|readme\.md$|license(\.txt|\.md)?$|changelog\.md$)/i.test(f));
    assert.deepEqual(unexpected, [], 'nothing else is shipped (no sources, tests, maps, root node_modules)');
    // One .vsix per platform: it carries a native addon built here, so it says which platform it is for.
    const manifest = zipText(VSIX, 'extension.vsixmanifest');
    const target = `${process.platform}-${process.arch}`;
    assert.match(manifest, new RegExp(`TargetPlatform="${target}"`), 'vsce package --target');
    const built = JSON.parse(zipText(VSIX, 'extension/dist/native-target.json')) as { target: string; modules: string };
    assert.deepEqual([built.target, built.modules], [target, process.versions.modules]);
    const size = statSync(VSIX).size;
    assert.ok(size < MAX_VSIX_BYTES, `.vsix is ${size} bytes, limit ${MAX_VSIX_BYTES}`);
    console.log(`# .vsix: ${files.length} files, ${(size / 1024).toFixed(0)} KiB`);
  });

  test('the extension-host suite passes in code-server (SQLite and PostgreSQL stores)', async () => {
    requireE2eTools();
    step('suite: starting PostgreSQL');
    pg = await startPostgres();
    const pgUrl = await pg.createDatabase();
    // The suite, bundled for the extension host; mocha and vscode come from outside.
    const testsOut = join(REPO, 'out', 'e2e', 'suite', 'index.js');
    await build({ entryPoints: [join(REPO, 'test/e2e/suite/index.ts')], outfile: testsOut, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], sourcemap: 'inline', logLevel: 'warning' });
    const workspace = join(SCRATCH, 'suite-workspace');
    cpSync(join(REPO, 'test/e2e/workspace'), workspace, { recursive: true });

    step('suite: starting code-server');
    const server = await startCodeServer(join(SCRATCH, 'suite-home'), { LUA_RULES_E2E_PG_URL: pgUrl });
    step('suite: launching chromium');
    servers.push(server);
    const page = await (await browserContext()).newPage();
    const lines: string[] = [];
    step('suite: running the extension tests');
    const code = await runExtensionTests(page, testWorkbenchUrl(server, workspace, REPO, testsOut), 300_000, (line) => {
      lines.push(line);
      console.log(`# ${line.replace(/\n/g, '\n# ')}`);
    });
    writeFileSync(join(ARTIFACTS, 'e2e-suite.log'), lines.join('\n') + '\n');
    await page.screenshot({ path: join(SHOTS, '00-suite-end.png') }).catch(() => undefined);
    assert.equal(code, 0, `the extension-host suite failed:\n${lines.join('\n')}`);
    assert.ok(lines.some((l) => /\d+ passing/.test(l)), 'mocha reported its passing tests');
    await page.close();
    server.stop();
  });

  test('the .vsix installs into code-server; the page shows the squiggle, the Problems panel, runs explained and notified by severity, publish checks first, history times, the rules view, fixtures and coverage', async () => {
    requireE2eTools();
    const home = join(SCRATCH, 'page-home');
    const extensionsDir = join(home, 'extensions');
    mkdirSync(extensionsDir, { recursive: true });
    step('page: installing the .vsix');
    installExtension(home, extensionsDir, VSIX);
    assert.ok(listExtensions(home, extensionsDir).some((l) => l.startsWith('lua-rules.lua-rules@')), 'listed after install');

    const workspace = join(SCRATCH, 'page-workspace');
    cpSync(join(REPO, 'test/e2e/workspace'), workspace, { recursive: true });
    writeFileSync(join(workspace, 'rules', 'broken_rule.lua'), '---@rule broken_rule\n---@category epic\nreturn { decision = "maybe", confidence = 0.5, reasoning = "x" }\n');
    writeFileSync(join(workspace, 'rules', 'broken_rule.fixtures.json'), JSON.stringify({ fixtures: [{ name: 'must-escalate', context: {}, expect: { decision: 'escalated' } }] }, null, 2));
    // A rule whose fixture fails (a warning) and whose middle tier no fixture reaches (coverage).
    writeFileSync(
      join(workspace, 'rules', 'tiered_rule.lua'),
      [
        '---@rule tiered_rule',
        '---@category epic',
        'local score = context.score or 0',
        'if score > 80 then',
        '  return { decision = "autonomous", confidence = 0.95, reasoning = "score " .. score }',
        'elseif score > 40 then',
        '  return { decision = "collaborative", confidence = 0.8, reasoning = "middle" }',
        'end',
        'return { decision = "escalated", confidence = 0.4, reasoning = "low score " .. score }',
        '',
      ].join('\n'),
    );
    writeFileSync(join(workspace, 'rules', 'tiered_rule.fixtures.json'), JSON.stringify({ fixtures: [{ name: 'high', context: { score: 90 }, expect: { decision: 'autonomous' } }, { name: 'low-wrongly-expected', context: { score: 10 }, expect: { decision: 'collaborative' } }] }, null, 2));
    // Published rules for the rules view, through the CLI on the same SQLite store: one
    // live, one waiting for an approval; and an engine's heartbeat serving the live one.
    const storeUrl = `sqlite:${join(workspace, '.lua-rules', 'e2e.db')}`;
    for (const rule of ['epic_wsjf_validation.lua', 'needs_review.lua']) {
      run(process.execPath, ['cli/bin/lua-rules.js', 'publish', join(workspace, 'rules', rule), '--store', storeUrl, '--author', 'e2e-cli', '--message', 'from the CLI']);
    }
    const store = openStore(storeUrl);
    const now = new Date().toISOString();
    await store.heartbeat({ engineId: 'e2e-engine-1', host: 'e2e-host', pid: process.pid, startedAt: now, lastSeen: now, status: 'running', rules: { epic_wsjf_validation: 1 } });
    await store.close();
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'luaRules.store.url': 'sqlite:.lua-rules/e2e.db', 'luaRules.author': 'e2e-page', 'files.autoSave': 'off' }, null, 2));

    step('page: starting code-server');
    const server = await startCodeServer(home);
    servers.push(server);
    const page = await (await browserContext()).newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // Ready when the extension's server has opened the store: its status bar item says so.
    await page.locator('.statusbar-item', { hasText: 'SQLite store' }).first().waitFor({ timeout: 60_000 });

    step('page: squiggle');
    await quickOpen(page, 'broken_rule.lua');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, '01-diagnostics-squiggle.png') });

    step('page: problems panel');
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'maybe' }).first();
    await row.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, '02-problems-panel.png') });
    assert.match((await page.locator('.markers-panel').innerText()) ?? '', /invalid-decision|decision/);

    step('page: a failed rule is an error notification, and its fields are not ticked');
    await runOnFixtureFromPalette(page, 'must-escalate');
    assert.equal(await toast(page, 'the rule failed (invalid-result)'), 'error');
    const failedRun = page.locator('.output-view, .panel .monaco-editor', { hasText: 'fixture "must-escalate"' }).first();
    await failedRun.waitFor({ timeout: 30_000 });
    const failedText = plain(await failedRun.innerText());
    assert.match(failedText, /decision:.*the rule failed\).*expected escalated ✗/);
    assert.doesNotMatch(failedText, /✓/);
    await page.screenshot({ path: join(SHOTS, '03-failed-run-error.png') });
    await clearToasts(page);

    step('page: a failed fixture is a warning notification');
    await quickOpen(page, 'tiered_rule.lua');
    await page.locator('.monaco-editor .view-line', { hasText: 'tiered_rule' }).first().waitFor({ timeout: 30_000 });
    await runOnFixtureFromPalette(page, 'low-wrongly-expected');
    assert.equal(await toast(page, 'decision is escalated, expected collaborative'), 'warning');
    await clearToasts(page);

    step('page: run on fixture, explained');
    // Only this run in the output, so the page shows all of it.
    await palette(page, 'Clear Output');
    await page.locator('.panel .monaco-editor .view-line', { hasText: 'low-wrongly-expected' }).first().waitFor({ state: 'detached', timeout: 10_000 });
    await runOnFixtureFromPalette(page, 'high');
    assert.equal(await toast(page, /tiered_rule: autonomous \(0\.95\) at line 5 passed/), 'info');
    const explained = page.locator('.output-view, .panel .monaco-editor', { hasText: '← returned the result' }).first();
    await explained.waitFor({ timeout: 30_000 });
    const explainedText = plain(await explained.innerText());
    assert.match(explainedText, /4 +if score > 80 then +│ .*context\.score = 90|3 +local score = context\.score or 0 +│ context\.score = 90/);
    assert.match(explainedText, /5 +return \{ decision = "autonomous".*│ ← returned the result/);
    await page.screenshot({ path: join(SHOTS, '04-explained-run.png') });
    await clearToasts(page);

    step('page: publish checks first, then asks for the message naming the rule');
    await quickOpen(page, 'broken_rule.lua');
    await palette(page, 'Lua Rules: Publish Rule…');
    assert.equal(await toast(page, 'broken_rule cannot be published'), 'error');
    assert.equal(await page.locator('.quick-input-widget', { hasText: 'Publish broken_rule' }).count(), 0, 'no message asked for a refused rule');
    await clearToasts(page);
    await quickOpen(page, 'epic_wsjf_validation.lua');
    await palette(page, 'Lua Rules: Publish Rule…');
    assert.equal(await toast(page, 'epic_wsjf_validation is unchanged since version 1'), 'info');
    await clearToasts(page);
    await quickOpen(page, 'tiered_rule.lua');
    await page.locator('.monaco-editor .view-line', { hasText: 'tiered_rule' }).first().waitFor({ timeout: 30_000 });
    writeFileSync(join(workspace, 'rules', 'tiered_rule.fixtures.json'), JSON.stringify({ fixtures: [{ name: 'high', context: { score: 90 }, expect: { decision: 'autonomous' } }, { name: 'low', context: { score: 10 }, expect: { decision: 'escalated' } }] }, null, 2));
    await palette(page, 'Lua Rules: Publish Rule…');
    const prompt = page.locator('.quick-input-widget', { hasText: 'Publish tiered_rule as version 1' });
    await prompt.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, '05-publish-prompt.png') });
    await answerPrompt(prompt, 'first tiers');
    assert.equal(await toast(page, 'Published tiered_rule version 1'), 'info');
    await clearToasts(page);

    step('page: history in local readable times');
    await palette(page, 'Lua Rules: Show History…');
    const historyRow = page.locator('.quick-input-list .monaco-list-row', { hasText: 'e2e-page' }).first();
    await historyRow.waitFor({ timeout: 30_000 });
    const historyText = plain(await historyRow.innerText());
    assert.match(historyText, /\d{1,2}:\d{2}/);
    assert.match(historyText, /just now|min ago/);
    assert.doesNotMatch(historyText, /\d{4}-\d\d-\d\dT\d\d:\d\d/);
    await page.screenshot({ path: join(SHOTS, '06-history-times.png') });
    await page.keyboard.press('Escape');

    step('page: rules view');
    await palette(page, 'View: Hide Panel');
    await palette(page, 'Lua Rules: Focus on Rules View');
    const ruleInView = page.locator('.monaco-list-row', { hasText: 'epic_wsjf_validation' }).filter({ hasText: 'v1 live' }).first();
    await ruleInView.waitFor({ timeout: 30_000 });
    await page.locator('.monaco-list-row', { hasText: 'e2e-host: v1' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.monaco-list-row', { hasText: 'v1 pending' }).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, '07-rules-view.png') });

    step('page: test explorer');
    await palette(page, 'Testing: Focus on Test Explorer View');
    await page.locator('.monaco-list-row', { hasText: 'needs_review' }).first().waitFor({ timeout: 30_000 });
    await palette(page, 'Lua Rules: Run All Fixtures');
    // Only the run's result makes these true: its summary toast, and passed icons in the tree.
    // broken_rule's fixture fails on purpose: a run with a failure is a warning.
    assert.equal(await toast(page, /Lua Rules fixtures: \d+ passed, 1 failed/), 'warning');
    await page.locator('.test-explorer .monaco-list-row .codicon-testing-passed-icon').first().waitFor({ timeout: 30_000 });
    await page.locator('.test-explorer .monaco-list-row', { hasText: 'broken_rule' }).locator('.codicon-testing-failed-icon').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, '08-test-explorer.png') });
    await clearToasts(page);

    step('page: run with coverage, the gutter');
    await palette(page, 'Test: Run All Tests with Coverage');
    await page.locator('.monaco-list-row', { hasText: 'tiered_rule' }).first().waitFor({ timeout: 30_000 });
    await quickOpen(page, 'tiered_rule.lua');
    await page.locator('.monaco-editor .view-line', { hasText: 'tiered_rule' }).first().waitFor({ timeout: 30_000 });
    // Covered and uncovered lines are marked in the editor's gutter (VS Code's coverage decorations).
    await page.locator('.monaco-editor .coverage-deco-gutter.coverage-deco-miss').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-editor .coverage-deco-gutter.coverage-deco-hit').first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, '09-coverage-gutter.png') });
    await page.close();
    server.stop();
  });

  test('Restricted Mode: the extension says what it limits, and store commands refuse with the reason', async () => {
    requireE2eTools();
    const home = join(SCRATCH, 'restricted-home');
    const extensionsDir = join(home, 'extensions');
    mkdirSync(extensionsDir, { recursive: true });
    installExtension(home, extensionsDir, VSIX);
    const workspace = join(SCRATCH, 'restricted-workspace');
    cpSync(join(REPO, 'test/e2e/workspace'), workspace, { recursive: true });
    step('restricted: starting code-server with workspace trust on');
    const server = await startCodeServer(home, {}, { workspaceTrust: true });
    servers.push(server);
    const page = await (await browserContext()).newPage();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60_000 });
    assert.equal(await toast(page, 'Lua Rules is in Restricted Mode'), 'info');
    // What still works: checks (a squiggle) in the sandboxed, store-less server.
    writeFileSync(join(workspace, 'rules', 'broken_rule.lua'), '---@rule broken_rule\n---@category epic\nreturn { decision = "maybe", confidence = 0.5, reasoning = "x" }\n');
    await quickOpen(page, 'broken_rule.lua');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 });
    await clearToasts(page);
    await quickOpen(page, 'epic_wsjf_validation.lua');
    await palette(page, 'Lua Rules: Publish Rule…');
    assert.equal(await toast(page, /Restricted Mode: .*the rule store \(publish/), 'warning');
    await page.screenshot({ path: join(SHOTS, '10-restricted-mode.png') });
    await page.close();
    server.stop();
  });
});

/** Text as the page renders it, with the editor's non-breaking spaces as spaces. */
function plain(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

/** One file of a zip (a .vsix) as text, read with Python's zipfile. */
function zipText(path: string, entry: string): string {
  const out = spawnSync('python3', ['-c', 'import sys,zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())', path, entry], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout;
}

async function clearToasts(page: Page): Promise<void> {
  await palette(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
}

/** Run Rule on Fixture from the palette on the active rule, picking a fixture by name. */
async function runOnFixtureFromPalette(page: Page, fixture: string): Promise<void> {
  await palette(page, 'Lua Rules: Run Rule on Fixture');
  const fixtureRow = page.locator('.quick-input-list .monaco-list-row', { hasText: fixture }).first();
  await fixtureRow.waitFor({ timeout: 30_000 });
  await fixtureRow.click();
}

