import type { Migration } from './migration';

/**
 * The first schema: the rule model (docs/store.md) plus immutable versions, approvals, the
 * decision log, engine heartbeats and the change feed. The two dialects hold the same
 * logical schema; only types differ (serial keys, timestamptz, triggers).
 */
const sqlite = [
  `CREATE TABLE rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    category TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lua', 'pattern')),
    lua_script TEXT,
    patterns TEXT,
    threshold REAL CHECK (threshold IS NULL OR (threshold >= 0 AND threshold <= 1)),
    consensus INTEGER NOT NULL DEFAULT 0 CHECK (consensus >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'proposed')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    evolution_count INTEGER NOT NULL DEFAULT 0,
    head_version INTEGER NOT NULL,
    live_version INTEGER,
    execution_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    confidence_sum REAL NOT NULL DEFAULT 0,
    last_executed_at TEXT,
    CHECK ((kind = 'lua' AND lua_script IS NOT NULL) OR (kind = 'pattern' AND patterns IS NOT NULL))
  )`,
  `CREATE INDEX rules_category ON rules (category, status)`,
  `CREATE TABLE rule_versions (
    rule_id INTEGER NOT NULL REFERENCES rules (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('lua', 'pattern')),
    content TEXT NOT NULL,
    checksum TEXT NOT NULL,
    metadata TEXT NOT NULL,
    author TEXT NOT NULL,
    message TEXT,
    created_at TEXT NOT NULL,
    evidence TEXT,
    state TEXT NOT NULL CHECK (state IN ('live', 'pending', 'superseded')),
    required_approvals INTEGER NOT NULL DEFAULT 0,
    rollback_of INTEGER,
    went_live_at TEXT,
    PRIMARY KEY (rule_id, number)
  )`,
  // Versions are immutable: only their state (and when they went live) may change.
  `CREATE TRIGGER rule_versions_immutable BEFORE UPDATE OF rule_id, number, kind, content, checksum, metadata, author, message, created_at, evidence, required_approvals, rollback_of ON rule_versions
   BEGIN SELECT RAISE(ABORT, 'rule versions are immutable'); END`,
  `CREATE TRIGGER rule_versions_no_delete BEFORE DELETE ON rule_versions
   BEGIN SELECT RAISE(ABORT, 'rule versions are immutable'); END`,
  `CREATE TABLE approvals (
    rule_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    approver TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (rule_id, version, approver),
    FOREIGN KEY (rule_id, version) REFERENCES rule_versions (rule_id, number)
  )`,
  `CREATE TABLE executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    decision TEXT NOT NULL,
    confidence REAL NOT NULL,
    duration_ms REAL NOT NULL,
    error_code TEXT,
    correlation_id TEXT,
    engine_id TEXT,
    at TEXT NOT NULL
  )`,
  `CREATE INDEX executions_rule_at ON executions (rule_name, at)`,
  `CREATE TABLE engines (
    engine_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    status TEXT NOT NULL,
    rules TEXT NOT NULL
  )`,
  `CREATE TABLE changes (
    revision INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('proposed', 'approved', 'live')),
    at TEXT NOT NULL
  )`,
];

const postgres = [
  `CREATE TABLE rules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    category TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lua', 'pattern')),
    lua_script TEXT,
    patterns TEXT,
    threshold DOUBLE PRECISION CHECK (threshold IS NULL OR (threshold >= 0 AND threshold <= 1)),
    consensus INTEGER NOT NULL DEFAULT 0 CHECK (consensus >= 0),
    status TEXT NOT NULL CHECK (status IN ('active', 'proposed')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    evolution_count INTEGER NOT NULL DEFAULT 0,
    head_version INTEGER NOT NULL,
    live_version INTEGER,
    execution_count BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL DEFAULT 0,
    confidence_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
    last_executed_at TIMESTAMPTZ,
    CHECK ((kind = 'lua' AND lua_script IS NOT NULL) OR (kind = 'pattern' AND patterns IS NOT NULL))
  )`,
  `CREATE INDEX rules_category ON rules (category, status)`,
  `CREATE TABLE rule_versions (
    rule_id BIGINT NOT NULL REFERENCES rules (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    kind TEXT NOT NULL CHECK (kind IN ('lua', 'pattern')),
    content TEXT NOT NULL,
    checksum TEXT NOT NULL,
    metadata TEXT NOT NULL,
    author TEXT NOT NULL,
    message TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    evidence TEXT,
    state TEXT NOT NULL CHECK (state IN ('live', 'pending', 'superseded')),
    required_approvals INTEGER NOT NULL DEFAULT 0,
    rollback_of INTEGER,
    went_live_at TIMESTAMPTZ,
    PRIMARY KEY (rule_id, number)
  )`,
  `CREATE FUNCTION lua_rules_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE' OR NEW.content IS DISTINCT FROM OLD.content OR NEW.checksum IS DISTINCT FROM OLD.checksum
        OR NEW.metadata IS DISTINCT FROM OLD.metadata OR NEW.author IS DISTINCT FROM OLD.author
        OR NEW.number IS DISTINCT FROM OLD.number OR NEW.rule_id IS DISTINCT FROM OLD.rule_id
        OR NEW.evidence IS DISTINCT FROM OLD.evidence OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
       RAISE EXCEPTION 'rule versions are immutable';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER rule_versions_immutable BEFORE UPDATE OR DELETE ON rule_versions
   FOR EACH ROW EXECUTE FUNCTION lua_rules_versions_immutable()`,
  `CREATE TABLE approvals (
    rule_id BIGINT NOT NULL,
    version INTEGER NOT NULL,
    approver TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (rule_id, version, approver),
    FOREIGN KEY (rule_id, version) REFERENCES rule_versions (rule_id, number)
  )`,
  `CREATE TABLE executions (
    id BIGSERIAL PRIMARY KEY,
    rule_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    decision TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL,
    error_code TEXT,
    correlation_id TEXT,
    engine_id TEXT,
    at TIMESTAMPTZ NOT NULL
  )`,
  `CREATE INDEX executions_rule_at ON executions (rule_name, at)`,
  `CREATE TABLE engines (
    engine_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    status TEXT NOT NULL,
    rules TEXT NOT NULL
  )`,
  `CREATE TABLE changes (
    revision BIGSERIAL PRIMARY KEY,
    rule_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('proposed', 'approved', 'live')),
    at TIMESTAMPTZ NOT NULL
  )`,
  // The change feed's push: NOTIFY is transactional, so listeners hear of a change only
  // when it commits, and a trigger means no writer can forget to send it.
  `CREATE FUNCTION lua_rules_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN PERFORM pg_notify('lua_rules_changes', NEW.revision::text); RETURN NEW; END $$`,
  `CREATE TRIGGER changes_notify AFTER INSERT ON changes FOR EACH ROW EXECUTE FUNCTION lua_rules_notify_change()`,
];

export const initialSchema: Migration = { version: 1, name: 'initial schema', sqlite, postgres };
