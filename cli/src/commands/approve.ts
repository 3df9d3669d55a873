import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { parseCommandArgs } from '../args';
import { AUTHOR_HELP, STORE_FLAGS, STORE_HELP, storeUrl, versionFlag, withStore, writeAuthor } from './store-common';
import { displayText } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules approve <rule> --version <n> --store URL [--author NAME]

Approves a pending version of a rule whose consensus is n > 0. The version goes
live once n distinct people other than its author have approved it; running
engines then reload it.

Options:
  --version <n>       the pending version to approve (see 'lua-rules history')
${AUTHOR_HELP}
                      (never the version's author; once per person; on PostgreSQL
                      the user must be a member of lua_rules_approver)
${STORE_HELP}

Exit codes: 0 approved; 1 refused (own version, approved twice, not pending, not
an approver) or
the store could not be reached; 2 bad usage, a bad URL, an unknown rule or version.`;

export const approveCommand: Command = {
  name: 'approve',
  summary: 'approve a pending rule version (consensus)',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('approve', argv, { ...STORE_FLAGS, version: { type: 'string' }, author: { type: 'string' } });
    const [rule, extra] = args.positionals;
    if (rule === undefined) throw new UsageError('approve: which rule? usage: lua-rules approve <rule> --version <n> --store URL [--author NAME]');
    if (extra !== undefined) throw new UsageError(`approve: one rule at a time (got '${extra}' too)`);
    const version = versionFlag('approve', args, 'version');
    const url = storeUrl('approve', args, io);
    return withStore('approve', url, io, async (store) => {
      const author = await writeAuthor('approve', store, args, io);
      const out = await store.approve(rule, version, author);
      io.stdout(
        out.wentLive
          ? `approved ${displayText(rule)} version ${version}: it is live now\n`
          : `approved ${displayText(rule)} version ${version}: ${out.approvalsMissing} more approval${out.approvalsMissing === 1 ? '' : 's'} needed\n`,
      );
      return EXIT.ok;
    });
  },
};
