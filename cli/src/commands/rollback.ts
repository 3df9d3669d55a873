import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { parseCommandArgs, stringFlag } from '../args';
import { AUTHOR_HELP, STORE_FLAGS, STORE_HELP, stateLabel, storeUrl, versionFlag, withStore, writeAuthor } from './store-common';
import { displayText } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules rollback <rule> --to <version> --store URL [--author NAME] [--message TEXT]

Writes a new version of the rule with an old version's content (history is never
rewritten). The new version goes live at once, or waits for approvals when the rule
has a consensus; running engines reload it.

Options:
  --to <version>      the version whose content comes back
${AUTHOR_HELP}
  --message TEXT      why (default: "rollback to version <n>")
${STORE_HELP}

Exit codes: 0 rolled back (or that content is already the latest); 1 the store
could not be reached; 2 bad usage, a bad URL, an unknown rule or version.`;

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: "bring back an old version's content as a new version",
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('rollback', argv, { ...STORE_FLAGS, to: { type: 'string' }, author: { type: 'string' }, message: { type: 'string' } });
    const [rule, extra] = args.positionals;
    if (rule === undefined) throw new UsageError('rollback: which rule? usage: lua-rules rollback <rule> --to <version> --store URL [--author NAME]');
    if (extra !== undefined) throw new UsageError(`rollback: one rule at a time (got '${extra}' too)`);
    const to = versionFlag('rollback', args, 'to');
    const message = stringFlag(args, 'message');
    const url = storeUrl('rollback', args, io);
    return withStore('rollback', url, io, async (store) => {
      const author = await writeAuthor('rollback', store, args, io);
      const out = await store.rollback(rule, to, { author, ...(message !== undefined ? { message } : {}) });
      io.stdout(
        out.created
          ? `rolled back ${displayText(rule)} to the content of version ${to}: version ${out.version.number} (${stateLabel(out.version.state, out.approvalsMissing)})\n`
          : `${displayText(rule)}: version ${out.version.number} already has the content of version ${to}; nothing written\n`,
      );
      return EXIT.ok;
    });
  },
};
