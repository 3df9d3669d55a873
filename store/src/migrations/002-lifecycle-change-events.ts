import type { Migration } from './migration';

/**
 * The change feed learns the events of issues 13 and 14: a rule switched off and on
 * (`disabled`, `enabled`) and a shadow version started or ended (`shadow`,
 * `shadow-ended`). Engines reload on these as they do on `live`. Done once, here, so
 * that the features that need new events do not each rebuild the table.
 */
const EVENTS = `('proposed', 'approved', 'live', 'disabled', 'enabled', 'shadow', 'shadow-ended')`;

// SQLite cannot alter a CHECK constraint: the table is rebuilt, keeping every revision
// (an explicit revision also advances AUTOINCREMENT's sequence, so none is reused).
const sqlite = [
  `CREATE TABLE changes_next (
    revision INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_name TEXT NOT NULL,
    version INTEGER NOT NULL,
    event TEXT NOT NULL CHECK (event IN ${EVENTS}),
    at TEXT NOT NULL
  )`,
  `INSERT INTO changes_next (revision, rule_name, version, event, at) SELECT revision, rule_name, version, event, at FROM changes`,
  `DROP TABLE changes`,
  `ALTER TABLE changes_next RENAME TO changes`,
];

const postgres = [
  `ALTER TABLE changes DROP CONSTRAINT changes_event_check`,
  `ALTER TABLE changes ADD CONSTRAINT changes_event_check CHECK (event IN ${EVENTS})`,
];

export const lifecycleChangeEvents: Migration = { version: 2, name: 'lifecycle change events', sqlite, postgres };
