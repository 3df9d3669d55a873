import { JsonText } from './captured-decisions';
import { buildSegments, decisionAt, decodeSegment, insertSegmentRows, MAX_SEGMENT_RECORDS, rulePositions, splitJsonArray } from './decision-segments';
import { num } from './row-mapping';
import type { SqlDriver, SqlQueryer } from './sql-driver';
import type { ExecutionLogRecord } from './types';

/**
 * Keeping the decision log bounded (issue 13). Three rules, enforced together by
 * `pruneDecisions`, in the background (the decision log's writer thread calls it on a
 * timer; never a request):
 *
 * - `contextsPerRule`: each rule keeps the contexts of its newest N decisions (newest
 *   as written); older decisions of that rule keep their record (what was decided,
 *   when, by which version) but lose the context. The counts stay true for
 *   `decisions`, while the bytes a context costs (most of a record) stay bounded per rule.
 * - `maxAgeMs`: decisions older than this are deleted.
 * - `maxRows`: beyond the newest N decisions of the whole log (by insertion order), the
 *   older ones are deleted.
 *
 * The log is stored in segments (migration 8, decision-segments.ts). A segment entirely
 * beyond a bound is deleted whole (one row, whatever it holds), in chunks of a few
 * segments per short transaction so neither a SQLite writer nor PostgreSQL's row locks
 * are held for long by a large first prune. The one segment a bound cuts through (per
 * bound, per rule for contexts) is rewritten without what is beyond it, so every bound
 * is exact, as it was with a row per decision.
 *
 * On PostgreSQL, engines sharing a store may prune at once: every prune transaction
 * takes one advisory lock, and each cut is computed inside the transaction that makes
 * it, so two engines never cut the same segment twice.
 */
export interface DecisionRetention {
  contextsPerRule?: number;
  maxAgeMs?: number;
  maxRows?: number;
}

export const DEFAULT_RETENTION: Required<DecisionRetention> = {
  contextsPerRule: 10_000,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  maxRows: 1_000_000,
};

export interface PruneReport {
  /** Decisions deleted (by age or by the row bound). */
  rowsDeleted: number;
  /** Contexts dropped from decisions that stay (the per-rule bound). */
  contextsDropped: number;
  /** Small segments merged into their neighbours (their decisions stay; see mergeSmallSegments). */
  segmentsMerged?: number;
}

/** `pg_advisory_xact_lock` key of the decision log's prune ('LRUP'); publishes use another. */
const PRUNE_LOCK_KEY = 0x4c52_5550;

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `chunk`: segments deleted (or rule rows cleared) per transaction at most; it shrinks
 * when one held on for long (a starved low-priority thread holds SQLite's write lock for
 * as long as a chunk takes it; see decision-log-worker.ts) and grows back when quick.
 */
export async function pruneDecisions(db: SqlDriver, retention: DecisionRetention, now = Date.now(), chunk = 50): Promise<PruneReport> {
  const report: PruneReport = { rowsDeleted: 0, contextsDropped: 0 };
  let size = chunk;
  const prune = <T>(fn: (tx: SqlQueryer) => Promise<T>): Promise<T> =>
    db.transaction('log', async (tx) => {
      if (db.dialect === 'postgres') await tx.exec(`SELECT pg_advisory_xact_lock(${PRUNE_LOCK_KEY})`);
      return fn(tx);
    });
  /** Runs `step` (given the chunk size; it answers how many it handled and what it counts) until it handles less than a chunk. */
  const repeat = async (step: (tx: SqlQueryer, size: number) => Promise<{ handled: number; counted: number }>): Promise<number> => {
    let total = 0;
    for (;;) {
      const started = performance.now();
      const { handled, counted } = await prune((tx) => step(tx, size));
      const ms = performance.now() - started;
      total += counted;
      if (handled < size) return total;
      size = ms > 100 ? Math.max(1, Math.floor(size / 2)) : ms < 25 ? Math.min(chunk, size * 2) : size;
      await yieldTurn();
    }
  };
  /** Deletes up to `size` segments chosen by `where` (oldest first), counting their decisions. */
  const deleteSegments = (where: string, params: unknown[]) =>
    repeat(async (tx, size) => {
      const gone = await tx.all(`DELETE FROM decision_segments WHERE id IN (SELECT id FROM decision_segments WHERE ${where} ORDER BY id LIMIT ?) RETURNING count`, [...params, size]);
      return { handled: gone.length, counted: gone.reduce((n, r) => n + num(r.count), 0) };
    });

  if (retention.maxAgeMs !== undefined) {
    const cutoff = new Date(now - retention.maxAgeMs).toISOString();
    report.rowsDeleted += await deleteSegments('last_at < ?', [cutoff]);
    // The segments the cutoff cuts through: their decisions before it go.
    const cut = await db.all('SELECT id FROM decision_segments WHERE first_at < ? AND last_at >= ?', [cutoff, cutoff]);
    for (const { id } of cut) {
      report.rowsDeleted += await prune((tx) => rewriteSegment(tx, num(id), (at) => at >= cutoff));
      await yieldTurn();
    }
  }

  if (retention.maxRows !== undefined) {
    const maxRows = retention.maxRows;
    // The segment the bound cuts through (counting newest first): its oldest decisions
    // beyond the bound go; then every older segment goes whole.
    const edge = await prune(async (tx) => {
      const [row] = await tx.all('SELECT id, count, acc FROM (SELECT id, count, SUM(count) OVER (ORDER BY id DESC) AS acc FROM decision_segments) w WHERE acc > ? ORDER BY id DESC LIMIT 1', [maxRows]);
      if (row === undefined) return undefined;
      const id = num(row.id);
      const excess = num(row.acc) - maxRows;
      report.rowsDeleted += await rewriteSegment(tx, id, (_at, index) => index >= excess);
      return id;
    });
    if (edge !== undefined) report.rowsDeleted += await deleteSegments('id < ?', [edge]);
  }

  if (retention.contextsPerRule !== undefined) {
    const keep = retention.contextsPerRule;
    const rules = await db.all('SELECT DISTINCT rule_name FROM decision_segment_rules WHERE context_count > 0');
    for (const { rule_name: rule } of rules) {
      const edge = await prune(async (tx) => {
        const [row] = await tx.all(
          'SELECT segment_id, acc FROM (SELECT segment_id, SUM(context_count) OVER (ORDER BY segment_id DESC) AS acc FROM decision_segment_rules WHERE rule_name = ? AND context_count > 0) w WHERE acc > ? ORDER BY segment_id DESC LIMIT 1',
          [rule, keep],
        );
        if (row === undefined) return undefined;
        const id = num(row.segment_id);
        report.contextsDropped += await dropOldestContexts(tx, id, String(rule), num(row.acc) - keep);
        return id;
      });
      if (edge === undefined) continue;
      report.contextsDropped += await repeat(async (tx, size) => {
        const rows = await tx.all('SELECT segment_id, context_count FROM decision_segment_rules WHERE rule_name = ? AND segment_id < ? AND context_count > 0 ORDER BY segment_id LIMIT ?', [rule, edge, size]);
        if (rows.length > 0) {
          const ids = rows.map((r) => num(r.segment_id));
          await tx.run(`UPDATE decision_segment_rules SET contexts = NULL, context_count = 0 WHERE rule_name = ? AND segment_id IN (${ids.map(() => '?').join(', ')})`, [rule, ...ids]);
        }
        return { handled: rows.length, counted: rows.reduce((n, r) => n + num(r.context_count), 0) };
      });
      await yieldTurn();
    }
  }
  report.segmentsMerged = await mergeSmallSegments(prune, db);
  return report;
}

/**
 * Keeps the decisions of segment `id` that pass `keep` (given each one's time and place
 * in the segment) and answers how many went: the segment's row and its rule and
 * category rows are written again, the kept contexts as they were stored.
 */
async function rewriteSegment(tx: SqlQueryer, id: number, keep: (at: string, index: number) => boolean): Promise<number> {
  const records = await readSegment(tx, id);
  if (records === undefined) return 0;
  const kept = records.filter((r, i) => keep(r.at as string, i));
  if (kept.length === records.length) return 0;
  if (kept.length === 0) await tx.run('DELETE FROM decision_segments WHERE id = ?', [id]);
  else await writeSegmentAt(tx, id, kept);
  return records.length - kept.length;
}

/** A segment's decisions as records, each with its context as stored (JsonText), in order; undefined when it is gone. */
async function readSegment(tx: SqlQueryer, id: number): Promise<ExecutionLogRecord[] | undefined> {
  const [row] = await tx.all('SELECT records, numbers FROM decision_segments WHERE id = ?', [id]);
  if (row === undefined) return undefined;
  const cols = decodeSegment(id, String(row.records), row.numbers);
  // Each rule's contexts, as stored, by the record's place among the rule's records.
  const contexts = new Map<string, string[]>();
  for (const r of await tx.all('SELECT rule_name, contexts FROM decision_segment_rules WHERE segment_id = ? AND contexts IS NOT NULL', [id])) {
    contexts.set(String(r.rule_name), splitJsonArray(String(r.contexts)));
  }
  const positions = rulePositions(cols);
  const records: ExecutionLogRecord[] = [];
  for (let i = 0; i < cols.rule.length; i++) {
    const { category, ...fields } = decisionAt(cols, i);
    const record: ExecutionLogRecord = category === null ? fields : { ...fields, category };
    const text = contexts.get(record.rule)?.[positions[i] as number];
    if (text !== undefined && text !== 'null') record.context = new JsonText(text);
    records.push(record);
  }
  return records;
}

/**
 * Writes `records` as segment `id` (its row, rule and category rows replaced); false,
 * and nothing written, when they do not fit one segment.
 */
async function writeSegmentAt(tx: SqlQueryer, id: number, records: readonly ExecutionLogRecord[]): Promise<boolean> {
  const { segments } = buildSegments(records, (c: unknown) => (c instanceof JsonText ? c.text : null), records[0]?.at as string);
  const [segment] = segments;
  if (segment === undefined || segments.length > 1) return false;
  await tx.run('UPDATE decision_segments SET first_at = ?, last_at = ?, count = ?, records = ?, numbers = ? WHERE id = ?', [segment.firstAt, segment.lastAt, segment.count, segment.records, segment.numbers, id]);
  await tx.run('DELETE FROM decision_segment_rules WHERE segment_id = ?', [id]);
  await tx.run('DELETE FROM decision_segment_categories WHERE segment_id = ?', [id]);
  await insertSegmentRows(tx, id, segment.rules, segment.categories);
  return true;
}

/** A segment with fewer decisions than this is merged with its small neighbours by the prune. */
export const SMALL_SEGMENT = 1000;

/**
 * Merges runs of small segments next to each other (no segment between them, so the
 * order of their decisions is kept exactly) into one, up to MAX_SEGMENT_RECORDS. At low
 * traffic the log's thread writes a segment of one or two decisions every few tens of
 * milliseconds, and each costs a row, a rule row and a category row with their index
 * entries, more than a row per decision did. Answers how many segments went.
 */
async function mergeSmallSegments(prune: <T>(fn: (tx: SqlQueryer) => Promise<T>) => Promise<T>, db: SqlQueryer): Promise<number> {
  const rows = await db.all('SELECT id, count FROM decision_segments WHERE id >= (SELECT MIN(id) FROM decision_segments WHERE count < ?) ORDER BY id', [SMALL_SEGMENT]);
  const runs: number[][] = [];
  let run: number[] = [];
  let size = 0;
  for (const row of rows) {
    const count = num(row.count);
    if (count >= SMALL_SEGMENT || size + count > MAX_SEGMENT_RECORDS) {
      if (run.length > 1) runs.push(run);
      run = [];
      size = 0;
      if (count >= SMALL_SEGMENT) continue;
    }
    run.push(num(row.id));
    size += count;
  }
  if (run.length > 1) runs.push(run);
  let merged = 0;
  for (const ids of runs) {
    merged += await prune(async (tx) => {
      // Read again inside the transaction: another engine's prune may have changed them.
      const parts: ExecutionLogRecord[][] = [];
      const present: number[] = [];
      for (const id of ids) {
        const records = await readSegment(tx, id);
        if (records === undefined) continue;
        parts.push(records);
        present.push(id);
      }
      if (present.length < 2 || !(await writeSegmentAt(tx, present[0] as number, parts.flat()))) return 0;
      const rest = present.slice(1);
      await tx.run(`DELETE FROM decision_segments WHERE id IN (${rest.map(() => '?').join(', ')})`, rest);
      return rest.length;
    });
    await yieldTurn();
  }
  return merged;
}

/** Drops the `excess` oldest contexts a rule kept in segment `id`; answers how many went. */
async function dropOldestContexts(tx: SqlQueryer, id: number, rule: string, excess: number): Promise<number> {
  const [row] = await tx.all('SELECT contexts FROM decision_segment_rules WHERE segment_id = ? AND rule_name = ?', [id, rule]);
  if (row === undefined || row.contexts === null) return 0;
  const parts = splitJsonArray(String(row.contexts));
  let dropped = 0;
  for (let i = 0; i < parts.length && dropped < excess; i++) {
    if (parts[i] === 'null') continue;
    parts[i] = 'null';
    dropped++;
  }
  const left = parts.filter((p) => p !== 'null').length;
  await tx.run('UPDATE decision_segment_rules SET contexts = ?, context_count = ? WHERE segment_id = ? AND rule_name = ?', [left > 0 ? `[${parts.join(',')}]` : null, left, id, rule]);
  return dropped;
}
