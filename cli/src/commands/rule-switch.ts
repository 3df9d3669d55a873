import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args';
import type { LifecycleOutcome } from '../../../store/src';
import { AUTHOR_HELP, STORE_FLAGS, STORE_HELP, storeUrl, withStore, writeAuthor } from './store-common';
import { displayText, quotedText, safeJson } from '../../../core/src/util/display-text';

/**
 * Issue 14: `lua-rules disable` and `enable`, one module because they are one switch.
 * Both are idempotent: switching a rule to the state it is in writes nothing and
 * exits 0 saying so (a retried deploy script must not fail or spam the history).
 */

const DISABLE_HELP = `Usage: lua-rules disable <rule> --store URL --message TEXT [--author NAME] [--json]

Switches a rule off: every engine stops evaluating it within its normal reload
latency (category evaluation skips it; evaluating it by name answers 404 with the
error code rule-disabled). Its versions are kept; publishing and approving still
work, but nothing of it is served until 'lua-rules enable'. 'lua-rules history'
shows who disabled it, when and why.

Options:
  --message TEXT      why the rule is switched off (required)
${AUTHOR_HELP}
${STORE_HELP}
  --json              print {"rule", "changed", "disabled": {"by", "at", "message"}}

Exit codes: 0 disabled (or already disabled: nothing written); 1 the store could
not be reached; 2 bad usage, a missing --message, a bad URL or an unknown rule.`;

const ENABLE_HELP = `Usage: lua-rules enable <rule> --store URL [--message TEXT] [--author NAME] [--json]

Switches a disabled rule back on: engines load its live version again within their
normal reload latency. 'lua-rules history' shows who enabled it, when and why.

Options:
  --message TEXT      why the rule is switched back on (optional)
${AUTHOR_HELP}
${STORE_HELP}
  --json              print {"rule", "changed", "disabled": null}

Exit codes: 0 enabled (or already enabled: nothing written); 1 the store could not
be reached; 2 bad usage, a bad URL or an unknown rule.`;

function switchCommand(name: 'disable' | 'enable', summary: string, help: string): Command {
  return {
    name,
    summary,
    help,
    async run(argv, io) {
      const args = parseCommandArgs(name, argv, { ...STORE_FLAGS, author: { type: 'string' }, message: { type: 'string' }, json: { type: 'boolean' } });
      const [rule, extra] = args.positionals;
      if (rule === undefined) throw new UsageError(`${name}: which rule? usage: lua-rules ${name} <rule> --store URL${name === 'disable' ? ' --message TEXT' : ''}`);
      if (extra !== undefined) throw new UsageError(`${name}: one rule at a time (got '${extra}' too)`);
      const message = stringFlag(args, 'message');
      if (name === 'disable' && (message === undefined || message.trim() === '')) {
        throw new UsageError("disable: --message TEXT is required: say why the rule is switched off (history shows it); see 'lua-rules disable --help'");
      }
      const url = storeUrl(name, args, io);
      return withStore(name, url, io, async (store) => {
        // The one author-identity function, asked once the store is open (issue 14: on
        // PostgreSQL the author becomes the connection's user).
        const author = await writeAuthor(name, store, args, io);
        const out: LifecycleOutcome =
          name === 'disable' ? await store.disable(rule, { author, message: message ?? '' }) : await store.enable(rule, { author, ...(message !== undefined ? { message } : {}) });
        if (booleanFlag(args, 'json')) io.stdout(safeJson(out, 2) + '\n');
        else io.stdout(describe(name, out) + '\n');
        return EXIT.ok;
      });
    },
  };
}

function describe(name: 'disable' | 'enable', out: LifecycleOutcome): string {
  const rule = displayText(out.rule);
  if (name === 'enable') return out.changed ? `enabled ${rule}: engines serve its live version again` : `${rule} is not disabled; nothing written`;
  const d = out.disabled;
  const why = d?.message ? ` ${quotedText(d.message)}` : '';
  return out.changed
    ? `disabled ${rule}: engines stop evaluating it`
    : `${rule} is already disabled (by ${displayText(d?.by ?? '?')} at ${(d?.at ?? '').replace('T', ' ').slice(0, 19)}${why}); nothing written`;
}

export const disableCommand = switchCommand('disable', 'switch a stored rule off: no engine evaluates it', DISABLE_HELP);
export const enableCommand = switchCommand('enable', 'switch a disabled rule back on', ENABLE_HELP);
