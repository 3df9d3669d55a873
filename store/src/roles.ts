/**
 * Issue 14: who may change what. Two things live here, and nowhere else:
 *
 * 1. `authorOfWrite`: who the author of a write is (a publish, rollback, approval,
 *    disable/enable, promotion, shadow publish). On PostgreSQL it is the database user
 *    of the connection (`current_user`), and a different name asked for is refused; on
 *    SQLite (a file has no users; its permissions are the boundary) it is the name
 *    given, else the OS user. Every command asks this function; the CLI's wrapper is
 *    `writeAuthor` in cli/src/commands/store-common.ts.
 * 2. `TABLE_GRANTS`: what each of the three group roles may do, one line per table,
 *    and `installRoles`, which creates the roles (NOLOGIN) and applies exactly those
 *    grants (`lua-rules migrate --roles`), and makes sure every column of
 *    `RECORDED_BY` has its who-did-it trigger. A new table needs one line in TABLE_GRANTS;
 *    test/store/roles.test.ts fails while a table of the schema has none.
 *
 * The rules the database itself enforces (self-approval, approver membership, the
 * recorded name = current_user) are triggers in migrations/006-identity-and-roles.ts.
 */
import { AuthorMismatchError, StoreError } from './errors';
import type { SqlQueryer } from './sql-driver';
import type { RuleStore, StoreBackend } from './types';

export const AUTHOR_ROLE = 'lua_rules_author';
export const APPROVER_ROLE = 'lua_rules_approver';
export const ENGINE_ROLE = 'lua_rules_engine';
export const GROUP_ROLES = [AUTHOR_ROLE, APPROVER_ROLE, ENGINE_ROLE] as const;
export type GroupRole = (typeof GROUP_ROLES)[number];

/** How each backend names the user of the connection; null: it has none. */
export const DATABASE_USER_SQL: Record<StoreBackend, string | null> = {
  sqlite: null,
  postgres: 'SELECT current_user AS name',
};

/**
 * The author of a write. `databaseUser` is the store's (`store.databaseUser()`):
 * non-null on PostgreSQL, where it IS the author and a different `claimed` name is
 * an AuthorMismatchError (case aside: PostgreSQL folds unquoted names to lower case,
 * so `--author Alice` for user alice is the same person). Null (SQLite): `claimed`
 * when it is a non-empty name, else `osUser()` — an empty `$USER` never leaves a
 * write without an author.
 */
export function resolveAuthor(databaseUser: string | null, claimed: string | undefined, osUser: () => string): string {
  const asked = claimed?.trim() ?? '';
  if (databaseUser === null) return asked || osUser();
  if (asked !== '' && asked.toLowerCase() !== databaseUser.toLowerCase()) throw new AuthorMismatchError(asked, databaseUser);
  return databaseUser;
}

/** `resolveAuthor` with the store's database user: what every writing command calls. */
export async function authorOfWrite(store: Pick<RuleStore, 'databaseUser'>, claimed: string | undefined, osUser: () => string): Promise<string> {
  return resolveAuthor(await store.databaseUser(), claimed, osUser);
}

/**
 * The grants, one line per table: the privileges of the author, approver and engine
 * roles. `migrate --roles` revokes everything else these roles hold on these tables,
 * so the list is exact. A role that INSERTs into a table with a serial key also gets
 * USAGE on its sequence (found from the catalog, not listed here). Column lists are
 * allowed: `UPDATE (a, b)`.
 *
 * Why each: authors write versions, the rule row (its live mirror, head) and the
 * change feed (publish, rollback, disable/enable, promote); approvers write an
 * approval and, when it is the last one needed, make the version live (version
 * state, rule row, change feed); engines read rules, versions and the feed, write
 * the decision log and its contexts (and prune them: delete old rows, delete contexts
 * beyond the per-rule bound) and their heartbeats, and update only the rules'
 * execution statistics, which the decision log keeps in the same transaction.
 */
export const TABLE_GRANTS: readonly { table: string; author: string; approver: string; engine: string }[] = [
  { table: 'schema_migrations', author: 'SELECT', approver: 'SELECT', engine: 'SELECT' },
  { table: 'rules', author: 'SELECT, INSERT, UPDATE', approver: 'SELECT, UPDATE', engine: 'SELECT, UPDATE (execution_count, error_count, confidence_sum, last_executed_at)' },
  { table: 'rule_versions', author: 'SELECT, INSERT, UPDATE', approver: 'SELECT, UPDATE', engine: 'SELECT' },
  { table: 'approvals', author: 'SELECT', approver: 'SELECT, INSERT', engine: '' },
  { table: 'changes', author: 'SELECT, INSERT', approver: 'SELECT, INSERT', engine: 'SELECT' },
  { table: 'engines', author: 'SELECT', approver: 'SELECT', engine: 'SELECT, INSERT, UPDATE' },
  // Tables of the other migrations of this release (4: lifecycle, 5: shadow runs); a
  // line whose table this store does not have is skipped.
  { table: 'rule_lifecycle', author: 'SELECT, INSERT', approver: 'SELECT', engine: '' },
  { table: 'shadows', author: 'SELECT, INSERT, UPDATE', approver: 'SELECT, UPDATE', engine: 'SELECT' },
  { table: 'shadow_counts', author: 'SELECT', approver: 'SELECT', engine: 'SELECT, INSERT, UPDATE' },
  { table: 'shadow_disagreements', author: 'SELECT', approver: 'SELECT', engine: 'SELECT, INSERT, DELETE' },
  // Migration 8: the decision log's segments, written and pruned by engines (a segment a
  // bound cuts through is rewritten: UPDATE; its rule and category rows are replaced).
  { table: 'decision_segments', author: 'SELECT', approver: 'SELECT', engine: 'SELECT, INSERT, UPDATE, DELETE' },
  { table: 'decision_segment_rules', author: 'SELECT', approver: 'SELECT', engine: 'SELECT, INSERT, UPDATE, DELETE' },
  { table: 'decision_segment_categories', author: 'SELECT', approver: 'SELECT', engine: 'SELECT, INSERT, DELETE' },
];

/**
 * Every column that records who did something, which on PostgreSQL must be
 * `current_user` for everyone but the owner (migration 6's `lua_rules_recorded_by`).
 * Migration 6 made these triggers for the columns a store had then; `installRoles`
 * makes sure of every one the store has now, whatever order the migrations of a
 * release ran in. A new column that records a person: one line here.
 */
export const RECORDED_BY: readonly { table: string; column: string; what: string; op: 'INSERT' | 'UPDATE' }[] = [
  { table: 'rules', column: 'created_by', what: "a rule's creator", op: 'INSERT' },
  { table: 'rule_versions', column: 'author', what: "a version's author", op: 'INSERT' },
  { table: 'rules', column: 'disabled_by', what: 'who disabled a rule', op: 'UPDATE' },
  { table: 'rule_lifecycle', column: 'author', what: 'who disabled or enabled a rule', op: 'INSERT' },
  { table: 'shadows', column: 'author', what: "a shadow version's author", op: 'INSERT' },
  { table: 'shadows', column: 'ended_by', what: 'who ended a shadow run', op: 'UPDATE' },
];

const ROLE_COLUMN: Record<GroupRole, 'author' | 'approver' | 'engine'> = { [AUTHOR_ROLE]: 'author', [APPROVER_ROLE]: 'approver', [ENGINE_ROLE]: 'engine' };

/** A privilege list as written in TABLE_GRANTS: words, commas, and column lists of plain names. */
const PRIVILEGES = /^(?:(?:SELECT|INSERT|DELETE|UPDATE|TRUNCATE|REFERENCES|TRIGGER)(?: \([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*\))?(?:, (?=\S))?)*$/;

export interface RolesReport {
  /** The roles this call created (the others existed). */
  created: GroupRole[];
  /** Tables granted on. */
  tables: number;
  /** The schema they are in. */
  schema: string;
}

/** The store user may not create the roles, or does not own the tables; nothing was changed. */
export class RolesSetupError extends StoreError {
  override name = 'RolesSetupError';
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates the group roles (NOLOGIN; those that exist are kept) and applies
 * TABLE_GRANTS exactly, in the caller's transaction, on PostgreSQL. Run by the
 * store's owner after the migrations. Idempotent: a second run changes nothing.
 */
export async function installRoles(tx: SqlQueryer): Promise<RolesReport> {
  const me = (
    await tx.all(
      `SELECT current_user AS name, n.nspname AS schema, pg_has_role(current_user, c.relowner, 'MEMBER') AS owner,
              (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS can_create
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'rules'::regclass`,
    )
  )[0];
  if (me === undefined) throw new RolesSetupError('the store has no rules table; run the migrations first');
  const user = String(me.name);
  const schema = String(me.schema);
  if (me.owner !== true) throw new RolesSetupError(`the database user ${user} does not own the store's tables, so it cannot grant on them; run 'lua-rules migrate --roles' as the store's owner`);
  const existing = new Set((await tx.all('SELECT rolname FROM pg_roles WHERE rolname = ANY(?)', [[...GROUP_ROLES]])).map((r) => String(r.rolname)));
  const missing = GROUP_ROLES.filter((r) => !existing.has(r));
  if (missing.length > 0 && me.can_create !== true) {
    throw new RolesSetupError(`the database user ${user} may not create roles (it needs CREATEROLE), and ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist yet; run 'lua-rules migrate --roles' as a user with CREATEROLE, or have a DBA create ${missing.length === 1 ? 'it' : 'them'} (NOLOGIN)`);
  }
  for (const role of missing) {
    // Two concurrent runs: the loser finds the role made meanwhile, which is the same outcome.
    await tx.exec(`DO $$ BEGIN CREATE ROLE ${quoteIdent(role)} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  }
  const roles = GROUP_ROLES.map(quoteIdent).join(', ');
  await tx.exec(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${roles}`);
  let tables = 0;
  for (const grant of TABLE_GRANTS) {
    const table = `${quoteIdent(schema)}.${quoteIdent(grant.table)}`;
    if ((await tx.all('SELECT to_regclass(?) AS oid', [table]))[0]?.oid === null) continue;
    tables++;
    await tx.exec(`REVOKE ALL ON ${table} FROM ${roles}`);
    const sequences = (
      await tx.all(
        `SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
         WHERE s.relkind = 'S' AND d.refobjid = ?::regclass`,
        [table],
      )
    ).map((r) => `${quoteIdent(schema)}.${quoteIdent(String(r.relname))}`);
    for (const sequence of sequences) await tx.exec(`REVOKE ALL ON SEQUENCE ${sequence} FROM ${roles}`);
    for (const role of GROUP_ROLES) {
      const privileges = grant[ROLE_COLUMN[role]].trim();
      if (!PRIVILEGES.test(privileges)) throw new Error(`internal: TABLE_GRANTS has a malformed privilege list for ${grant.table}: ${privileges}`);
      if (privileges === '') continue;
      await tx.exec(`GRANT ${privileges} ON ${table} TO ${quoteIdent(role)}`);
      if (/\bINSERT\b/.test(privileges)) for (const sequence of sequences) await tx.exec(`GRANT USAGE ON SEQUENCE ${sequence} TO ${quoteIdent(role)}`);
    }
  }
  for (const r of RECORDED_BY) {
    const present = await tx.all('SELECT 1 FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?', [schema, r.table, r.column]);
    if (present.length === 0) continue;
    const table = `${quoteIdent(schema)}.${quoteIdent(r.table)}`;
    const trigger = quoteIdent(`${r.table}_${r.column}_recorded_by`);
    // The same trigger migration 6 makes (same name), made again: never two of them.
    await tx.exec(`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`);
    // On UPDATE only a newly written name is a claim (the engines update rules' statistics all day).
    const column = quoteIdent(r.column);
    const when = r.op === 'UPDATE' ? ` WHEN (NEW.${column} IS NOT NULL AND NEW.${column} IS DISTINCT FROM OLD.${column})` : '';
    await tx.exec(`CREATE TRIGGER ${trigger} BEFORE ${r.op} ON ${table} FOR EACH ROW${when} EXECUTE FUNCTION lua_rules_recorded_by('${r.column}', '${r.what.replace(/'/g, "''")}')`);
  }
  return { created: missing, tables, schema };
}
