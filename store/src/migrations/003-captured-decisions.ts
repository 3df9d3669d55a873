import type { Migration } from './migration';

/**
 * The decision log becomes replayable (issue 13): each execution may keep the context it
 * was decided on (JSON text, masked before it is written; NULL when capture is off or the
 * per-rule bound has dropped it) and the category of its rule at the time, so replaying a
 * category's decisions needs no join with `rules` (a rule may have moved since).
 *
 * Old rows are not backfilled: on a large log that would hold the migration (and every
 * engine starting) for minutes; their category stays NULL, and they carry no context to
 * replay anyway.
 *
 * Indexes, one per query that must not scan the whole log:
 * - `executions_category_at`: `decisions --category C [--since]`, newest first;
 * - `executions_at`: retention by age and the whole log newest first;
 * - `executions_captured`: partial, only rows holding a context: the per-rule bound (find
 *   the newest N contexts of a rule) and replay (`decisions` with captured contexts only).
 */
const sqlite = [
  `ALTER TABLE executions ADD COLUMN context TEXT`,
  `ALTER TABLE executions ADD COLUMN category TEXT`,
  `CREATE INDEX executions_category_at ON executions (category, at)`,
  `CREATE INDEX executions_at ON executions (at)`,
  `CREATE INDEX executions_captured ON executions (rule_name, at) WHERE context IS NOT NULL`,
];

const postgres = [
  `ALTER TABLE executions ADD COLUMN context TEXT`,
  `ALTER TABLE executions ADD COLUMN category TEXT`,
  `CREATE INDEX executions_category_at ON executions (category, at)`,
  `CREATE INDEX executions_at ON executions (at)`,
  `CREATE INDEX executions_captured ON executions (rule_name, at) WHERE context IS NOT NULL`,
];

export const capturedDecisions: Migration = { version: 3, name: 'captured decisions', sqlite, postgres };
