import type { Migration } from './migration';

/**
 * Issue 14 (h14-life): a rule's lifecycle and versions that carry their fixtures.
 *
 * - `rules.disabled_at` / `disabled_by` / `disabled_message`: the rule's current switch
 *   (NULL = enabled). Engines load only enabled rules, so the filter sits on the row
 *   they already read.
 * - `rule_lifecycle`: every disable and enable, append-only (who, when, why), which is
 *   what `history` shows between the versions.
 * - `rule_versions.fixtures`: the fixtures file the version was published with (its
 *   text, NULL when it had none), immutable like the content, so any store can run the
 *   gate on the version again (`lua-rules promote`, `export`).
 */
const sqlite = [
  `ALTER TABLE rules ADD COLUMN disabled_at TEXT`,
  `ALTER TABLE rules ADD COLUMN disabled_by TEXT`,
  `ALTER TABLE rules ADD COLUMN disabled_message TEXT`,
  `ALTER TABLE rule_versions ADD COLUMN fixtures TEXT`,
  `CREATE TRIGGER rule_versions_fixtures_immutable BEFORE UPDATE OF fixtures ON rule_versions
   BEGIN SELECT RAISE(ABORT, 'rule versions are immutable'); END`,
  `CREATE TABLE rule_lifecycle (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id INTEGER NOT NULL REFERENCES rules (id),
    event TEXT NOT NULL CHECK (event IN ('disabled', 'enabled')),
    author TEXT NOT NULL,
    message TEXT,
    at TEXT NOT NULL
  )`,
  `CREATE INDEX rule_lifecycle_rule ON rule_lifecycle (rule_id, id)`,
  `CREATE TRIGGER rule_lifecycle_append_only BEFORE UPDATE ON rule_lifecycle
   BEGIN SELECT RAISE(ABORT, 'the rule lifecycle is append-only'); END`,
  `CREATE TRIGGER rule_lifecycle_no_delete BEFORE DELETE ON rule_lifecycle
   BEGIN SELECT RAISE(ABORT, 'the rule lifecycle is append-only'); END`,
];

const postgres = [
  `ALTER TABLE rules ADD COLUMN disabled_at TIMESTAMPTZ, ADD COLUMN disabled_by TEXT, ADD COLUMN disabled_message TEXT`,
  `ALTER TABLE rule_versions ADD COLUMN fixtures TEXT`,
  // Migration 1's trigger function predates the column and is never edited: a second one guards it.
  `CREATE FUNCTION lua_rules_version_fixtures_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.fixtures IS DISTINCT FROM OLD.fixtures THEN RAISE EXCEPTION 'rule versions are immutable'; END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER rule_versions_fixtures_immutable BEFORE UPDATE ON rule_versions
   FOR EACH ROW EXECUTE FUNCTION lua_rules_version_fixtures_immutable()`,
  `CREATE TABLE rule_lifecycle (
    id BIGSERIAL PRIMARY KEY,
    rule_id BIGINT NOT NULL REFERENCES rules (id),
    event TEXT NOT NULL CHECK (event IN ('disabled', 'enabled')),
    author TEXT NOT NULL,
    message TEXT,
    at TIMESTAMPTZ NOT NULL
  )`,
  `CREATE INDEX rule_lifecycle_rule ON rule_lifecycle (rule_id, id)`,
  `CREATE FUNCTION lua_rules_lifecycle_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN RAISE EXCEPTION 'the rule lifecycle is append-only'; END $$`,
  `CREATE TRIGGER rule_lifecycle_append_only BEFORE UPDATE OR DELETE ON rule_lifecycle
   FOR EACH ROW EXECUTE FUNCTION lua_rules_lifecycle_append_only()`,
];

export const ruleLifecycle: Migration = { version: 4, name: 'rule lifecycle and version fixtures', sqlite, postgres };
