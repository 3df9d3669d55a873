import type { Migration } from './migration';

/**
 * Captured contexts move out of `executions` into a table of their own (issue 16,
 * follow-up of issue 13), keyed by the execution they belong to.
 *
 * Why: at the rates `serve` runs, nearly every context written is dropped again within
 * a minute by the per-rule bound (the newest 10,000 per rule). Dropping one was an
 * `UPDATE executions SET context = NULL`, which rewrites a row in the middle of the
 * log, its page and the partial index: measured 6 µs a row, as much as writing it, and
 * the prune held SQLite's write lock for 100-270 ms a chunk (publishes from other
 * processes waited seconds behind it). Here dropping a context is a DELETE of a range
 * of one rule's oldest rows (about 1 µs a row), and the bound follows insertion order
 * (the execution id), which the index below serves directly.
 *
 * `ON DELETE CASCADE`: retention by age or by rows deletes executions, and their
 * contexts go with them in the same statement, so no context outlives its decision.
 * Existing contexts are copied over, then the old column and its partial index go.
 */
const sqlite = [
  `CREATE TABLE decision_contexts (
    execution_id INTEGER PRIMARY KEY REFERENCES executions (id) ON DELETE CASCADE,
    rule_name TEXT NOT NULL,
    context TEXT NOT NULL
  )`,
  `CREATE INDEX decision_contexts_rule ON decision_contexts (rule_name, execution_id)`,
  `INSERT INTO decision_contexts (execution_id, rule_name, context) SELECT id, rule_name, context FROM executions WHERE context IS NOT NULL`,
  `DROP INDEX executions_captured`,
  `ALTER TABLE executions DROP COLUMN context`,
];

const postgres = [
  `CREATE TABLE decision_contexts (
    execution_id BIGINT PRIMARY KEY REFERENCES executions (id) ON DELETE CASCADE,
    rule_name TEXT NOT NULL,
    context TEXT NOT NULL
  )`,
  `CREATE INDEX decision_contexts_rule ON decision_contexts (rule_name, execution_id)`,
  `INSERT INTO decision_contexts (execution_id, rule_name, context) SELECT id, rule_name, context FROM executions WHERE context IS NOT NULL`,
  `DROP INDEX executions_captured`,
  `ALTER TABLE executions DROP COLUMN context`,
];

export const decisionContexts: Migration = { version: 7, name: 'decision contexts', sqlite, postgres };
