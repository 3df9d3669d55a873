/**
 * Issue 15, the editor's files: readable local times, the Restricted Mode declaration,
 * and example files that do not depend on a relative `$schema`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readableTime } from '../../client/src/format-time';

const REPO = join(__dirname, '..', '..');

test('history times are local, to the minute, with how long ago', () => {
  const now = new Date('2026-11-30T12:00:00.000Z');
  const text = readableTime('2026-11-30T11:54:59.345Z', now, 'en-GB');
  assert.match(text, /^30 Nov 2026, \d\d:54 \(5 min ago\)$/);
  assert.doesNotMatch(text, /T11:54|\.345|Z/);
  assert.match(readableTime('2026-11-28T12:00:00.000Z', now, 'en-GB'), /\(2 days ago\)$/);
  assert.match(readableTime('2026-10-01T08:00:00.000Z', now, 'en-GB'), /^1 Oct 2026, \d\d:00$/);
  assert.equal(readableTime('not a date', now), 'not a date');
});

test('Restricted Mode is declared as limited, with what it limits', () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { capabilities?: { untrustedWorkspaces?: { supported: unknown; description?: string; restrictedConfigurations?: string[] } } };
  const declared = manifest.capabilities?.untrustedWorkspaces;
  assert.equal(declared?.supported, 'limited');
  assert.match(declared?.description ?? '', /store .*off/);
  assert.deepEqual(declared?.restrictedConfigurations, ['luaRules.runtime', 'luaRules.store.url', 'luaRules.schemaPath']);
});

test('example fixtures and pattern rules do not point $schema at a relative path (the extension maps them)', () => {
  for (const dir of ['rules', join('test', 'e2e', 'workspace', 'rules')]) {
    for (const name of readdirSync(join(REPO, dir)).filter((n) => n.endsWith('.fixtures.json') || n.endsWith('.rule.json'))) {
      const json = JSON.parse(readFileSync(join(REPO, dir, name), 'utf8')) as { $schema?: string };
      assert.ok(json.$schema === undefined || /^https?:/.test(json.$schema), `${dir}/${name}: $schema ${json.$schema}`);
    }
  }
});
