import type { Migration } from './migration';

/**
 * Issue 14: identity is the database's, not the client's. Triggers that hold whatever
 * client connects (psql, a script, an old lua-rules), so approvals cannot be faked:
 *
 * - Everywhere: an approval by the version's own author is refused (names compare
 *   case-insensitively and trimmed, as the store's own check does).
 * - PostgreSQL, for every user but the store's owner: a version's `author` and an
 *   approval's `approver` must be `current_user` (the name written is the name of the
 *   connection), an approver must be a member of `lua_rules_approver`, and a version
 *   goes live only with the approvals its consensus asks for (no `UPDATE … SET state
 *   = 'live'`, no rule row pointing at a version that is not live).
 *
 * The store's owner (who runs `migrate`, and who could drop these triggers anyway) is
 * exempt: checking it would only be theatre, and it keeps single-user stores (one
 * login that owns everything, as in development) working as before. The group roles
 * and their grants are not part of the schema: `migrate --roles` creates them (roles
 * are cluster-wide and need CREATEROLE), see store/src/roles.ts.
 *
 * The refusals use SQLSTATE 42501 (insufficient_privilege), like a missing grant, so
 * a client maps both to "refused by the database" in one place.
 */
const sqlite = [
  `CREATE TRIGGER approvals_not_by_author BEFORE INSERT ON approvals
   WHEN EXISTS (SELECT 1 FROM rule_versions v WHERE v.rule_id = NEW.rule_id AND v.number = NEW.version
                AND lower(trim(v.author)) = lower(trim(NEW.approver)))
   BEGIN SELECT RAISE(ABORT, 'an approval by the version''s own author is refused; approvals must come from others'); END`,
];

/**
 * Every column that records who did something: table, column, what it is (for the
 * message), and when it is written. A new table or column that records a person is
 * one more line here (in a later migration, the same statement).
 */
const RECORDED_BY: readonly [table: string, column: string, what: string, op: 'INSERT' | 'UPDATE'][] = [
  ['rules', 'created_by', "a rule's creator", 'INSERT'],
  ['rule_versions', 'author', "a version's author", 'INSERT'],
  ['rules', 'disabled_by', 'who disabled a rule', 'UPDATE'],
  ['rule_lifecycle', 'author', 'who disabled or enabled a rule', 'INSERT'],
  ['shadows', 'author', "a shadow version's author", 'INSERT'],
  ['shadows', 'ended_by', 'who ended a shadow run', 'UPDATE'],
];

const postgres = [
  // True when the connection's user owns the table (or is a member of its owner, or a
  // superuser): pg_class is readable by everyone, and TG_RELID needs no search_path.
  // plpgsql, not sql: called from the triggers, a SQL function is planned on every call;
  // plpgsql keeps its plan for the session.
  `CREATE FUNCTION lua_rules_is_owner(rel oid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
   BEGIN
     RETURN (SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c WHERE c.oid = rel);
   END $$`,
  // A person acts as themselves: after SET ROLE to a group role, current_user would be
  // the group's name, shared by all its members (and never the author of anything,
  // so an author could approve their own version under it).
  `CREATE FUNCTION lua_rules_check_identity(recorded text, what text) RETURNS void LANGUAGE plpgsql AS $$
   BEGIN
     IF current_user::text IN ('lua_rules_author', 'lua_rules_approver', 'lua_rules_engine') THEN
       RAISE EXCEPTION '% is a group role; write as yourself (RESET ROLE), not as the group', current_user USING ERRCODE = 'insufficient_privilege';
     END IF;
     IF recorded IS DISTINCT FROM current_user::text THEN
       RAISE EXCEPTION '% must be recorded under the database user doing it (%), not %', what, current_user, quote_literal(recorded)
         USING ERRCODE = 'insufficient_privilege';
     END IF;
   END $$`,
  // The name a row records as who did it must be current_user. Generic over the
  // column (TG_ARGV[0]), so each table that records a person is one line of RECORDED_BY.
  `CREATE FUNCTION lua_rules_recorded_by() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     recorded text;
   BEGIN
     IF lua_rules_is_owner(TG_RELID) THEN RETURN NEW; END IF;
     recorded := to_jsonb(NEW) ->> TG_ARGV[0];
     -- On UPDATE only a newly written name counts (clearing it, e.g. on enable, is no claim).
     IF TG_OP = 'UPDATE' AND (recorded IS NULL OR recorded IS NOT DISTINCT FROM (to_jsonb(OLD) ->> TG_ARGV[0])) THEN RETURN NEW; END IF;
     PERFORM lua_rules_check_identity(recorded, TG_ARGV[1]);
     RETURN NEW;
   END $$`,
  ...RECORDED_BY.map(
    ([table, column, what, op]) =>
      // Tables of other migrations of this release (4: lifecycle, 5: shadow runs) may be
      // absent from a build without them; the trigger is made only where the column is.
      `DO $$ BEGIN
         IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}' AND column_name = '${column}') THEN
           CREATE TRIGGER ${table}_${column}_recorded_by BEFORE ${op} ON ${table} FOR EACH ROW EXECUTE FUNCTION lua_rules_recorded_by('${column}', '${what.replace(/'/g, "''")}');
         END IF;
       END $$`,
  ),
  `CREATE FUNCTION lua_rules_approval_rules() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     version_author text;
   BEGIN
     SELECT v.author INTO version_author FROM rule_versions v WHERE v.rule_id = NEW.rule_id AND v.number = NEW.version;
     IF lower(btrim(version_author)) = lower(btrim(NEW.approver)) THEN
       RAISE EXCEPTION '% wrote version % and cannot approve it; approvals must come from others', NEW.approver, NEW.version
         USING ERRCODE = 'insufficient_privilege';
     END IF;
     IF NOT lua_rules_is_owner(TG_RELID) THEN
       PERFORM lua_rules_check_identity(NEW.approver, 'an approval');
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lua_rules_approver')
          OR NOT pg_has_role(current_user, 'lua_rules_approver', 'MEMBER') THEN
         RAISE EXCEPTION 'the database user % is not a member of lua_rules_approver and may not approve', current_user
           USING ERRCODE = 'insufficient_privilege';
       END IF;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER approvals_rules BEFORE INSERT ON approvals FOR EACH ROW EXECUTE FUNCTION lua_rules_approval_rules()`,
  // Approvals nobody can fake would mean little if a version could simply be SET live.
  // The bar is computed from immutable rows (version metadata), never from columns a
  // writer may change (rules.consensus, required_approvals): the version's own
  // consensus, and the one of the version that last went live before it (else of
  // version 1), as the store's writer computes it. Once set, went_live_at and
  // required_approvals stay (they are that computation's record).
  `CREATE FUNCTION lua_rules_live_needs_approvals() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     bar integer;
     given integer;
   BEGIN
     IF lua_rules_is_owner(TG_RELID) THEN RETURN NEW; END IF;
     IF TG_OP = 'UPDATE' AND (NEW.required_approvals IS DISTINCT FROM OLD.required_approvals
        OR (OLD.went_live_at IS NOT NULL AND NEW.went_live_at IS DISTINCT FROM OLD.went_live_at)) THEN
       RAISE EXCEPTION 'a version''s required approvals and the time it went live cannot be changed' USING ERRCODE = 'insufficient_privilege';
     END IF;
     IF NEW.state <> 'live' OR (TG_OP = 'UPDATE' AND OLD.state = 'live') THEN RETURN NEW; END IF;
     -- Newest first along the primary key: usually the version just before this one.
     SELECT COALESCE((p.metadata::jsonb ->> 'consensus')::integer, 0) INTO bar FROM rule_versions p
       WHERE p.rule_id = NEW.rule_id AND p.number < NEW.number AND p.went_live_at IS NOT NULL ORDER BY p.number DESC LIMIT 1;
     IF NOT FOUND THEN
       SELECT COALESCE((p.metadata::jsonb ->> 'consensus')::integer, 0) INTO bar FROM rule_versions p
         WHERE p.rule_id = NEW.rule_id AND p.number = 1 AND NEW.number > 1;
     END IF;
     bar := GREATEST(COALESCE(bar, 0), COALESCE((NEW.metadata::jsonb ->> 'consensus')::integer, 0));
     SELECT count(*) INTO given FROM approvals a WHERE a.rule_id = NEW.rule_id AND a.version = NEW.number;
     IF given < bar THEN
       RAISE EXCEPTION 'version % cannot go live with % of the % approvals it needs', NEW.number, given, bar USING ERRCODE = 'insufficient_privilege';
     END IF;
     RETURN NEW;
   END $$`,
  // WHEN clauses keep the common writes (superseding, a pending insert) off the function.
  `CREATE TRIGGER rule_versions_live_needs_approvals BEFORE INSERT ON rule_versions
   FOR EACH ROW WHEN (NEW.state = 'live') EXECUTE FUNCTION lua_rules_live_needs_approvals()`,
  `CREATE TRIGGER rule_versions_live_needs_approvals_update BEFORE UPDATE ON rule_versions
   FOR EACH ROW WHEN ((NEW.state = 'live' AND OLD.state <> 'live') OR NEW.required_approvals IS DISTINCT FROM OLD.required_approvals
                      OR (OLD.went_live_at IS NOT NULL AND NEW.went_live_at IS DISTINCT FROM OLD.went_live_at))
   EXECUTE FUNCTION lua_rules_live_needs_approvals()`,
  // Engines serve rules.live_version: it may only name a version that is live. Checked
  // at commit, because the writer updates the rule row and the version in either order.
  `CREATE FUNCTION lua_rules_live_version_is_live() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF lua_rules_is_owner(TG_RELID) THEN RETURN NULL; END IF;
     IF NOT EXISTS (SELECT 1 FROM rule_versions v WHERE v.rule_id = NEW.id AND v.number = NEW.live_version AND v.state = 'live') THEN
       RAISE EXCEPTION 'rule % cannot serve version %: that version is not live', quote_literal(NEW.name), NEW.live_version USING ERRCODE = 'insufficient_privilege';
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE CONSTRAINT TRIGGER rules_live_version_is_live AFTER INSERT ON rules DEFERRABLE INITIALLY DEFERRED
   FOR EACH ROW WHEN (NEW.live_version IS NOT NULL) EXECUTE FUNCTION lua_rules_live_version_is_live()`,
  `CREATE CONSTRAINT TRIGGER rules_live_version_is_live_update AFTER UPDATE ON rules DEFERRABLE INITIALLY DEFERRED
   FOR EACH ROW WHEN (NEW.live_version IS NOT NULL AND NEW.live_version IS DISTINCT FROM OLD.live_version) EXECUTE FUNCTION lua_rules_live_version_is_live()`,
];

export const identityAndRoles: Migration = { version: 6, name: 'identity and roles', sqlite, postgres };
