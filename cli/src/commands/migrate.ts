import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { parseCommandArgs } from '../args';
import { STORE_FLAGS, STORE_HELP, storeUrl, withStore } from './store-common';

const HELP = `Usage: lua-rules migrate --store URL

Creates the store's tables, or brings an older store's schema up to date. Every
store command also does this on first use; run it explicitly before starting many
engines at once, or to check a store is reachable.

Options:
${STORE_HELP}

Exit codes: 0 the schema is current; 1 the store could not be reached; 2 bad usage
or a bad URL.`;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'create or update the rule store schema (SQLite or PostgreSQL)',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('migrate', argv, STORE_FLAGS);
    if (args.positionals.length > 0) throw new UsageError(`migrate: unexpected argument '${args.positionals[0]}'; see 'lua-rules migrate --help'`);
    const url = storeUrl('migrate', args, io);
    return withStore('migrate', url, io, async (store) => {
      const report = await store.migrate();
      io.stdout(
        report.applied.length === 0
          ? `${store.display}: schema already at version ${report.current}\n`
          : `${store.display}: applied migration${report.applied.length === 1 ? '' : 's'} ${report.applied.join(', ')}; schema at version ${report.current}\n`,
      );
      return EXIT.ok;
    });
  },
};
