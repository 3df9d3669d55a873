/**
 * The extension's lifecycle, as lsp-sample and vscode-eslint keep it: nothing the
 * client creates per server start outlives that server. The language client is made
 * on every restart (client/src/language-client.ts), so it must not create watchers
 * of its own or use the deprecated `configurationSection`: the server registers the
 * watchers and the settings section it needs, and the client library disposes them
 * with the client. (The extension itself runs in the e2e tests; this pins the shape.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const REPO = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(REPO, path)).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('the client creates no file watcher per restart and uses no deprecated sync option', () => {
  const client = read('client/src/language-client.ts');
  // Code, not the comments that explain why these are gone.
  assert.doesNotMatch(client, /createFileSystemWatcher\(|fileEvents:|configurationSection:/);
  for (const file of sources('client/src')) assert.doesNotMatch(read(file), /configurationSection:/, file);
});

test('the server registers the watchers and the settings section itself, once', () => {
  const server = read('server/src/main.ts');
  assert.equal(server.match(/register\(DidChangeWatchedFilesNotification\.type/g)?.length, 1);
  assert.equal(server.match(/register\(DidChangeConfigurationNotification\.type/g)?.length, 1);
});

test('settings are read for a workspace folder on both sides', () => {
  assert.match(read('client/src/extension.ts'), /getConfiguration\(SETTINGS_SECTION, settingsFolder\(\)\)/);
  assert.match(read('server/src/main.ts'), /scopeUri: settingsScope/);
});

test('a restart disposes the old client', () => {
  const extension = read('client/src/extension.ts');
  assert.match(extension, /await old\.dispose\(\)/);
  assert.doesNotMatch(extension, /old\.stop\(\)/);
});
