/** The extension's settings parsing and runtime choice (no `vscode` needed: plain functions). */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chooseRuntime, findOnPath, parseClientSettings, parseRuleGlobs } from '../../client/src/settings';
import { splitStorePassword } from '../../store/src/store-url';

test('client settings: strings are trimmed, wrong types are reported and ignored', () => {
  const values: Record<string, unknown> = { runtime: ' /usr/bin/node ', 'store.url': 42, author: undefined };
  const { settings, problems } = parseClientSettings((key) => values[key]);
  assert.deepEqual(settings, { runtime: '/usr/bin/node', storeUrl: '', author: '' });
  assert.deepEqual(problems, ['luaRules.store.url must be a string; ignored']);
});

test('client settings: ruleGlobs is checked like the server checks it, not read blindly', () => {
  assert.deepEqual(parseRuleGlobs(() => undefined), { ruleGlobs: ['**/*.lua', '**/*.rule.json', '**/*.fixtures.json'], problems: [] });
  assert.deepEqual(parseRuleGlobs(() => ['rules/**/*.lua']), { ruleGlobs: ['rules/**/*.lua'], problems: [] });
  for (const bad of ['**/*.lua', [1], ['ok', ' '], { 0: 'x' }]) {
    assert.deepEqual(parseRuleGlobs(() => bad), { ruleGlobs: ['**/*.lua', '**/*.rule.json', '**/*.fixtures.json'], problems: ['luaRules.ruleGlobs must be a list of glob strings; using the defaults'] });
  }
  // null in settings.json reads as "not set"; a number is refused with one line.
  assert.deepEqual(parseClientSettings((key) => (key === 'author' ? null : key === 'runtime' ? 7 : undefined)), { settings: { runtime: '', storeUrl: '', author: '' }, problems: ['luaRules.runtime must be a string; ignored'] });
});

test('runtime: the setting (a path or a name on PATH), else node from PATH, else the host runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-runtime-'));
  try {
    const fake = join(dir, 'node');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    const env = { PATH: dir };
    assert.equal(findOnPath('node', env), fake);
    assert.deepEqual(chooseRuntime('', env), { ok: true, runtime: fake, describe: fake });
    assert.deepEqual(chooseRuntime('node', env), { ok: true, runtime: fake, describe: fake });
    assert.deepEqual(chooseRuntime(fake, {}), { ok: true, runtime: fake, describe: fake });
    const none = chooseRuntime('', { PATH: join(dir, 'empty') });
    assert.ok(none.ok && none.runtime === undefined && /extension host's runtime/.test(none.describe));
    assert.deepEqual(chooseRuntime('/no/such/node', env), { ok: false, message: 'luaRules.runtime "/no/such/node" is not an executable' });
    assert.deepEqual(chooseRuntime('nodejs-missing', env), { ok: false, message: 'luaRules.runtime "nodejs-missing" is not an executable on PATH' });
    const notExecutable = join(dir, 'plain');
    writeFileSync(notExecutable, '');
    assert.equal(chooseRuntime(notExecutable, env).ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a password in the store URL is split off for SecretStorage', () => {
  assert.deepEqual(splitStorePassword('postgres://rules:s%40cret@db:5432/rules'), { url: 'postgres://rules@db:5432/rules', password: 's@cret' });
  assert.deepEqual(splitStorePassword('postgresql://rules@db/rules'), { url: 'postgresql://rules@db/rules', password: undefined });
  assert.deepEqual(splitStorePassword('sqlite:rules.db'), { url: 'sqlite:rules.db', password: undefined });
  assert.deepEqual(splitStorePassword('postgres://[bad'), { url: 'postgres://[bad', password: undefined });
});
