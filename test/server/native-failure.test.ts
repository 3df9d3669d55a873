/** Issue 15: a better-sqlite3 that does not load says why (another Node ABI, another platform) and what to do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainNativeFailure } from '../../server/src/native-failure';

// Node's own message, over several lines as it is printed.
const ABI_MESSAGE = "The module '/ext/dist/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 128. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).";

test('another Node ABI: names both runtimes and the setting that fixes it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'native-'));
  try {
    writeFileSync(join(dir, 'native-target.json'), JSON.stringify({ target: 'linux-x64', platform: 'linux', arch: 'x64', node: 'v20.20.2', modules: '115' }));
    const text = explainNativeFailure(ABI_MESSAGE, 'Electron 34.2.0, node v20.18.2 (modules 128)', dir);
    assert.match(text, /better-sqlite3 was built for Node 20 \(ABI 115\) \(v20\.20\.2\), but the language server runs on Electron 34\.2\.0, node v20\.18\.2 \(modules 128\), which needs ABI 128/);
    assert.match(text, /Fix: set "luaRules\.runtime" to a Node 20 executable/);
    assert.doesNotMatch(text, /\n/, 'one line');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('another platform: names the .vsix target and this machine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'native-'));
  try {
    writeFileSync(join(dir, 'native-target.json'), JSON.stringify({ target: 'linux-arm64', platform: 'linux', arch: 'arm64', node: 'v20.20.2', modules: '115' }));
    const text = explainNativeFailure('/ext/better_sqlite3.node: invalid ELF header', 'node v20.20.2 (modules 115)', dir);
    assert.match(text, new RegExp(`this \\.vsix was built for linux-arm64, and this machine is ${process.platform}-${process.arch}\\. Fix: install the Lua Rules \\.vsix built for`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('other errors pass through unchanged', () => {
  assert.equal(explainNativeFailure('SQLITE_CANTOPEN: unable to open database file', 'node'), 'SQLITE_CANTOPEN: unable to open database file');
});
