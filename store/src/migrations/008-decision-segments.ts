import type { Migration } from './migration';

/**
 * The decision log is stored in segments (issue 16; decision-segments.ts has the
 * format and the reasons): one row per written batch in `decision_segments`, with one
 * row per rule of the batch in `decision_segment_rules` (its count, its latest time and
 * its decisions' contexts, for rule lookups and the per-rule context bound) and one per
 * category in `decision_segment_categories` (category lookups). Each lookup table keeps
 * the latest time of what it indexes, so "newest first" reads walk an index and stop.
 *
 * The decisions the store holds are converted, 1,000 consecutive ids to a segment, in
 * their order (so the row and context bounds still count them oldest first), with
 * every field and context; then `executions` and `decision_contexts` go. Times become
 * ISO UTC text with milliseconds inside the JSON, as the writer stores them.
 */
const SEGMENT = '(e.id - 1) / 1000 + 1';

/** The JSON object of columns (decision-segments.ts), built by an aggregate with `agg(x ORDER BY e.id)`. */
function columns(agg: string, object: string, at: string): string {
  const col = (name: string, expr: string): string => `'${name}', ${agg}(${expr} ORDER BY e.id)`;
  return `${object}(${[
    col('rule', 'e.rule_name'),
    col('version', 'e.version'),
    col('decision', 'e.decision'),
    col('confidence', 'e.confidence'),
    col('durationMs', 'e.duration_ms'),
    col('errorCode', 'e.error_code'),
    col('correlationId', 'e.correlation_id'),
    col('engineId', 'e.engine_id'),
    col('at', at),
    col('category', 'e.category'),
  ].join(', ')})`;
}

const SQLITE_AT = "COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', e.at), e.at)";

const sqlite = [
  `CREATE TABLE decision_segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    count INTEGER NOT NULL,
    records TEXT NOT NULL,
    numbers BLOB
  )`,
  `CREATE INDEX decision_segments_last_at ON decision_segments (last_at, id)`,
  `CREATE INDEX decision_segments_first_at ON decision_segments (first_at)`,
  `CREATE TABLE decision_segment_rules (
    segment_id INTEGER NOT NULL REFERENCES decision_segments (id) ON DELETE CASCADE,
    rule_name TEXT NOT NULL,
    last_at TEXT NOT NULL,
    count INTEGER NOT NULL,
    context_count INTEGER NOT NULL,
    contexts TEXT,
    PRIMARY KEY (segment_id, rule_name)
  )`,
  `CREATE INDEX decision_segment_rules_rule ON decision_segment_rules (rule_name, last_at, segment_id)`,
  `CREATE INDEX decision_segment_rules_contexts ON decision_segment_rules (rule_name, segment_id) WHERE context_count > 0`,
  `CREATE TABLE decision_segment_categories (
    segment_id INTEGER NOT NULL REFERENCES decision_segments (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    last_at TEXT NOT NULL,
    PRIMARY KEY (segment_id, category)
  )`,
  `CREATE INDEX decision_segment_categories_category ON decision_segment_categories (category, last_at, segment_id)`,
  `INSERT INTO decision_segments (id, first_at, last_at, count, records)
    SELECT ${SEGMENT} AS g, min(${SQLITE_AT}), max(${SQLITE_AT}), count(*), ${columns('json_group_array', 'json_object', SQLITE_AT)}
    FROM executions e GROUP BY g`,
  `INSERT INTO decision_segment_rules (segment_id, rule_name, last_at, count, context_count, contexts)
    SELECT ${SEGMENT} AS g, e.rule_name, max(${SQLITE_AT}), count(*), count(c.context),
      CASE WHEN count(c.context) > 0 THEN json_group_array(json(c.context) ORDER BY e.id) END
    FROM executions e LEFT JOIN decision_contexts c ON c.execution_id = e.id GROUP BY g, e.rule_name`,
  `INSERT INTO decision_segment_categories (segment_id, category, last_at)
    SELECT ${SEGMENT} AS g, e.category, max(${SQLITE_AT}) FROM executions e WHERE e.category IS NOT NULL GROUP BY g, e.category`,
  `DROP TABLE decision_contexts`,
  `DROP TABLE executions`,
];

const POSTGRES_AT = `to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const postgres = [
  `CREATE TABLE decision_segments (
    id BIGSERIAL PRIMARY KEY,
    first_at TIMESTAMPTZ NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    count INTEGER NOT NULL,
    records TEXT NOT NULL,
    numbers BYTEA
  )`,
  `CREATE INDEX decision_segments_last_at ON decision_segments (last_at, id)`,
  `CREATE INDEX decision_segments_first_at ON decision_segments (first_at)`,
  `CREATE TABLE decision_segment_rules (
    segment_id BIGINT NOT NULL REFERENCES decision_segments (id) ON DELETE CASCADE,
    rule_name TEXT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    count INTEGER NOT NULL,
    context_count INTEGER NOT NULL,
    contexts TEXT,
    PRIMARY KEY (segment_id, rule_name)
  )`,
  `CREATE INDEX decision_segment_rules_rule ON decision_segment_rules (rule_name, last_at, segment_id)`,
  `CREATE INDEX decision_segment_rules_contexts ON decision_segment_rules (rule_name, segment_id) WHERE context_count > 0`,
  `CREATE TABLE decision_segment_categories (
    segment_id BIGINT NOT NULL REFERENCES decision_segments (id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (segment_id, category)
  )`,
  `CREATE INDEX decision_segment_categories_category ON decision_segment_categories (category, last_at, segment_id)`,
  `INSERT INTO decision_segments (id, first_at, last_at, count, records)
    SELECT ${SEGMENT} AS g, min(e.at), max(e.at), count(*), ${columns('json_agg', 'json_build_object', POSTGRES_AT)}::text
    FROM executions e GROUP BY g`,
  `SELECT setval(pg_get_serial_sequence('decision_segments', 'id'), COALESCE((SELECT max(id) FROM decision_segments), 0) + 1, false)`,
  `INSERT INTO decision_segment_rules (segment_id, rule_name, last_at, count, context_count, contexts)
    SELECT ${SEGMENT} AS g, e.rule_name, max(e.at), count(*), count(c.context),
      CASE WHEN count(c.context) > 0 THEN json_agg(c.context::json ORDER BY e.id)::text END
    FROM executions e LEFT JOIN decision_contexts c ON c.execution_id = e.id GROUP BY g, e.rule_name`,
  `INSERT INTO decision_segment_categories (segment_id, category, last_at)
    SELECT ${SEGMENT} AS g, e.category, max(e.at) FROM executions e WHERE e.category IS NOT NULL GROUP BY g, e.category`,
  `DROP TABLE decision_contexts`,
  `DROP TABLE executions`,
];

export const decisionSegments: Migration = { version: 8, name: 'decision segments', sqlite, postgres };
