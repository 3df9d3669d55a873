/**
 * The SQLite change watcher looks for new changes through a small connection of its own
 * (issue 16): other connections' commits that add no change (the decision log's, every
 * few milliseconds under load) must not make the store's connection fetch, and a
 * publish from another connection must still be seen.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type ChangeRecord } from '../../store/src';
import { SqliteDriver } from '../../store/src/sqlite-driver';
import { SqliteChangeWatcher } from '../../store/src/sqlite-watcher';
import { luaRule } from './store-helpers';

const dir = mkdtempSync(join(tmpdir(), 'lua-rules-sqlite-watcher-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  assert.ok(check(), `never happened: ${what}`);
}

describe('SQLite change watcher', () => {
  it("fetches only when `changes` moved, not on every other connection's commit; a publish is seen", async () => {
    const path = join(dir, 'a', 'rules.db');
    const writer = openStore(`sqlite:${path}`);
    await writer.migrate();
    await writer.publish(luaRule('w', 'zero'), { author: 'ann' });
    const reader = openStore(`sqlite:${path}`);
    const driver = new SqliteDriver(path);
    let fetches = 0;
    const seen: ChangeRecord[] = [];
    const watcher = new SqliteChangeWatcher(
      driver,
      async (after) => {
        fetches++;
        return reader.changesSince(after);
      },
      await reader.currentRevision(),
      (changes) => {
        seen.push(...changes);
      },
      { pollIntervalMs: 5 },
    );
    try {
      await sleep(50);
      const before = fetches;
      // Decisions committed by another connection, one commit every few ms for ~300 ms.
      for (let i = 0; i < 60; i++) {
        await writer.recordExecutions([{ rule: 'w', version: 1, decision: 'escalated', confidence: 0.1, durationMs: 1, errorCode: null, correlationId: `c${i}`, engineId: null }]);
        await sleep(5);
      }
      assert.ok(fetches - before <= 1, `${fetches - before} fetches for 60 commits that added no change`);
      await writer.publish(luaRule('w', 'one'), { author: 'ann' });
      await eventually(() => seen.length === 1, 'the publish');
      assert.equal(seen[0]?.version, 2);
    } finally {
      await watcher.stop();
      await driver.close();
      await reader.close();
      await writer.close();
    }
  });

  it('an in-memory store has no probe and still hears its own commits', async () => {
    const driver = new SqliteDriver(':memory:');
    let fetches = 0;
    const watcher = new SqliteChangeWatcher(
      driver,
      async () => {
        fetches++;
        return [];
      },
      0,
      () => undefined,
      { pollIntervalMs: 5 },
    );
    try {
      await eventually(() => fetches >= 1, 'the first fetch');
      const first = fetches;
      for (const listener of driver.commitListeners) listener();
      await eventually(() => fetches > first, 'a fetch after a local commit');
    } finally {
      await watcher.stop();
      await driver.close();
    }
  });
});
