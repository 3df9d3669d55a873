/**
 * The change pump's round trips (store/src/change-pump.ts): a reload is one fetch. A
 * page shorter than the limit is the end of the feed as of that fetch, so the pump
 * does not ask again to see an empty page (that was a second round trip per reload,
 * made by every engine at once). Counted, never timed; a real SQLite store feeds it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore, type ChangeRecord, type Store } from '../../store/src';
import { ChangePump } from '../../store/src/change-pump';
import { eventually, luaRule } from './store-helpers';

describe('change pump', () => {
  let dir: string;
  let store: Store;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-pump-'));
    store = openStore(`sqlite:${join(dir, 'rules.db')}`);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A pump over the store's feed that counts its fetches and keeps what it was handed. */
  function pump(from: number, pageSize: number): { pump: ChangePump; batches: number[][]; fetched: number[] } {
    const batches: number[][] = [];
    const fetched: number[] = [];
    const p = new ChangePump(
      from,
      async (after) => {
        const changes = await store.changesSince(after, pageSize);
        fetched.push(changes.length);
        return changes;
      },
      (changes: ChangeRecord[]) => void batches.push(changes.map((c) => c.revision)),
      (e) => assert.fail(e),
      10,
      pageSize,
    );
    return { pump: p, batches, fetched };
  }

  test('one change: one fetch, no second one to see an empty page', async () => {
    const from = await store.currentRevision();
    await store.publish(luaRule('a', 'one'), { author: 'ann' });
    const { pump: p, batches, fetched } = pump(from, 1000);
    p.kick();
    await p.idle(); // the drain the kick started
    assert.deepEqual(batches, [[from + 1]]);
    assert.deepEqual(fetched, [1]);
    assert.equal(p.fetches, 1);
    assert.equal(p.revision, from + 1);
  });

  test('a backlog longer than a page is read page by page, then stops at the short page', async () => {
    const from = await store.currentRevision();
    for (let i = 0; i < 5; i++) await store.publish(luaRule('b', `v${i}`), { author: 'ann' });
    const { pump: p, batches, fetched } = pump(from, 2);
    p.kick();
    await p.idle();
    assert.deepEqual(fetched, [2, 2, 1]);
    assert.deepEqual(batches.flat(), [1, 2, 3, 4, 5].map((n) => from + n));
  });

  test('a backlog of whole pages ends with one empty fetch (it cannot know the page was the last)', async () => {
    const from = await store.currentRevision();
    for (let i = 0; i < 4; i++) await store.publish(luaRule('c', `v${i}`), { author: 'ann' });
    const { pump: p, fetched } = pump(from, 2);
    p.kick();
    await p.idle();
    assert.deepEqual(fetched, [2, 2, 0]);
    assert.equal(p.revision, from + 4);
  });

  test('stop() ends a drain: what is fetched after it is not handed over', async () => {
    const from = await store.currentRevision();
    await store.publish(luaRule('e', 'one'), { author: 'ann' });
    const { pump: p, batches } = pump(from, 1000);
    p.kick();
    await p.stop();
    p.kick();
    await p.idle();
    assert.deepEqual(batches, []);
    assert.equal(p.revision, from);
  });

  test('a kick during a fetch is one more round, so a change committed meanwhile is not missed', async () => {
    const from = await store.currentRevision();
    await store.publish(luaRule('d', 'one'), { author: 'ann' });
    const { pump: p, batches } = pump(from, 1000);
    p.kick();
    // Committed while the first drain runs; its kick arrives during that drain.
    await store.publish(luaRule('d', 'two'), { author: 'ann' });
    p.kick();
    await eventually(() => p.revision === from + 2, 'the second change');
    await p.idle();
    assert.deepEqual(batches.flat(), [from + 1, from + 2]);
  });
});
