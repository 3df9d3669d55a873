import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs } from '../args';
import type { LifecycleRecord, RuleVersionRecord } from '../../../store/src';
import { STORE_FLAGS, STORE_HELP, storeUrl, withStore } from './store-common';
import { displayText, quotedText, safeJson } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules history <rule> --store URL [--json]

Lists every version of a rule, newest first: number, state (live, pending,
superseded), when, who, the message, approvals, and rollbacks, and between them
every disable and enable (when, who, why). Versions are never rewritten: a rollback
is a new version with an old version's content.

Options:
${STORE_HELP}
  --json              print {"rule", "disabled", "versions": [...], "lifecycle": [...]}
                      on stdout (versions with content, checksum, fixtures and the
                      check/fixture evidence; lifecycle: each disable and enable)

Exit codes: 0 fine; 1 the store could not be reached; 2 bad usage, a bad URL or an
unknown rule.`;

function line(v: RuleVersionRecord): string {
  const parts = [`v${v.number}`.padEnd(5), v.state.padEnd(10), v.createdAt.replace('T', ' ').slice(0, 19), displayText(v.author)];
  if (v.message !== null && v.message !== '') parts.push(quotedText(v.message));
  if (v.state === 'pending') parts.push(`approvals ${v.approvals.length}/${v.requiredApprovals}`);
  if (v.approvals.length > 0) parts.push(`approved by ${v.approvals.map((a) => displayText(a.approver)).join(', ')}`);
  if (v.rollbackOf !== null) parts.push(`(rollback to v${v.rollbackOf})`);
  // Issue 13: the impact the publisher saw (docs/impact.md).
  const impact = v.evidence?.impact;
  if (impact) parts.push(impact.liveVersion === null ? `impact: new, ${impact.replayed} decisions` : `impact: ${impact.changed} of ${impact.replayed} changed vs v${impact.liveVersion}`);
  parts.push(`sha256:${v.checksum.slice(0, 12)}`);
  return parts.join('  ');
}

/** Issue 14: a disable or enable, in the same columns as a version. */
function switchLine(e: LifecycleRecord): string {
  const parts = ['--'.padEnd(5), e.event.padEnd(10), e.at.replace('T', ' ').slice(0, 19), displayText(e.by)];
  if (e.message !== null && e.message !== '') parts.push(quotedText(e.message));
  return parts.join('  ');
}

/** Versions and switches, newest first (ties: the switch, which came after the version it acted on). */
function timeline(versions: RuleVersionRecord[], lifecycle: LifecycleRecord[]): string[] {
  const entries = [...versions.map((v) => ({ at: v.createdAt, rank: 0, text: line(v) })), ...lifecycle.map((e) => ({ at: e.at, rank: 1, text: switchLine(e) }))];
  // Stable sort: each list is newest first already.
  return entries.sort((a, b) => (a.at === b.at ? b.rank - a.rank : a.at < b.at ? 1 : -1)).map((e) => e.text);
}

export const historyCommand: Command = {
  name: 'history',
  summary: "list a stored rule's versions, newest first",
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('history', argv, { ...STORE_FLAGS, json: { type: 'boolean' } });
    const [rule, extra] = args.positionals;
    if (rule === undefined) throw new UsageError("history: which rule? usage: lua-rules history <rule> --store URL");
    if (extra !== undefined) throw new UsageError(`history: one rule at a time (got '${extra}' too)`);
    const url = storeUrl('history', args, io);
    return withStore('history', url, io, async (store) => {
      const versions = await store.history(rule);
      const lifecycle = await store.lifecycle(rule);
      const disabled = (await store.getRule(rule))?.disabled ?? null;
      if (booleanFlag(args, 'json')) io.stdout(safeJson({ rule, disabled, versions, lifecycle }, 2) + '\n');
      else {
        const state = disabled === null ? '' : `  DISABLED since ${disabled.at.replace('T', ' ').slice(0, 19)} by ${displayText(disabled.by)}${disabled.message ? `: ${quotedText(disabled.message)}` : ''}`;
        io.stdout(`${displayText(rule)} (${store.display})${state}\n` + timeline(versions, lifecycle).map((t) => '  ' + t + '\n').join(''));
      }
      return EXIT.ok;
    }, 'read');
  },
};
