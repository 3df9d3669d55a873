/**
 * The extension in a real workbench, through the `vscode` API only: diagnostics,
 * Run Rule on Fixture, the Test Explorer, publish to SQLite and PostgreSQL, history,
 * rollback and approval. The workspace is a fresh copy of test/e2e/workspace.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { HistoryResult, PublishResult, RuleSwitchResult, RunRuleResult, StoreStatus, VersionChangeResult } from '../../../protocol/src/custom-messages';
import type { LuaRulesApi } from '../../../client/src/extension';
import type { FixturesRunSummary } from '../../../client/src/test-controller';

const EXTENSION_ID = 'lua-rules.lua-rules';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the e2e workbench opens a folder');
  return f.uri;
}

const file = (...parts: string[]): vscode.Uri => vscode.Uri.joinPath(folder(), ...parts);

async function write(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

function errors(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
}

const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);

async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('luaRules').update(key, value, vscode.ConfigurationTarget.Workspace);
}

describe('Lua Rules extension in a VS Code workbench', function () {
  let api: LuaRulesApi;
  const wsjf = (): vscode.Uri => file('rules', 'epic_wsjf_validation.lua');

  before(async function () {
    const extension = vscode.extensions.getExtension<LuaRulesApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is loaded`);
    api = await extension.activate();
    await api.ready();
  });

  it('starts the server on Node from PATH and opens the SQLite store', async function () {
    assert.match(api.runtime(), /node/);
    const status = await waitFor<StoreStatus>('the store to connect', async () => {
      const s = await api.storeStatus();
      return s?.state === 'connected' ? s : undefined;
    });
    assert.equal(status.backend, 'sqlite');
    assert.match(status.display, /e2e\.db$/);
    assert.match(status.runtime, /^node v\d+/);
  });

  describe('diagnostics', function () {
    const broken = (): vscode.Uri => file('rules', 'broken_rule.lua');

    it('appear for a broken rule', async function () {
      await write(broken(), '---@rule broken_rule\n---@category epic\nreturn { decision = "maybe", confidence = 1.5, reasoning = "x" }\n');
      const document = await vscode.workspace.openTextDocument(broken());
      await vscode.window.showTextDocument(document);
      const found = await waitFor('diagnostics on the broken rule', () => {
        const e = errors(broken());
        return e.length >= 2 ? e : undefined;
      });
      const codes = found.map(codeOf).sort();
      assert.ok(codes.includes('invalid-decision'), `codes: ${codes.join(', ')}`);
      assert.ok(codes.includes('confidence-out-of-range'), `codes: ${codes.join(', ')}`);
      assert.ok(found.every((d) => d.source === 'lua-rules'));
    });

    it('go away when the rule is fixed', async function () {
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(broken()));
      const text = editor.document.getText();
      await editor.edit((edit) => edit.replace(new vscode.Range(editor.document.positionAt(0), editor.document.positionAt(text.length)), '---@rule broken_rule\n---@category epic\nreturn { decision = "escalated", confidence = 0.5, reasoning = "fixed" }\n'));
      await waitFor('the diagnostics to clear', () => (errors(broken()).length === 0 ? true : undefined));
      await editor.document.save();
    });
  });

  describe('Run Rule on Fixture', function () {
    it('runs a fixture and compares with its expectations', async function () {
      const result = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: wsjf(), fixture: 'high-wsjf' });
      assert.ok(result?.ok, JSON.stringify(result));
      assert.equal(result.ruleName, 'epic_wsjf_validation');
      const [outcome] = result.outcomes;
      assert.ok(outcome);
      assert.equal(outcome.name, 'high-wsjf');
      assert.equal(outcome.result.decision, 'autonomous');
      assert.equal(outcome.result.confidence, 0.95);
      assert.match(outcome.result.reasoning, /High WSJF \(60\)/);
      assert.deepEqual(outcome.mismatches, []);
      assert.equal(outcome.expected['decision'], 'autonomous');
      assert.ok(outcome.instructions > 0);
      assert.ok(outcome.durationMs >= 0);
    });

    it('is offered as a code lens on each fixture result', async function () {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(wsjf()));
      const lenses = await waitFor('fixture code lenses', async () => {
        const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', wsjf());
        return found && found.some((l) => l.command?.command === 'luaRules.runOnFixture') ? found : undefined;
      });
      const lens = lenses.find((l) => l.command?.command === 'luaRules.runOnFixture');
      assert.match(lens?.command?.title ?? '', /high-wsjf/);
      const result = await vscode.commands.executeCommand<RunRuleResult>(lens!.command!.command, ...(lens!.command!.arguments ?? []));
      assert.ok(result?.ok && result.outcomes.length === 1);
    });

    it('runs a custom context from a JSON file', async function () {
      const result = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: wsjf(), contextFile: file('custom-context.json').fsPath });
      assert.ok(result?.ok, JSON.stringify(result));
      assert.equal(result.outcomes[0]?.result.decision, 'escalated');
      assert.equal(result.outcomes[0]?.hasExpectations, false);
    });

    it('says what is wrong with a bad context file or fixture name', async function () {
      await write(file('bad-context.json'), '{ "metrics": ');
      const bad = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: wsjf(), contextFile: file('bad-context.json').fsPath });
      assert.equal(bad?.ok, false);
      assert.match(bad.ok ? '' : bad.message, /not valid JSON/);
      const unknown = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: wsjf(), fixture: 'no-such-fixture' });
      assert.equal(unknown?.ok, false);
      assert.match(unknown.ok ? '' : unknown.message, /no fixture named "no-such-fixture"/);
    });

    it('uses the unsaved text of the editor', async function () {
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(wsjf()));
      const at = editor.document.getText().indexOf('confidence = 0.95');
      assert.ok(at > 0);
      await editor.edit((e) => e.replace(new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + 'confidence = 0.95'.length)), 'confidence = 0.91'));
      const result = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: wsjf(), fixture: 'high-wsjf' });
      assert.ok(result?.ok);
      assert.equal(result.outcomes[0]?.result.confidence, 0.91);
      assert.deepEqual(
        result.outcomes[0]?.mismatches.map((m) => m.field),
        ['confidence'],
      );
      await vscode.commands.executeCommand('undo');
      await waitFor('the undo', () => (editor.document.getText().includes('confidence = 0.95') ? true : undefined));
      await editor.document.save();
    });
  });

  describe('Test Explorer', function () {
    it('lists every rule with fixtures and its fixtures', async function () {
      const items = await waitFor('test items', async () => {
        const snapshot = await api.testItems();
        return Object.keys(snapshot).length >= 3 ? snapshot : undefined;
      });
      assert.ok(items['epic_wsjf_validation']?.includes('high-wsjf'), JSON.stringify(items));
      assert.deepEqual(items['needs_review'], ['large', 'small']);
      assert.ok((items['epic_priority']?.length ?? 0) > 0);
    });

    it('runs all fixtures: pass, then a readable failure', async function () {
      const green = await vscode.commands.executeCommand<FixturesRunSummary>('luaRules.runAllFixtures');
      assert.equal(green.failed, 0, JSON.stringify(green.results));
      assert.equal(green.errored, 0, JSON.stringify(green.results));
      assert.ok(green.passed >= 10, `passed ${green.passed}`);

      const fixtures = file('rules', 'needs_review.fixtures.json');
      const original = new TextDecoder().decode(await vscode.workspace.fs.readFile(fixtures));
      await write(fixtures, original.replace('"decision": "autonomous", "confidence": 0.92', '"decision": "escalated", "confidence": 0.92'));
      try {
        const red = await vscode.commands.executeCommand<FixturesRunSummary>('luaRules.runAllFixtures');
        assert.equal(red.failed, 1, JSON.stringify(red.results));
        assert.match(red.results['needs_review/small'] ?? '', /decision is autonomous, expected escalated/);
      } finally {
        await write(fixtures, original);
      }
    });
  });

  describe('issue 15: the author\'s loop in the editor', function () {
    it('a rule that fails meets none of the fixture\'s expectations, said in the rule\'s terms', async function () {
      const rule = file('rules', 'fails_rule.lua');
      await write(rule, '---@rule fails_rule\n---@category epic\nlocal m = context.metrics\nreturn { decision = m.kind, confidence = 0.5, reasoning = "x" }\n');
      await write(file('rules', 'fails_rule.fixtures.json'), JSON.stringify({ fixtures: [{ name: 'escalates', context: { metrics: { kind: 'maybe' } }, expect: { decision: 'escalated', confidence: 0 } }] }));
      const result = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: rule, fixture: 'escalates' });
      assert.ok(result?.ok, JSON.stringify(result));
      const outcome = result.outcomes[0]!;
      // The failure's fallback is "escalated, 0": it must not tick the expected escalated/0 as met.
      assert.deepEqual(outcome.mismatches.map((m) => m.field), ['error', 'decision', 'confidence']);
      assert.match(outcome.mismatches[0]!.text, /^the rule failed \(invalid-result\): invalid result: /);
      assert.equal(outcome.mismatches[1]!.text, 'no decision (expected escalated): the rule failed');
      assert.equal(outcome.result.line, 4, 'an invalid result still says which return produced it');
      await vscode.workspace.fs.delete(rule);
      await vscode.workspace.fs.delete(file('rules', 'fails_rule.fixtures.json'));
    });

    it('Run Rule on Fixture explains the run: lines in order, context values read, the returning line', async function () {
      const result = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: wsjf(), fixture: 'high-wsjf' });
      assert.ok(result?.ok);
      const outcome = result.outcomes[0]!;
      assert.equal(typeof outcome.result.line, 'number');
      const explain = (outcome.explain ?? []).join('\n');
      assert.match(explain, /context\.metrics\.wsjf_score = 60/);
      assert.match(explain, new RegExp(`${outcome.result.line} +return \\{.*← returned the result`));
    });

    it('the fixture lens shows the line that returned each result', async function () {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(wsjf()));
      const lenses = await waitFor('fixture lenses with lines', async () => {
        const found = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', wsjf());
        return found?.some((l) => /\(line \d+\)$/.test(l.command?.title ?? '')) ? found : undefined;
      });
      assert.ok(lenses.some((l) => /✓ high-wsjf → autonomous 0\.95 \(line \d+\)/.test(l.command?.title ?? '')), lenses.map((l) => l.command?.title).join(' | '));
    });

    it('quick fixes: 1.5 clamps to 1, 95 becomes 0.95; a bad decision offers the near miss and the three values', async function () {
      const rule = file('rules', 'fixable_rule.lua');
      await write(rule, '---@rule fixable_rule\n---@category epic\nif context.x then return { decision = "autonomus", confidence = 1.5, reasoning = "a" } end\nreturn { decision = "approve", confidence = 95, reasoning = "b" }\n');
      const document = await vscode.workspace.openTextDocument(rule);
      await vscode.window.showTextDocument(document);
      const diagnostics = await waitFor('four diagnostics', () => {
        const e = errors(rule);
        return e.length >= 4 ? e : undefined;
      });
      // The quick fixes offered at each diagnostic's range (the actions VS Code's light bulb lists there).
      const titles = async (code: string, line: number, pattern: RegExp): Promise<string[]> => {
        const d = diagnostics.find((x) => codeOf(x) === code && x.range.start.line === line);
        assert.ok(d, `${code} on line ${line + 1}: ${diagnostics.map((x) => `${codeOf(x)}@${x.range.start.line}`).join(', ')}`);
        const actions = await waitFor(`quick fixes for ${code}`, async () => {
          const found = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', rule, d.range);
          return found && found.length > 0 ? found : undefined;
        });
        return actions.map((a) => a.title).filter((t) => pattern.test(t));
      };
      assert.deepEqual(await titles('confidence-out-of-range', 2, /^(Clamp|Change to \d)/), ['Clamp to 1']);
      assert.deepEqual(await titles('confidence-out-of-range', 3, /^(Clamp|Change to \d)/), ['Change to 0.95 (95 %)']);
      assert.deepEqual(await titles('invalid-decision', 2, /^Change to "/), ['Change to "autonomous"', 'Change to "collaborative"', 'Change to "escalated"']);
      assert.deepEqual(await titles('invalid-decision', 3, /^Change to "/), ['Change to "autonomous"', 'Change to "collaborative"', 'Change to "escalated"']);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await vscode.workspace.fs.delete(rule);
    });

    it('Run with Coverage: each rule\'s lines run by its fixtures', async function () {
      const summary = await api.runAllFixturesWithCoverage();
      assert.equal(summary.failed, 0, JSON.stringify(summary.results));
      const wsjfCoverage = summary.coverage?.['epic_wsjf_validation'];
      assert.ok(wsjfCoverage && wsjfCoverage.lines > 10 && wsjfCoverage.covered > 10, JSON.stringify(summary.coverage));
      assert.ok(summary.coverage?.['needs_review'], 'every Lua rule with fixtures');
    });

    it('a fixtures file copied elsewhere validates against the mapped schema, with no relative $schema to break', async function () {
      const copy = file('elsewhere', 'deep', 'copied.fixtures.json');
      const original = new TextDecoder().decode(await vscode.workspace.fs.readFile(file('rules', 'epic_wsjf_validation.fixtures.json')));
      assert.ok(!original.includes('"$schema"'));
      await write(copy, original.replace('"decision": "autonomous"', '"decision": 7'));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(copy));
      const found = await waitFor('a schema diagnostic on the copy', () => {
        const all = vscode.languages.getDiagnostics(copy);
        return all.some((d) => /decision/.test(d.message) || /string/.test(d.message)) ? all : undefined;
      });
      assert.ok(!found.some((d) => /Unable to load schema/i.test(d.message)), found.map((d) => d.message).join(' | '));
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
  });

  describe('store: SQLite', function () {
    it('refuses to publish a rule whose fixtures fail, with the findings', async function () {
      const rule = file('rules', 'refused_rule.lua');
      await write(rule, '---@rule refused_rule\n---@category epic\nreturn { decision = "autonomous", confidence = 0.95, reasoning = "always" }\n');
      await write(file('rules', 'refused_rule.fixtures.json'), JSON.stringify({ fixtures: [{ name: 'must-escalate', context: {}, expect: { decision: 'escalated' } }] }));
      const result = await vscode.commands.executeCommand<PublishResult>('luaRules.publish', { uri: rule, message: 'should not land' });
      assert.equal(result?.ok, false);
      assert.ok(!result.ok && result.refused);
      assert.match(result.ok ? '' : result.problems.join('\n'), /fixture "must-escalate" failed: decision is autonomous, expected escalated/);
      const history = await vscode.commands.executeCommand<HistoryResult>('luaRules.showHistory', { rule: 'refused_rule', version: 1, action: 'none' });
      assert.equal(history?.ok, false, 'nothing was written');
    });

    it('publishes a new version, shows the history, opens and diffs a version, rolls back', async function () {
      const first = await vscode.commands.executeCommand<PublishResult>('luaRules.publish', { uri: wsjf(), message: 'first version' });
      assert.ok(first?.ok, JSON.stringify(first));
      assert.equal(first.version, 1);
      assert.equal(first.state, 'live');

      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(wsjf()));
      await editor.edit((e) => e.insert(new vscode.Position(editor.document.lineCount, 0), '-- second version\n'));
      const second = await vscode.commands.executeCommand<PublishResult>('luaRules.publish', { uri: wsjf(), message: 'a comment' });
      assert.ok(second?.ok, JSON.stringify(second));
      assert.equal(second.version, 2);
      assert.equal(editor.document.isDirty, false, 'publish saves the file first');

      const history = await vscode.commands.executeCommand<HistoryResult>('luaRules.showHistory', { rule: 'epic_wsjf_validation', version: 1, action: 'open' });
      assert.ok(history?.ok);
      assert.deepEqual(
        history.versions.map((v) => [v.number, v.author, v.message, v.state]),
        [
          [2, 'e2e-author', 'a comment', 'live'],
          [1, 'e2e-author', 'first version', 'superseded'],
        ],
      );
      const opened = await waitFor('the version editor', () => vscode.window.activeTextEditor?.document.uri.scheme === 'lua-rules-version' ? vscode.window.activeTextEditor : undefined);
      assert.ok(!opened.document.getText().includes('-- second version'));
      assert.match(opened.document.getText(), /---@rule epic_wsjf_validation/);
      assert.equal(vscode.workspace.fs.isWritableFileSystem('lua-rules-version'), false, 'stored versions open read-only');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(opened.document.uri, new Uint8Array([120]))), /cannot be changed|NoPermissions/);

      await vscode.commands.executeCommand('luaRules.showHistory', { rule: 'epic_wsjf_validation', version: 1, action: 'diff' });
      await waitFor('the diff editor', () => (vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff ? true : undefined));

      const rolled = await vscode.commands.executeCommand<VersionChangeResult>('luaRules.rollback', { rule: 'epic_wsjf_validation', version: 1 });
      assert.ok(rolled?.ok, JSON.stringify(rolled));
      assert.equal(rolled.version, 3);
      const after = await vscode.commands.executeCommand<HistoryResult>('luaRules.showHistory', { rule: 'epic_wsjf_validation', version: 3, action: 'none' });
      assert.ok(after?.ok);
      assert.equal(after.versions[0]?.rollbackOf, 1);
      const rules = await api.rulesInView();
      assert.deepEqual(rules.find((r) => r.name === 'epic_wsjf_validation'), { name: 'epic_wsjf_validation', category: 'epic', liveVersion: 3, pending: 0 });
    });

    it('keeps a version with ---@consensus pending until someone else approves it', async function () {
      const published = await vscode.commands.executeCommand<PublishResult>('luaRules.publish', { uri: file('rules', 'needs_review.lua'), message: 'needs a review' });
      assert.ok(published?.ok, JSON.stringify(published));
      assert.equal(published.state, 'pending');
      assert.equal(published.approvalsMissing, 1);
      assert.deepEqual((await api.rulesInView()).find((r) => r.name === 'needs_review'), { name: 'needs_review', category: 'feature', liveVersion: null, pending: 1 });

      const self = await vscode.commands.executeCommand<VersionChangeResult>('luaRules.approve', { rule: 'needs_review', version: 1 });
      assert.equal(self?.ok, false);
      assert.match(self.ok ? '' : self.message, /cannot approve/);

      await setSetting('author', 'e2e-reviewer');
      try {
        const approved = await vscode.commands.executeCommand<VersionChangeResult>('luaRules.approve', { rule: 'needs_review', version: 1 });
        assert.ok(approved?.ok, JSON.stringify(approved));
        assert.equal(approved.state, 'live');
      } finally {
        await setSetting('author', 'e2e-author');
      }
      const view = await waitFor('the view to show the live version', async () => (await api.rulesInView()).find((r) => r.name === 'needs_review' && r.liveVersion === 1));
      assert.equal(view.pending, 0);
    });

    it('disables and enables a rule from the rules view; the view shows it disabled', async function () {
      const rule = 'needs_review';
      const off = await vscode.commands.executeCommand<RuleSwitchResult>('luaRules.disableRule', { rule, message: 'e2e: switched off' });
      assert.ok(off?.ok, JSON.stringify(off));
      assert.equal(off.changed, true);
      assert.equal(off.disabled?.by, 'e2e-author');
      assert.equal(off.disabled?.message, 'e2e: switched off');
      const shown = await waitFor('the view to show the rule disabled', async () => {
        const item = await api.ruleItemInView(rule);
        return item?.contextValue.endsWith('-disabled') ? item : undefined;
      });
      assert.match(shown.description, /^disabled · v1 live/);
      assert.equal(shown.icon, 'circle-slash');
      const twice = await vscode.commands.executeCommand<RuleSwitchResult>('luaRules.disableRule', { rule, message: 'again' });
      assert.ok(twice?.ok && !twice.changed, 'disabling a disabled rule changes nothing');
      const unknown = await vscode.commands.executeCommand<RuleSwitchResult>('luaRules.disableRule', { rule: 'no_such_rule', message: 'x' });
      assert.match(unknown?.ok === false ? unknown.message : '', /unknown rule "no_such_rule"/);

      const on = await vscode.commands.executeCommand<RuleSwitchResult>('luaRules.enableRule', { rule });
      assert.ok(on?.ok && on.changed && on.disabled === null, JSON.stringify(on));
      const back = await waitFor('the view to show the rule enabled', async () => {
        const item = await api.ruleItemInView(rule);
        return item !== undefined && !item.contextValue.endsWith('-disabled') ? item : undefined;
      });
      assert.equal(back.icon, 'symbol-function');
    });

    it('converts a pattern rule to Lua', async function () {
      const lua = await vscode.commands.executeCommand<string>('luaRules.convertPatternRule', file('rules', 'epic_priority.rule.json'));
      assert.match(lua ?? '', /---@rule epic_priority/);
      assert.equal(vscode.window.activeTextEditor?.document.languageId, 'lua');
    });
  });

  describe('luaRules.runtime', function () {
    after(async function () {
      await setSetting('runtime', undefined);
    });

    it('a runtime that does not exist: a clear error, no crash; fixing the setting brings the server back', async function () {
      await setSetting('runtime', '/no/such/node');
      await waitFor('the server to stop', async () => {
        try {
          await vscode.commands.executeCommand('luaRules.runOnFixture', { uri: wsjf(), fixture: 'high-wsjf' });
          return undefined;
        } catch (e) {
          return /not running/.test((e as Error).message) ? true : undefined;
        }
      });
      await setSetting('runtime', undefined);
      const result = await waitFor('the server to come back', async () => {
        const r = await vscode.commands.executeCommand<RunRuleResult>('luaRules.runOnFixture', { uri: wsjf(), fixture: 'high-wsjf' });
        return r?.ok ? r : undefined;
      });
      assert.equal(result.outcomes[0]?.result.decision, 'autonomous');
      assert.match(api.runtime(), /node/);
    });
  });

  describe('store: PostgreSQL', function () {
    const pgUrl = process.env['LUA_RULES_E2E_PG_URL'];

    after(async function () {
      await setSetting('store.url', 'sqlite:.lua-rules/e2e.db');
    });

    it('moves the password to SecretStorage and publishes a version', async function () {
      assert.ok(pgUrl, 'the runner passes LUA_RULES_E2E_PG_URL (a throwaway PostgreSQL)');
      const password = new URL(pgUrl).password;
      assert.ok(password.length > 0);
      await setSetting('store.url', pgUrl);
      const status = await waitFor<StoreStatus>(
        'the PostgreSQL store',
        async () => {
          const s = await api.storeStatus();
          return s?.state === 'connected' && s.backend === 'postgres' ? s : undefined;
        },
        60_000,
      );
      assert.ok(!status.display.includes(password), 'the status has no password');
      const settingsFile = join(folder().fsPath, '.vscode', 'settings.json');
      const stored = vscode.workspace.getConfiguration('luaRules').get<string>('store.url') ?? '';
      assert.ok(!stored.includes(password), `settings hold no password: ${stored}`);
      assert.ok(existsSync(settingsFile) && !readFileSync(settingsFile, 'utf8').includes(password), 'settings.json holds no password');

      const published = await vscode.commands.executeCommand<PublishResult>('luaRules.publish', { uri: wsjf(), message: 'to postgres' });
      assert.ok(published?.ok, JSON.stringify(published));
      assert.equal(published.version, 1);
      const history = await vscode.commands.executeCommand<HistoryResult>('luaRules.showHistory', { rule: 'epic_wsjf_validation', version: 1, action: 'none' });
      assert.ok(history?.ok);
      assert.equal(history.versions.length, 1);
      assert.equal(history.versions[0]?.message, 'to postgres');
      const rolled = await vscode.commands.executeCommand<VersionChangeResult>('luaRules.rollback', { rule: 'epic_wsjf_validation', version: 1 });
      assert.ok(rolled?.ok);
      assert.equal(rolled.version, 1, 'rolling back to the live content changes nothing');
    });
  });
});
