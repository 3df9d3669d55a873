import type { Migration } from './migration';

/**
 * Shadow runs (issue 13): a version that engines evaluate beside a rule's live one,
 * without serving its answers. Kept out of `rule_versions` on purpose: a shadow is
 * not in the rule's history (it never served) and must not move `head_version`, the
 * base every publish builds on; promoting it writes an ordinary version through the
 * gate. Three tables:
 *  - `shadows`: the shadow's content and what its gate saw (the fixtures and the
 *    context schema, so promotion can run the same gate again), who started it, and
 *    how it ended (`stopped`, `replaced` by a newer shadow, `promoted`). At most one
 *    running shadow per rule (a partial unique index).
 *  - `shadow_counts`: comparisons and agreements per shadow and engine. Engines only
 *    ever add to their own row, so many engines never contend on one counter and an
 *    engine role needs no right over `shadows` itself.
 *  - `shadow_disagreements`: one row per disagreement, with both answers and the
 *    context (bounded per shadow by the writer).
 */
const sqlite = [
  `CREATE TABLE shadows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id INTEGER NOT NULL REFERENCES rules (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('lua', 'pattern')),
    content TEXT NOT NULL,
    checksum TEXT NOT NULL,
    metadata TEXT NOT NULL,
    file_name TEXT NOT NULL,
    fixtures TEXT,
    context_schema TEXT,
    evidence TEXT,
    author TEXT NOT NULL,
    message TEXT,
    live_version INTEGER,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    ended_by TEXT,
    end_reason TEXT CHECK (end_reason IS NULL OR end_reason IN ('stopped', 'replaced', 'promoted')),
    promoted_to INTEGER,
    UNIQUE (rule_id, number)
  )`,
  `CREATE UNIQUE INDEX shadows_one_running ON shadows (rule_id) WHERE ended_at IS NULL`,
  `CREATE TABLE shadow_counts (
    shadow_id INTEGER NOT NULL REFERENCES shadows (id),
    engine_id TEXT NOT NULL,
    compared INTEGER NOT NULL DEFAULT 0,
    agreed INTEGER NOT NULL DEFAULT 0,
    last_at TEXT NOT NULL,
    PRIMARY KEY (shadow_id, engine_id)
  )`,
  `CREATE TABLE shadow_disagreements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shadow_id INTEGER NOT NULL REFERENCES shadows (id),
    live_version INTEGER NOT NULL,
    live_decision TEXT NOT NULL,
    live_confidence REAL NOT NULL,
    live_error TEXT,
    shadow_decision TEXT NOT NULL,
    shadow_confidence REAL NOT NULL,
    shadow_error TEXT,
    context TEXT,
    correlation_id TEXT,
    engine_id TEXT,
    at TEXT NOT NULL
  )`,
  `CREATE INDEX shadow_disagreements_shadow ON shadow_disagreements (shadow_id, id)`,
];

const postgres = [
  `CREATE TABLE shadows (
    id BIGSERIAL PRIMARY KEY,
    rule_id BIGINT NOT NULL REFERENCES rules (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('lua', 'pattern')),
    content TEXT NOT NULL,
    checksum TEXT NOT NULL,
    metadata TEXT NOT NULL,
    file_name TEXT NOT NULL,
    fixtures TEXT,
    context_schema TEXT,
    evidence TEXT,
    author TEXT NOT NULL,
    message TEXT,
    live_version INTEGER,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    ended_by TEXT,
    end_reason TEXT CHECK (end_reason IS NULL OR end_reason IN ('stopped', 'replaced', 'promoted')),
    promoted_to INTEGER,
    UNIQUE (rule_id, number)
  )`,
  `CREATE UNIQUE INDEX shadows_one_running ON shadows (rule_id) WHERE ended_at IS NULL`,
  `CREATE TABLE shadow_counts (
    shadow_id BIGINT NOT NULL REFERENCES shadows (id),
    engine_id TEXT NOT NULL,
    compared BIGINT NOT NULL DEFAULT 0,
    agreed BIGINT NOT NULL DEFAULT 0,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shadow_id, engine_id)
  )`,
  `CREATE TABLE shadow_disagreements (
    id BIGSERIAL PRIMARY KEY,
    shadow_id BIGINT NOT NULL REFERENCES shadows (id),
    live_version INTEGER NOT NULL,
    live_decision TEXT NOT NULL,
    live_confidence DOUBLE PRECISION NOT NULL,
    live_error TEXT,
    shadow_decision TEXT NOT NULL,
    shadow_confidence DOUBLE PRECISION NOT NULL,
    shadow_error TEXT,
    context TEXT,
    correlation_id TEXT,
    engine_id TEXT,
    at TIMESTAMPTZ NOT NULL
  )`,
  `CREATE INDEX shadow_disagreements_shadow ON shadow_disagreements (shadow_id, id)`,
];

export const shadowRuns: Migration = { version: 5, name: 'shadow runs', sqlite, postgres };
