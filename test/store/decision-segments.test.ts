/**
 * The decision log's segments (migration 8, store/src/decision-segments.ts): the
 * format's parts, and the store's behaviour where segments differ from a row per
 * decision — writes split into several segments, bounds that cut through a segment,
 * engines pruning one store at once, a damaged segment — on both backends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import pg from 'pg';
import { StoreError, type ExecutionLogRecord, type Store } from '../../store/src';
import { JsonText } from '../../store/src/captured-decisions';
import { BatchBuilder, unpackBatch } from '../../store/src/decision-batch';
import { buildSegments, MAX_SEGMENT_CONTEXT_CHARS, MAX_SEGMENT_RECORDS, splitJsonArray } from '../../store/src/decision-segments';
import { POSTGRES_SKIPPED, startPostgres } from './pg-harness';
import { postgresBackend, sqliteBackend, storeWithRules, type Backend } from './store-helpers';

describe('decision segments: the format', () => {
  test('splitJsonArray gives back each element as written, whatever it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), (values) => {
        const texts = values.map((v) => JSON.stringify(v));
        assert.deepEqual(splitJsonArray(`[${texts.join(',')}]`), texts);
      }),
    );
    assert.deepEqual(splitJsonArray('[{"a":"],[{\\"}"},[1,[2]],"x,y",null]'), ['{"a":"],[{\\"}"}', '[1,[2]]', '"x,y"', 'null']);
    assert.deepEqual(splitJsonArray('[]'), []);
  });

  test('a write is cut into segments by count and by context text', () => {
    const record = (n: number, context?: string): ExecutionLogRecord => ({ rule: 'a', version: 1, decision: 'autonomous', confidence: 1, durationMs: 0, errorCode: null, correlationId: `r${n}`, engineId: null, at: '2026-01-01T00:00:00.000Z', ...(context === undefined ? {} : { context: new JsonText(context) }) });
    const text = (c: unknown): string | null => (c instanceof JsonText ? c.text : null);
    const many = Array.from({ length: MAX_SEGMENT_RECORDS * 2 + 1 }, (_, n) => record(n));
    assert.deepEqual(buildSegments(many, text, '').segments.map((s) => s.count), [MAX_SEGMENT_RECORDS, MAX_SEGMENT_RECORDS, 1]);
    const big = `"${'x'.repeat(60 * 1024)}"`;
    const perSegment = Math.floor(MAX_SEGMENT_CONTEXT_CHARS / big.length);
    const large = Array.from({ length: perSegment * 2 + 3 }, (_, n) => record(n, big));
    const { segments } = buildSegments(large, text, '');
    assert.deepEqual(segments.map((s) => s.count), [perSegment, perSegment, 3]);
    assert.ok(segments.every((s) => (s.rules[0]?.contexts?.length ?? 0) <= MAX_SEGMENT_CONTEXT_CHARS + perSegment + 2));
  });
});

describe('decision segments: queries', () => {
  test('any query answers what a sort of every decision would, however the writes overlap in time', async () => {
    const backend = sqliteBackend();
    try {
      const record = fc.record({
        rule: fc.constantFrom('a', 'b', 'c'),
        category: fc.constantFrom('epic', 'story', undefined),
        second: fc.integer({ min: 0, max: 6 }),
        context: fc.option(fc.integer(), { nil: undefined }),
      });
      const query = fc.record({
        rule: fc.constantFrom('a', 'b', 'c', undefined),
        category: fc.constantFrom('epic', 'story', undefined),
        since: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
        limit: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        captured: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(fc.array(record, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 8 }), fc.array(query, { minLength: 1, maxLength: 6 }), async (writes, queries) => {
          const store = backend.open(await backend.freshUrl());
          try {
            const at = (second: number): string => new Date(Date.UTC(2026, 0, 1) + second * 1000).toISOString();
            const all: { d: ExecutionLogRecord; order: number }[] = [];
            for (const write of writes) {
              const records = write.map((r) => ({ rule: r.rule, version: 1, decision: 'autonomous' as const, confidence: 1, durationMs: 0, errorCode: null, correlationId: `w${all.length}`, engineId: null, at: at(r.second), ...(r.category === undefined ? {} : { category: r.category }), ...(r.context === undefined ? {} : { context: { v: r.context } }) }));
              records.forEach((d, k) => {
                d.correlationId = `d${all.length + k}`;
              });
              await store.recordExecutions(records);
              for (const d of records) all.push({ d, order: all.length });
            }
            for (const q of queries) {
              const expected = all
                .filter(({ d }) => (q.rule === undefined || d.rule === q.rule) && (q.category === undefined || d.category === q.category) && (q.since === undefined || (d.at as string) >= at(q.since)) && (!q.captured || d.context !== undefined))
                .sort((x, y) => ((x.d.at as string) < (y.d.at as string) ? 1 : (x.d.at as string) > (y.d.at as string) ? -1 : y.order - x.order))
                .slice(0, q.limit ?? Infinity)
                .map(({ d }) => `${d.correlationId}${d.context === undefined ? '' : JSON.stringify(d.context)}`);
              const got = await store.decisions({ ...(q.rule === undefined ? {} : { rule: q.rule }), ...(q.category === undefined ? {} : { category: q.category }), ...(q.since === undefined ? {} : { since: at(q.since) }), ...(q.limit === undefined ? {} : { limit: q.limit }), captured: q.captured, withContext: true });
              assert.deepEqual(
                got.map((d) => `${d.correlationId}${d.context === undefined ? '' : JSON.stringify(d.context)}`),
                expected,
                JSON.stringify(q),
              );
            }
          } finally {
            await store.close();
          }
        }),
        { numRuns: 100 },
      );
    } finally {
      await backend.close();
    }
  });

  test('a limit does not stop the walk while a segment left may hold a decision of the same time written later', async () => {
    const backend = sqliteBackend();
    const store = backend.open(await backend.freshUrl());
    try {
      const at = (second: number): string => new Date(Date.UTC(2026, 0, 1) + second * 1000).toISOString();
      const write = (...records: [string, number][]) => store.recordExecutions(records.map(([id, second]) => ({ rule: 'a', version: 1, decision: 'autonomous', confidence: 1, durationMs: 0, errorCode: null, correlationId: id, engineId: null, at: at(second) })));
      // Walked by latest time: W (5), X (4), Y (3, written after S), S (3); in pages of 1, 2, 4.
      await write(['x1', 4], ['b', 3]);
      await write(['s1', 3]);
      await write(['y1', 3]);
      await write(['w1', 5]);
      // After the second page the fourth kept is b (time 3) and the cursor is at Y (time 3):
      // S, not read yet, holds s1 (time 3, written after b), which comes first.
      assert.deepEqual((await store.decisions({ limit: 4 })).map((d) => d.correlationId), ['w1', 'x1', 'y1', 's1']);
    } finally {
      await store.close();
      await backend.close();
    }
  });
});

function suite(name: 'sqlite' | 'postgres', makeBackend: () => Promise<Backend>): void {
  describe(`decision segments on ${name}`, { skip: name === 'postgres' && POSTGRES_SKIPPED }, () => {
    let backend: Backend;
    const stores: Store[] = [];
    const fresh = async (): Promise<{ url: string; store: Store }> => {
      const made = await storeWithRules(backend, ['a', 'b']);
      stores.push(made.store);
      return made;
    };
    const at = (n: number): string => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
    const record = (n: number): ExecutionLogRecord => ({ rule: n % 2 === 0 ? 'a' : 'b', version: 1, decision: 'autonomous', confidence: 0.5, durationMs: 1, errorCode: null, correlationId: `r${n}`, engineId: 'e1', at: at(n), category: 'epic', context: { n } });
    /** Ten writes (segments) of 100 decisions each, r0..r999 in order. */
    const fill = async (store: Store): Promise<void> => {
      for (let w = 0; w < 10; w++) await store.recordExecutions(Array.from({ length: 100 }, (_, k) => record(w * 100 + k)));
    };
    before(async () => {
      backend = await makeBackend();
    });
    after(async () => {
      for (const s of stores) await s.close().catch(() => undefined);
      await backend?.close();
    });

    test("the log thread's packed batches are stored exactly as the same records unpacked", async () => {
      const packedStore = (await fresh()).store;
      const recordStore = (await fresh()).store;
      const builder = new BatchBuilder(100, true);
      const body = '{"n":1,"big":12345678901234567890}';
      const base = { version: 2, confidence: 0.25, durationMs: 1.5, cached: false, at: Date.UTC(2026, 0, 1, 12), category: 'epic' };
      builder.add({ ...base, rule: 'a', decision: 'autonomous', errorCode: null, correlationId: 'req-1', context: JSON.parse(body) as unknown, contextJson: body }, true);
      builder.add({ ...base, rule: 'b', decision: 'escalated', errorCode: 'runtime-error', correlationId: 'req-1', context: JSON.parse(body) as unknown, contextJson: body }, true);
      builder.add({ ...base, rule: 'a', decision: 'collaborative', errorCode: null, correlationId: '', at: base.at + 1, context: { n: 2 } }, true);
      builder.add({ rule: 'b', version: 1, decision: 'autonomous', confidence: 1, durationMs: 0, errorCode: null, correlationId: 'req-3', cached: true, at: base.at + 2 }, true);
      const batch = builder.take();
      await packedStore.recordPackedBatches([batch], 'e1');
      await recordStore.recordExecutions(unpackBatch(batch, 'e1', false));
      const packed = await packedStore.decisions({ withContext: true });
      assert.equal(packed.length, 4);
      assert.deepEqual(packed, await recordStore.decisions({ withContext: true }));
      assert.deepEqual(packed.map((d) => [d.rule, d.decision, d.errorCode, d.correlationId, d.category, d.context]), [
        ['b', 'autonomous', null, 'req-3', null, undefined],
        ['a', 'collaborative', null, null, 'epic', { n: 2 }],
        ['b', 'escalated', 'runtime-error', 'req-1', 'epic', JSON.parse(body)],
        ['a', 'autonomous', null, 'req-1', 'epic', JSON.parse(body)],
      ]);
      const stats = async (store: Store) => (await store.listRules()).map((r) => [r.name, r.stats]);
      assert.deepEqual(await stats(packedStore), await stats(recordStore));
    });

    test('small segments next to each other are merged by the prune, every decision and context kept in order', async () => {
      const { store } = await fresh();
      // As at low traffic: a write of one to three decisions at a time.
      for (let w = 0; w < 20; w++) await store.recordExecutions(Array.from({ length: 1 + (w % 3) }, (_, k) => record(w * 3 + k)));
      const before = await store.decisions({ withContext: true });
      const report = await store.pruneDecisions({});
      assert.equal(report.segmentsMerged, 19);
      assert.deepEqual(await store.decisions({ withContext: true }), before);
      assert.deepEqual(await store.decisions({ rule: 'b', captured: true, limit: 2 }), before.filter((d) => d.rule === 'b').slice(0, 2));
      assert.equal((await store.pruneDecisions({})).segmentsMerged, 0, 'nothing left to merge');
      // The bounds still count in written order after the merge.
      await store.recordExecutions([record(1000)]);
      assert.equal((await store.pruneDecisions({ maxRows: 3 })).rowsDeleted, before.length - 2);
      assert.deepEqual((await store.decisions({})).map((d) => d.correlationId), ['r1000', before[0]?.correlationId, before[1]?.correlationId]);
    });

    test('two engines pruning one store at once cut each bound exactly once', async () => {
      const { url, store } = await fresh();
      await fill(store);
      const other = backend.open(url);
      stores.push(other);
      const reports = await Promise.all([store.pruneDecisions({ maxRows: 550, contextsPerRule: 120 }), other.pruneDecisions({ maxRows: 550, contextsPerRule: 120 })]);
      assert.equal(reports[0].rowsDeleted + reports[1].rowsDeleted, 450);
      assert.equal(reports[0].contextsDropped + reports[1].contextsDropped, 550 - 240);
      const left = await store.decisions({ withContext: true });
      assert.deepEqual(
        left.map((d) => d.correlationId),
        Array.from({ length: 550 }, (_, k) => `r${999 - k}`),
      );
      assert.equal(left.filter((d) => d.context !== undefined).length, 240);
      assert.deepEqual(left.slice(0, 240).every((d) => d.context !== undefined), true, 'the newest keep theirs');
    });

    test('the age bound cuts through a segment by time, and a query with a limit stops early but misses nothing', async () => {
      const { store } = await fresh();
      await fill(store);
      // Now is r999's time; 349.5 s of age keeps r650..r999: the cut goes through the segment of r600..r699.
      const report = await store.pruneDecisions({ maxAgeMs: 349_500 }, Date.parse(at(999)));
      assert.equal(report.rowsDeleted, 650);
      assert.deepEqual((await store.decisions({ limit: 3 })).map((d) => d.correlationId), ['r999', 'r998', 'r997']);
      assert.equal((await store.decisions({})).at(-1)?.correlationId, 'r650');
      assert.deepEqual((await store.decisions({ rule: 'b', since: at(995), withContext: true })).map((d) => d.context), [{ n: 999 }, { n: 997 }, { n: 995 }]);
    });

    test('a damaged segment is a one-line StoreError that names it', async () => {
      const { url, store } = await fresh();
      await store.recordExecutions([record(1)]);
      if (name === 'sqlite') {
        const db = new Database(url.slice('sqlite:'.length));
        db.prepare("UPDATE decision_segments SET records = '{\"rule\":[1]}'").run();
        db.close();
      } else {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query("UPDATE decision_segments SET records = 'not json'");
        await client.end();
      }
      await assert.rejects(store.decisions({}), (e: Error) => e instanceof StoreError && /decision log segment \d+ is damaged/.test(e.message) && !e.message.includes('\n'));
    });
  });
}

suite('sqlite', async () => sqliteBackend());
suite('postgres', async () => postgresBackend(await startPostgres()));
