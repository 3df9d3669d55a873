/**
 * The extension manifest (package.json `contributes`) and the files it points at:
 * every path exists, every menu entry names a contributed command, every command is
 * registered by the client, the grammar's patterns compile and mark what they should,
 * the snippets parse. A typo here would only show up as a silently missing feature.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Setting, SettingSchema } from '../../protocol/src/settings';
import { CLIENT_MANIFEST_SETTINGS } from '../../client/src/settings';
import { SERVER_SETTINGS } from '../../server/src/settings';

const REPO = join(__dirname, '..', '..');
interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, { command: string }[]>;
    grammars: { path: string; injectTo: string[]; scopeName: string }[];
    snippets: { path: string }[];
    jsonValidation: { fileMatch: string; url: string }[];
    viewsContainers: { activitybar: { icon: string }[] };
    views: Record<string, { id: string }[]>;
    configuration: { properties: Record<string, Record<string, unknown>> };
  };
}
const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Manifest;
const c = manifest.contributes;

test('every contributed file exists', () => {
  const paths = [...c.grammars.map((g) => g.path), ...c.snippets.map((s) => s.path), ...c.jsonValidation.map((j) => j.url), ...c.viewsContainers.activitybar.map((v) => v.icon)];
  for (const path of paths) assert.ok(existsSync(join(REPO, path)), `${path} exists`);
  assert.deepEqual(c.jsonValidation.map((j) => j.fileMatch).sort(), ['*.fixtures.json', '*.rule.json']);
  assert.equal(manifest.main, './dist/extension.js');
});

test('menus name contributed commands, and the client registers every command', () => {
  const commands = new Set(c.commands.map((x) => x.command));
  for (const [menu, entries] of Object.entries(c.menus)) for (const e of entries) assert.ok(commands.has(e.command), `${menu}: ${e.command} is contributed`);
  const client = readFileSync(join(REPO, 'client/src/extension.ts'), 'utf8');
  for (const command of commands) assert.ok(client.includes(`register('${command}'`), `${command} is registered in client/src/extension.ts`);
  assert.ok(Object.values(c.views).flat().some((v) => v.id === 'luaRules.rules'));
});

test('the settings the server reads are all contributed', () => {
  for (const key of ['ruleGlobs', 'instructionBudget', 'schemaPath', 'runFixtures', 'runtime', 'store.url', 'author']) assert.ok(`luaRules.${key}` in c.configuration.properties, `luaRules.${key}`);
});

test('the manifest declares exactly the settings of the two settings modules, with their defaults, bounds and types', () => {
  // server/src/settings.ts and client/src/settings.ts own the settings; package.json only repeats them for VS Code.
  const declared = new Map<string, SettingSchema>();
  const tables: Setting<unknown>[] = [...Object.values<Setting<unknown>>(SERVER_SETTINGS), ...CLIENT_MANIFEST_SETTINGS];
  for (const setting of tables) {
    if (!setting.schema) continue;
    const key = `luaRules.${setting.key}`;
    const earlier = declared.get(key);
    if (earlier) assert.deepEqual(setting.schema, earlier, `${key} is declared the same way on both sides`);
    declared.set(key, setting.schema);
  }
  assert.deepEqual(Object.keys(c.configuration.properties).sort(), [...declared.keys()].sort());
  for (const [key, schema] of declared) {
    const { markdownDescription, description, ...contributed } = c.configuration.properties[key]!;
    assert.ok(typeof (markdownDescription ?? description) === 'string', `${key} is described`);
    assert.deepEqual(contributed, schema, key);
  }
  // Internal settings (tuning for tests) are read by the server but not offered to users.
  for (const setting of Object.values<Setting<unknown>>(SERVER_SETTINGS)) if (!setting.schema) assert.ok(!(`luaRules.${setting.key}` in c.configuration.properties));
});

test('the extension activates for workspaces that hold rules, not for every Lua file', () => {
  // docs/decisions.md "Activation: workspaces that hold rules".
  assert.ok(!manifest.activationEvents.includes('onLanguage:lua'));
  assert.ok(!manifest.activationEvents.includes('workspaceContains:**/*.lua'));
  for (const glob of ['**/*.rule.json', '**/*.fixtures.json']) assert.ok(manifest.activationEvents.includes(`workspaceContains:${glob}`), glob);
});

test('the grammar injects into Lua and marks context, decisions, annotations and result fields', () => {
  const grammar = c.grammars[0]!;
  assert.deepEqual(grammar.injectTo, ['source.lua']);
  const tm = JSON.parse(readFileSync(join(REPO, grammar.path), 'utf8')) as { scopeName: string; repository: Record<string, { match: string }> };
  assert.equal(tm.scopeName, grammar.scopeName);
  const re = (name: string): RegExp => new RegExp(tm.repository[name]!.match);
  assert.deepEqual(re('annotation').exec('---@category epic')?.slice(1), ['---', '@category', ' epic']);
  assert.equal(re('annotation').exec('-- @category epic'), null);
  assert.equal(re('decision').exec('decision = "collaborative",')?.[2], 'collaborative');
  assert.equal(re('decision').exec('"maybe"'), null);
  assert.ok(re('context').test('local m = context.metrics'));
  assert.ok(!re('context').test('ctx.context'));
  assert.equal(re('result-field').exec('  confidence = 0.9')?.[1], 'confidence');
  assert.equal(re('result-field').exec('if confidence == 1'), null);
});

test('the snippets parse and hold a rule and a fixtures file', () => {
  const lua = JSON.parse(readFileSync(join(REPO, 'snippets/lua-rules.code-snippets'), 'utf8')) as Record<string, { prefix: string | string[]; body: string[] }>;
  assert.ok(Object.values(lua).some((s) => s.body.join('\n').includes('return { decision = "escalated"')));
  const json = JSON.parse(readFileSync(join(REPO, 'snippets/fixtures.code-snippets'), 'utf8')) as Record<string, { body: string[] }>;
  assert.ok(Object.values(json).some((s) => s.body.join('\n').includes('"fixtures"')));
});
