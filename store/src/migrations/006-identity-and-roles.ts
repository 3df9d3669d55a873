import type { Migration } from './migration';

/**
 * Issue 14: identity is the database's, not the client's. Triggers that hold whatever
 * client connects (psql, a script, an old lua-rules), so approvals cannot be faked:
 *
 * - Everywhere: an approval by the version's own author is refused (names compare
 *   case-insensitively and trimmed, as the store's own check does).
 * - PostgreSQL, for every user but the store's owner: a version's `author` and an
 *   approval's `approver` must be `current_user` (the name written is the name of the
 *   connection), and an approver must be a member of `lua_rules_approver`.
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

const postgres = [
  // True when the connection's user owns the table (or is a member of its owner, or a
  // superuser): pg_class is readable by everyone, and TG_RELID needs no search_path.
  `CREATE FUNCTION lua_rules_is_owner(rel oid) RETURNS boolean LANGUAGE sql STABLE AS $$
   SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c WHERE c.oid = rel $$`,
  `CREATE FUNCTION lua_rules_version_author() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NOT lua_rules_is_owner(TG_RELID) AND NEW.author IS DISTINCT FROM current_user::text THEN
       RAISE EXCEPTION 'a version''s author must be the database user writing it (%), not %', current_user, quote_literal(NEW.author)
         USING ERRCODE = 'insufficient_privilege';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER rule_versions_author BEFORE INSERT ON rule_versions FOR EACH ROW EXECUTE FUNCTION lua_rules_version_author()`,
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
       IF NEW.approver IS DISTINCT FROM current_user::text THEN
         RAISE EXCEPTION 'an approval must be recorded under the database user giving it (%), not %', current_user, quote_literal(NEW.approver)
           USING ERRCODE = 'insufficient_privilege';
       END IF;
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lua_rules_approver')
          OR NOT pg_has_role(current_user, 'lua_rules_approver', 'MEMBER') THEN
         RAISE EXCEPTION 'the database user % is not a member of lua_rules_approver and may not approve', current_user
           USING ERRCODE = 'insufficient_privilege';
       END IF;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER approvals_rules BEFORE INSERT ON approvals FOR EACH ROW EXECUTE FUNCTION lua_rules_approval_rules()`,
];

export const identityAndRoles: Migration = { version: 6, name: 'identity and roles', sqlite, postgres };
