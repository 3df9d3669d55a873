/**
 * The decision log keeps contexts for replay, bounded (issue 13), on both backends,
 * written the way `serve` writes it: from the log's worker thread.
 * - a masked value appears nowhere: not in the database (the SQLite file's bytes, every
 *   text column of every PostgreSQL table), not in `decisions`, not in the JSON lines;
 * - `captureContexts: false` stores none;
 * - the per-rule bound and the retention, against a hand-computed expectation, also
 *   when left to run on their own in the background.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { ExecutionRecord } from '../../core/src/engine/execution-sink';
import { MAX_STORED_CONTEXT_CHARS, StoreDecisionLog, type ExecutionLogRecord, type Store } from '../../store/src';
import { cli } from '../cli/cli-harness';
import { POSTGRES_SKIPPED, startPostgres } from './pg-harness';
import { eventually, postgresBackend, sqliteBackend, storeWithRules, type Backend } from './store-helpers';

const SECRET_MAIL = 'ann.secret-7f3a@example.com';
const SECRET_SKU = 'SKU-SECRET-991';
const SECRET_SKU2 = 'SKU-SECRET-992';
const SECRET_TOP = 'TOP-SECRET-5e1';
const VISIBLE = 'team-visible-42';

function context(): Record<string, unknown> {
  return {
    owner: { email: SECRET_MAIL, team: VISIBLE },
    items: [{ sku: SECRET_SKU, qty: 1 }, { sku: SECRET_SKU2, qty: 2 }, 'plain'],
    top: SECRET_TOP,
    nested: { top: 'nested-top-stays' },
    metrics: { wsjf_score: 60 },
  };
}
const MASKED = {
  owner: { team: VISIBLE },
  items: [{ qty: 1 }, { qty: 2 }, 'plain'],
  nested: { top: 'nested-top-stays' },
  metrics: { wsjf_score: 60 },
};
const MASKS = ['owner.email', 'items.sku', 'top'];

/** Two rules of one category deciding on one context object, as the engine records them. */
function category(log: StoreDecisionLog, ctx: unknown, n: number): void {
  for (const rule of ['a', 'b']) {
    const record: ExecutionRecord = { rule, version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 0.2, errorCode: null, correlationId: `req-${n}`, cached: false, at: Date.now(), category: 'epic', context: ctx };
    log.record(record);
  }
}

/** Everything the database holds, as text: the SQLite files' bytes, or every text column of every PostgreSQL table. */
async function everything(backend: Backend, url: string): Promise<string> {
  if (backend.name === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    return [file, `${file}-wal`, `${file}-shm`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('latin1'))
      .join('\n');
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb')`,
    );
    const out: string[] = [];
    for (const { table_name: table, column_name: column } of columns.rows) {
      const rows = await client.query<{ v: string | null }>(`SELECT "${column}"::text AS v FROM "${table}"`);
      for (const r of rows.rows) if (r.v !== null) out.push(r.v);
    }
    assert.ok(columns.rows.some((c) => c.table_name === 'decision_segment_rules' && c.column_name === 'contexts'), 'the dump covers decision_segment_rules.contexts');
    return out.join('\n');
  } finally {
    await client.end();
  }
}

function suite(name: 'sqlite' | 'postgres', makeBackend: () => Promise<Backend>): void {
  describe(`the decision log's captured contexts on ${name}`, { skip: name === 'postgres' && POSTGRES_SKIPPED }, () => {
    let backend: Backend;
    const dir = mkdtempSync(join(tmpdir(), 'lua-rules-capture-'));
    const stores: Store[] = [];
    const fresh = async (): Promise<{ url: string; store: Store }> => {
      const made = await storeWithRules(backend, ['a', 'b']);
      stores.push(made.store);
      return made;
    };
    before(async () => {
      backend = await makeBackend();
    });
    after(async () => {
      for (const s of stores) await s.close().catch(() => undefined);
      await backend?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('masked fields are removed before anything is stored or printed; the rest is kept', async () => {
      const { url, store } = await fresh();
      const jsonl = join(dir, `${name}-masked.jsonl`);
      const log = new StoreDecisionLog(store, { thread: { storeUrl: url }, masks: MASKS, jsonl, engineId: 'e1', retention: false });
      const contexts = [context(), context(), context()];
      contexts.forEach((c, i) => category(log, c, i));
      await log.stop();
      assert.deepEqual(contexts[0], context(), "the engine's context object is never changed");

      const decisions = await store.decisions({ withContext: true });
      assert.equal(decisions.length, 6);
      for (const d of decisions) assert.deepEqual(d.context, MASKED);
      assert.deepEqual(new Set(decisions.map((d) => `${d.rule}/${d.correlationId}/${d.category}/${d.engineId}`)).size, 6);

      const lines = readFileSync(jsonl, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 6);
      for (const line of lines) assert.deepEqual((JSON.parse(line) as { context: unknown }).context, MASKED);

      const printed = await cli(['decisions', '--store', url, '--json', '--limit', '100']);
      assert.equal(printed.code, 0, printed.stderr);
      assert.equal(printed.stdout.trimEnd().split('\n').length, 6);
      const table = await cli(['decisions', '--store', url]);
      assert.equal(table.code, 0, table.stderr);

      await store.close();
      const stored = await everything(backend, url);
      for (const [where, text] of [['the database', stored], ['decisions --json', printed.stdout], ['decisions (table)', table.stdout], ['the JSON lines', readFileSync(jsonl, 'utf8')]] as const) {
        for (const secret of [SECRET_MAIL, SECRET_SKU, SECRET_SKU2, SECRET_TOP]) assert.ok(!text.includes(secret), `${secret} found in ${where}`);
      }
      // The positive control: the same search finds what was not masked.
      assert.ok(stored.includes(VISIBLE) && printed.stdout.includes(VISIBLE), 'the unmasked value is stored and printed');
    });

    test('captureContexts off: decisions are logged, no context anywhere', async () => {
      const { url, store } = await fresh();
      const log = new StoreDecisionLog(store, { thread: { storeUrl: url }, captureContexts: false, retention: false });
      category(log, context(), 1);
      await log.stop();
      const decisions = await store.decisions({ withContext: true });
      assert.equal(decisions.length, 2);
      assert.ok(decisions.every((d) => !('context' in d)));
      assert.deepEqual(await store.decisions({ captured: true }), []);
      await store.close();
      const stored = await everything(backend, url);
      for (const secret of [SECRET_MAIL, SECRET_SKU, VISIBLE]) assert.ok(!stored.includes(secret), `${secret} stored with capture off`);
    });

    test('bounds: retention by age, then by rows, then contexts per rule — exactly as computed by hand', async () => {
      const { url, store } = await fresh();
      const now = Date.now();
      const at = (minutesAgo: number): string => new Date(now - minutesAgo * 60_000).toISOString();
      const row = (rule: string, minutesAgo: number, tag: string): ExecutionLogRecord => ({ rule, version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 1, errorCode: null, correlationId: tag, engineId: 'e1', at: at(minutesAgo), category: 'epic', context: { tag } });
      // Written in this order (ids 1..12): two rows older than the age bound, a1..a6, b1..b4.
      await store.recordExecutions([row('a', 180, 'old1'), row('a', 120, 'old2')]);
      await store.recordExecutions([10, 9, 8, 7, 6, 5].map((m, i) => row('a', m, `a${i + 1}`)));
      await store.recordExecutions([4, 3, 2, 1].map((m, i) => row('b', m, `b${i + 1}`)));
      const log = new StoreDecisionLog(store, { thread: { storeUrl: url }, retention: { maxAgeMs: 3_600_000, maxRows: 8, contextsPerRule: 3 }, pruneIntervalMs: 3_600_000 });
      await log.prune();
      // Age: old1, old2 deleted. Rows: of the 10 left, the 8 newest stay (a1, a2 deleted).
      // Contexts: a keeps a4..a6 (a3 loses its context), b keeps b2..b4 (b1 loses its).
      const left = await store.decisions({ withContext: true });
      assert.deepEqual(left.map((d) => `${d.correlationId}${d.context === undefined ? '' : '+ctx'}`), ['b4+ctx', 'b3+ctx', 'b2+ctx', 'b1', 'a6+ctx', 'a5+ctx', 'a4+ctx', 'a3']);
      assert.equal(log.counts.pruned, 4);
      assert.equal(log.counts.contextsPruned, 2);
      await log.prune();
      assert.deepEqual([log.counts.pruned, log.counts.contextsPruned], [4, 2], 'a second prune finds nothing more');
      await log.stop();
    });

    test('bounds are enforced in the background, with no call', async () => {
      const { url, store } = await fresh();
      const jsonl = join(dir, `${name}-unmasked.jsonl`);
      const log = new StoreDecisionLog(store, { thread: { storeUrl: url }, retention: { contextsPerRule: 2 }, pruneIntervalMs: 100, flushIntervalMs: 20, jsonl });
      for (let i = 0; i < 5; i++) category(log, { n: i }, i);
      await eventually(() => log.counts.contextsPruned === 6, 'the per-rule bound applied in the background (2 rules x 3 contexts beyond 2)');
      await log.stop();
      const captured = await store.decisions({ captured: true });
      assert.deepEqual(captured.map((d) => `${d.rule}:${JSON.stringify(d.context)}`).sort(), ['a:{"n":3}', 'a:{"n":4}', 'b:{"n":3}', 'b:{"n":4}']);
      assert.equal((await store.decisions({})).length, 10, 'every decision keeps its row');
      // Without masks the thread stores and prints contexts as they came (no parse): still the same JSON.
      const lines = readFileSync(jsonl, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { rule: string; context: unknown });
      assert.deepEqual(lines.map((l) => `${l.rule}:${JSON.stringify(l.context)}`).sort(), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4].map((n, i) => `${i % 2 === 0 ? 'a' : 'b'}:{"n":${n}}`).sort());
    });

    test('a context over 64 KiB of JSON is not kept: its decisions are, counted; in the thread (body text or object) and in process', async () => {
      const big = { blob: `too-large-${'x'.repeat(MAX_STORED_CONTEXT_CHARS)}` };
      const small = { n: 1 };
      for (const mode of ['thread, body text', 'thread, object', 'in process'] as const) {
        const { url, store } = await fresh();
        const log = new StoreDecisionLog(store, { ...(mode === 'in process' ? {} : { thread: { storeUrl: url } }), engineId: 'e1', retention: false });
        for (const [n, ctx] of [big, small].entries()) {
          for (const rule of ['a', 'b']) {
            const record: ExecutionRecord = { rule, version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 0.2, errorCode: null, correlationId: `req-${n}`, cached: false, at: Date.now(), category: 'epic', context: ctx };
            if (mode === 'thread, body text') record.contextJson = JSON.stringify(ctx);
            log.record(record);
          }
        }
        await log.flush();
        assert.equal(log.counts.contextsTooLarge, 2, `${mode}: both rules' records of the large context`);
        await log.stop();
        assert.equal((await store.decisions({})).length, 4, `${mode}: every decision is logged`);
        assert.deepEqual((await store.decisions({ captured: true })).map((d) => [d.correlationId, d.context]), [['req-1', small], ['req-1', small]], mode);
        assert.ok(!(await everything(backend, url)).includes('too-large-'), `${mode}: the large context is stored nowhere`);
      }
    });

    test('a log that falls behind sheds contexts before it drops decisions, and takes them again once it caught up', async () => {
      const { url, store } = await fresh();
      // 10 records a batch, room for 200 waiting: past a quarter (50) new records go
      // without their contexts. The batches below are posted in one turn of this thread,
      // so none is seen received before the last: records 61-150 are shed, exactly.
      const log = new StoreDecisionLog(store, { thread: { storeUrl: url }, engineId: 'e1', retention: false, batchSize: 10, maxBuffered: 200, flushIntervalMs: 60_000 });
      const record = (n: number): ExecutionRecord => ({ rule: 'a', version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 0.2, errorCode: null, correlationId: `req-${n}`, cached: false, at: Date.now(), category: 'epic', context: { n } });
      for (let n = 1; n <= 150; n++) log.record(record(n));
      await log.flush();
      assert.deepEqual([log.counts.contextsShed, log.counts.dropped], [90, 0]);
      assert.equal((await store.decisions({})).length, 150, 'every decision is logged');
      const kept = (await store.decisions({ captured: true })).map((d) => (d.context as { n: number }).n).sort((x, y) => x - y);
      assert.deepEqual(kept, Array.from({ length: 60 }, (_, i) => i + 1));
      // Caught up (nothing waiting): the next record keeps its context.
      log.record(record(151));
      await log.flush();
      assert.equal(log.counts.contextsShed, 90);
      assert.equal((await store.decisions({ captured: true, limit: 1 }))[0]?.correlationId, 'req-151');
      await log.stop();
    });

    test('in process (no thread) the same masks and bounds hold', async () => {
      const { store } = await fresh();
      const log = new StoreDecisionLog(store, { masks: MASKS, retention: { contextsPerRule: 1 }, pruneIntervalMs: 3_600_000 });
      category(log, context(), 1);
      category(log, context(), 2);
      await log.flush();
      await log.prune();
      await log.stop();
      const captured = await store.decisions({ captured: true });
      assert.deepEqual(captured.map((d) => [d.rule, d.correlationId, d.context]), [
        ['b', 'req-2', MASKED],
        ['a', 'req-2', MASKED],
      ]);
    });
  });
}

suite('sqlite', async () => sqliteBackend());
suite('postgres', async () => postgresBackend(await startPostgres()));
