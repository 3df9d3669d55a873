import { num } from './row-mapping';
import type { SqlDriver } from './sql-driver';

/**
 * Keeping the decision log bounded (issue 13). Three rules, enforced together by
 * `pruneDecisions`, in the background (the decision log's writer thread calls it on a
 * timer; never a request):
 *
 * - `contextsPerRule`: each rule keeps the contexts of its newest N decisions (newest
 *   as written: by execution id); older decisions of that rule keep their row (what
 *   was decided, when, by which version) but lose the context (its row in
 *   `decision_contexts` is deleted). The counts stay true for `decisions`, while the
 *   bytes a context costs (most of a record) stay bounded per rule.
 * - `maxAgeMs`: decisions older than this are deleted.
 * - `maxRows`: beyond the newest N rows of the whole log (by insertion order), the
 *   older ones are deleted.
 *
 * Each step works in chunks of `chunk` rows, one short transaction each, so neither a
 * SQLite writer nor PostgreSQL's row locks are held for long by a large first prune.
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
  /** Rows deleted (by age or by the row bound). */
  rowsDeleted: number;
  /** Contexts dropped from rows that stay (the per-rule bound). */
  contextsDropped: number;
}

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function pruneDecisions(db: SqlDriver, retention: DecisionRetention, now = Date.now(), chunk = 5000): Promise<PruneReport> {
  const report: PruneReport = { rowsDeleted: 0, contextsDropped: 0 };
  // Chunks shrink when one held on for long (a starved low-priority thread holds SQLite's
  // write lock for as long as a chunk takes it; see decision-log-worker.ts) and grow
  // back to `chunk` when quick.
  let size = chunk;
  const repeat = async (sql: string, params: unknown[]): Promise<number> => {
    let total = 0;
    for (;;) {
      const started = performance.now();
      const n = await db.transaction('log', (tx) => tx.run(sql, [...params, size]));
      const ms = performance.now() - started;
      total += n;
      if (n < size) return total;
      size = ms > 100 ? Math.max(100, Math.floor(size / 2)) : ms < 25 ? Math.min(chunk, size * 2) : size;
      await yieldTurn();
    }
  };

  if (retention.maxAgeMs !== undefined) {
    const cutoff = new Date(now - retention.maxAgeMs).toISOString();
    report.rowsDeleted += await repeat('DELETE FROM executions WHERE id IN (SELECT id FROM executions WHERE at < ? ORDER BY at LIMIT ?)', [cutoff]);
  }

  if (retention.maxRows !== undefined) {
    // The newest row that must go: everything at or before it (by id) goes with it.
    const [edge] = await db.all('SELECT id FROM executions ORDER BY id DESC LIMIT 1 OFFSET ?', [retention.maxRows]);
    if (edge !== undefined) report.rowsDeleted += await repeat('DELETE FROM executions WHERE id IN (SELECT id FROM executions WHERE id <= ? ORDER BY id LIMIT ?)', [num(edge.id)]);
  }

  if (retention.contextsPerRule !== undefined) {
    // Contexts live in their own table (migration 7): dropping one is a DELETE of a range
    // of the rule's oldest, in the order they were written (execution id).
    const rules = await db.all('SELECT DISTINCT rule_name FROM decision_contexts');
    for (const { rule_name: rule } of rules) {
      // The newest context beyond the bound: it and every older one of the rule go.
      const [edge] = await db.all('SELECT execution_id FROM decision_contexts WHERE rule_name = ? ORDER BY execution_id DESC LIMIT 1 OFFSET ?', [rule, retention.contextsPerRule]);
      if (edge === undefined) continue;
      report.contextsDropped += await repeat(
        'DELETE FROM decision_contexts WHERE execution_id IN (SELECT execution_id FROM decision_contexts WHERE rule_name = ? AND execution_id <= ? ORDER BY execution_id LIMIT ?)',
        [rule, num(edge.execution_id)],
      );
      await yieldTurn();
    }
  }
  return report;
}
