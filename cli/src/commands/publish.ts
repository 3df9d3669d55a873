import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args';
import { checkFilesForPublish, describePublished, describeRefused, publishChecked, PublishInputError } from '../../../service/src/publish-files';
import type { CheckedFiles, PublishCandidate } from '../../../service/src/publish-files';
import type { Store } from '../../../store/src';
import type { ImpactSummary } from '../../../core/src/impact/impact-report';
import { AUTHOR_HELP, STORE_FLAGS, STORE_HELP, storeUrl, withStore, writeAuthor } from './store-common';
import { displayText, safeJson } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules publish <files or folders...> --store URL [--author NAME] [--message TEXT] [--json]

Publishes rules (*.lua, *.rule.json) to the store. Each rule must pass the gate
first: the contract checks report no error and every fixture in its
<name>.fixtures.json passes. If any rule fails the gate nothing is published. Each
rule that passes gets a new immutable version (unchanged content: none), stored with
the checks and fixtures it passed. A rule with ---@consensus n waits as pending until
n others approve it ('lua-rules approve'). Running engines reload live versions.

If someone publishes the same rule between this command reading the store and
writing to it, that rule is refused with a conflict and nothing of it is written.

Options:
${AUTHOR_HELP}
  --message TEXT      what changed and why
  --base-version N    publish on top of version N (default: the latest version when
                      the command starts); a different latest version is a conflict
${STORE_HELP}
  --impact            replay each rule's captured contexts of the last 7 days (at
                      most 100,000) through it and its live version first, print
                      the impact summary, and store it in the version's evidence
                      (see 'lua-rules impact'; 'history --json' shows it)
  --json              print [{"rule", "version", "state", "created", "approvalsMissing"}]

Exit codes: 0 published (or unchanged); 1 a rule failed its checks or fixtures, a
conflict, or the store could not be reached; 2 bad usage, a bad URL, a missing or
unreadable file, or a rule that cannot be stored (e.g. no ---@category).`;

/** `publish --impact`: each candidate's impact summary (docs/impact.md), its headline printed as it is worked out. */
async function impactSummaries(store: Store, candidates: readonly PublishCandidate[], print: (line: string) => void): Promise<Map<string, ImpactSummary>> {
  const { impactOf } = await import('../../../store/src/index.js');
  const { summaryOf } = await import('../../../core/src/impact/impact-report.js');
  const { impactHeadline } = await import('../../../core/src/impact/format-impact.js');
  const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const out = new Map<string, ImpactSummary>();
  for (const c of candidates) {
    const summary = summaryOf(await impactOf(store, c.definition, { since, limit: 100_000 }, { examplesPerTransition: 0, notReproducedExamples: 0 }));
    out.set(c.definition.name, summary);
    print(`impact: ${impactHeadline(summary)}`);
  }
  return out;
}

export const publishCommand: Command = {
  name: 'publish',
  summary: 'check, test and publish rules to the store as new versions',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('publish', argv, { ...STORE_FLAGS, author: { type: 'string' }, message: { type: 'string' }, 'base-version': { type: 'string' }, json: { type: 'boolean' }, impact: { type: 'boolean' } });
    if (args.positionals.length === 0) throw new UsageError('publish: which rules? usage: lua-rules publish <files...> --store URL [--author NAME]');
    const message = stringFlag(args, 'message');
    const baseText = stringFlag(args, 'base-version');
    const base = baseText === undefined ? undefined : Number(baseText);
    if (base !== undefined && !(Number.isInteger(base) && base >= 0)) throw new UsageError(`publish: --base-version must be a whole number >= 0, got '${baseText}'`);
    const url = storeUrl('publish', args, io);
    let checked: CheckedFiles;
    try {
      checked = checkFilesForPublish(args.positionals, io.cwd);
    } catch (e) {
      if (e instanceof PublishInputError) throw new UsageError(`publish: ${e.message}`);
      throw e;
    }
    const { candidates, inputErrors } = checked;
    if (base !== undefined && candidates.length > 1) throw new UsageError('publish: --base-version applies to one rule; publish the rules one at a time');
    if (inputErrors.length > 0) {
      for (const e of inputErrors) io.stderr(`lua-rules publish: ${displayText(e)}\n`);
      io.stderr(`lua-rules publish: nothing published (${inputErrors.length} problem${inputErrors.length === 1 ? '' : 's'} with the input)\n`);
      return EXIT.usage;
    }
    const refused = candidates.filter((c) => !c.verdict.ok);
    if (refused.length > 0) {
      for (const c of refused) for (const line of describeRefused(c)) io.stderr(`${line}\n`);
      io.stderr(`lua-rules publish: nothing published: ${refused.length} of ${candidates.length} rule${candidates.length === 1 ? '' : 's'} failed the checks or fixtures\n`);
      return EXIT.failures;
    }
    return withStore('publish', url, io, async (store) => {
      const json = booleanFlag(args, 'json');
      const author = await writeAuthor('publish', store, args, io);
      // Issue 13: the impact of each rule before it is written, kept in its evidence.
      const impacts = booleanFlag(args, 'impact') ? await impactSummaries(store, candidates, (line) => (json ? undefined : io.stdout(`${displayText(line)}\n`))) : undefined;
      const { outcomes: results, conflicts } = await publishChecked(store, candidates, { author, ...(message !== undefined ? { message } : {}), ...(base !== undefined ? { baseVersion: base } : {}), ...(impacts ? { impacts } : {}) }, {
        published: (out) => {
          if (!json) io.stdout(`${describePublished(out)}\n`);
        },
        conflict: (text) => io.stderr(`lua-rules publish: ${displayText(text)}\n`),
      });
      if (json) {
        io.stdout(safeJson(results.map((r) => ({ rule: r.rule, version: r.version.number, state: r.version.state, created: r.created, approvalsMissing: r.approvalsMissing })), 2) + '\n');
      } else {
        // Issue 14: a version of a disabled rule is stored (and may be live) but not served.
        const disabled = new Set(await store.disabledRules());
        for (const r of results) if (r.created && disabled.has(r.rule)) io.stdout(`note: ${displayText(r.rule)} is disabled: no engine serves it until 'lua-rules enable ${displayText(r.rule)}'\n`);
      }
      return conflicts.length > 0 ? EXIT.failures : EXIT.ok;
    });
  },
};
