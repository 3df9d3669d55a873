import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs } from '../args';
import { STORE_FLAGS, STORE_HELP, storeUrl, withStore } from './store-common';
import { parseStoreUrl, StoreUrlError } from '../../../store/src';

const HELP = `Usage: lua-rules migrate --store URL [--roles]

Creates the store's tables, or brings an older store's schema up to date. Every
store command also does this on first use; run it explicitly before starting many
engines at once, or to check a store is reachable.

Options:
${STORE_HELP}
  --roles             PostgreSQL only, as the store's owner with CREATEROLE: also
                      create the group roles lua_rules_author (publish, rollback,
                      disable/enable, promote), lua_rules_approver (approve) and
                      lua_rules_engine (serve: read rules, write decisions and
                      heartbeats), NOLOGIN, and give each exactly its grants. Safe to
                      run again. Then: GRANT lua_rules_author TO alice; (docs/store.md)

Exit codes: 0 the schema is current (and the roles are set up); 1 the store could
not be reached, or the user may not create roles or grant on the tables; 2 bad
usage, a bad URL, or --roles on a SQLite store.`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create or update the rule store schema (SQLite or PostgreSQL)',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('migrate', argv, { ...STORE_FLAGS, roles: { type: 'boolean' } });
    if (args.positionals.length > 0) throw new UsageError(`migrate: unexpected argument '${args.positionals[0]}'; see 'lua-rules migrate --help'`);
    const url = storeUrl('migrate', args, io);
    const roles = booleanFlag(args, 'roles');
    if (roles) {
      let kind: string;
      try {
        kind = parseStoreUrl(url, io.cwd).kind;
      } catch (e) {
        if (e instanceof StoreUrlError) throw new UsageError(`migrate: ${e.message}`);
        throw e;
      }
      if (kind === 'sqlite') {
        throw new UsageError("migrate: --roles is for PostgreSQL; a SQLite store has no database users or roles (the file's permissions decide who may write it)");
      }
    }
    return withStore('migrate', url, io, async (store) => {
      const report = await store.migrate();
      io.stdout(
        report.applied.length === 0
          ? `${store.display}: schema already at version ${report.current}\n`
          : `${store.display}: applied migration${report.applied.length === 1 ? '' : 's'} ${report.applied.join(', ')}; schema at version ${report.current}\n`,
      );
      if (roles) {
        const out = await store.installRoles();
        const made = out.created.length === 0 ? 'all existed' : `created ${out.created.join(', ')}`;
        io.stdout(`${store.display}: roles lua_rules_author, lua_rules_approver, lua_rules_engine ready (${made}); grants set on ${out.tables} tables in schema ${out.schema}\n`);
        io.stdout('next, one login per person or engine, e.g.: CREATE ROLE alice LOGIN PASSWORD \'…\'; GRANT lua_rules_author TO alice;  (lua_rules_approver, lua_rules_engine likewise; docs/store.md)\n');
      }
      return EXIT.ok;
    });
  },
};
