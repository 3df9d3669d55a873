/**
 * The captured decisions API (issue 13): `DecisionLog.decisions()` reads back what
 * `recordExecutions` wrote, with contexts and categories, newest first, on both backends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidQueryError, type ExecutionLogRecord, type Store } from '../../store/src';
import { POSTGRES_SKIPPED, startPostgres } from './pg-harness';
import { luaRule, postgresBackend, sqliteBackend, type Backend } from './store-helpers';

function rec(rule: string, at: string, extra: Partial<ExecutionLogRecord> = {}): ExecutionLogRecord {
  return { rule, version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 0.5, errorCode: null, correlationId: `${rule}@${at}`, engineId: 'e1', at, ...extra };
}

function suite(name: 'sqlite' | 'postgres', makeBackend: () => Promise<Backend>): void {
  describe(`captured decisions on ${name}`, { skip: name === 'postgres' && POSTGRES_SKIPPED }, () => {
    let backend: Backend;
    let store: Store;
    before(async () => {
      backend = await makeBackend();
      store = backend.open(await backend.freshUrl());
      await store.publish(luaRule('a'), { author: 'ann' });
      await store.publish(luaRule('b'), { author: 'ann' });
      await store.recordExecutions([
        rec('a', '2026-01-01T00:00:01.000Z', { category: 'epic', context: { n: 1, owner: { team: 'x' } } }),
        rec('b', '2026-01-01T00:00:02.000Z', { category: 'story', context: [1, 'two', null] }),
        rec('a', '2026-01-01T00:00:03.000Z', { category: 'epic' }),
        rec('a', '2026-01-01T00:00:04.000Z', { category: 'epic', context: { n: 4 }, decision: 'escalated', confidence: 0.5, errorCode: 'runtime-error', correlationId: null }),
        // A row as logged before migration 3: no category, no context.
        rec('b', '2026-01-01T00:00:05.000Z'),
      ]);
    });
    after(async () => {
      await store?.close().catch(() => undefined);
      await backend?.close();
    });

    test('newest first, every field back as written; no context unless asked', async () => {
      const all = await store.decisions({});
      assert.deepEqual(all.map((d) => d.at.slice(17, 19)), ['05', '04', '03', '02', '01']);
      assert.deepEqual(all[1], {
        rule: 'a',
        version: 1,
        decision: 'escalated',
        confidence: 0.5,
        durationMs: 0.5,
        errorCode: 'runtime-error',
        correlationId: null,
        engineId: 'e1',
        at: '2026-01-01T00:00:04.000Z',
        category: 'epic',
      });
      assert.equal(all[0]?.category, null);
      assert.ok(all.every((d) => !('context' in d)));
    });

    test('withContext: contexts as captured, records without one keep no context key', async () => {
      const all = await store.decisions({ withContext: true });
      assert.deepEqual(all.map((d) => d.context), [undefined, { n: 4 }, undefined, [1, 'two', null], { n: 1, owner: { team: 'x' } }]);
      assert.deepEqual(all.map((d) => 'context' in d), [false, true, false, true, true]);
    });

    test('captured: only records holding a context (what a replay reads)', async () => {
      const captured = await store.decisions({ rule: 'a', captured: true });
      assert.deepEqual(captured.map((d) => d.context), [{ n: 4 }, { n: 1, owner: { team: 'x' } }]);
    });

    test('filters: rule, category, since, limit, and together', async () => {
      assert.deepEqual((await store.decisions({ rule: 'a' })).map((d) => d.at.slice(17, 19)), ['04', '03', '01']);
      assert.deepEqual((await store.decisions({ category: 'story' })).map((d) => d.rule), ['b']);
      assert.deepEqual((await store.decisions({ since: '2026-01-01T00:00:03Z' })).map((d) => d.at.slice(17, 19)), ['05', '04', '03']);
      // Any ISO form (an offset, no milliseconds) means the same instant.
      assert.deepEqual((await store.decisions({ since: '2026-01-01T01:00:03+01:00' })).length, 3);
      assert.deepEqual((await store.decisions({ limit: 2 })).map((d) => d.at.slice(17, 19)), ['05', '04']);
      assert.deepEqual((await store.decisions({ rule: 'a', category: 'epic', since: '2026-01-01T00:00:02Z', limit: 1, withContext: true })).map((d) => d.context), [{ n: 4 }]);
      assert.deepEqual(await store.decisions({ rule: 'nobody' }), []);
    });

    test('bad since or limit: InvalidQueryError with one line, nothing read', async () => {
      for (const bad of [{ since: 'yesterday' }, { since: '' }, { limit: 0 }, { limit: -1 }, { limit: 1.5 }, { limit: Number.NaN }]) {
        await assert.rejects(store.decisions(bad), (e: Error) => e instanceof InvalidQueryError && !e.message.includes('\n'), JSON.stringify(bad));
      }
    });
  });
}

suite('sqlite', async () => sqliteBackend());
suite('postgres', async () => postgresBackend(await startPostgres()));
