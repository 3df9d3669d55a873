import { iso, num } from './row-mapping';
import type { SqlDriver } from './sql-driver';

/**
 * Keeping the decision log bounded (issue 13). Three rules, enforced together by
 * `pruneDecisions`, in the background (the decision log's writer thread calls it on a
 * timer; never a request):
 *
 * - `contextsPerRule`: each rule keeps the contexts of its newest N decisions; older
 *   decisions of that rule keep their row (what was decided, when, by which version)
 *   but lose the context (set to NULL). The counts stay true for `decisions`, while
 *   the bytes a context costs (most of a row) stay bounded per rule.
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
  const repeat = async (sql: string, params: unknown[]): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await db.transaction('log', (tx) => tx.run(sql, [...params, chunk]));
      total += n;
      if (n < chunk) return total;
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
    const rules = await db.all('SELECT DISTINCT rule_name FROM executions WHERE context IS NOT NULL');
    for (const { rule_name: rule } of rules) {
      // The newest context beyond the bound (same order as `decisions`: at, then id).
      const [edge] = await db.all('SELECT at, id FROM executions WHERE rule_name = ? AND context IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?', [rule, retention.contextsPerRule]);
      if (edge === undefined) continue;
      const at = iso(edge.at);
      report.contextsDropped += await repeat(
        'UPDATE executions SET context = NULL WHERE id IN (SELECT id FROM executions WHERE rule_name = ? AND context IS NOT NULL AND (at < ? OR (at = ? AND id <= ?)) LIMIT ?)',
        [rule, at, at, num(edge.id)],
      );
      await yieldTurn();
    }
  }
  return report;
}
