import { resolve } from 'node:path';
import type { Command, CommandIO } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import { sinceFlag } from '../duration';
import { STORE_FLAGS, STORE_HELP, storeUrl, withStore } from './store-common';
import { displayText, safeJson } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules impact <draft-file> --store URL [--since 7d] [--limit N] [--json]
                        [--max-changed FRACTION] [--examples N]

Replays the captured contexts of a rule's decisions (serve's decision log) through
the draft (*.lua or *.rule.json) and through the rule's live version, with the same
engine and limits as serve, and reports: contexts replayed, decisions changed (the
live version's answer now against the draft's: a different decision, or a failure
that starts or stops; failures count as the decision "error"), the transition
table live → draft, the confidence shift, how often the live version no longer
reproduces the logged answer, and the first examples of each changed transition
with their contexts. A rule with no live version is replayed on its category's
captured contexts (every decision is then new). The store is opened read-only.

Options:
${STORE_HELP}
  --since WHEN        decisions made since WHEN: a duration back from now (30m, 12h,
                      7d, 2w) or an ISO date-time (default 7d)
  --limit N           at most the newest N captured decisions (default 100000)
  --examples N        examples kept per changed transition (default 3)
  --max-changed F     exit 1 when more than this fraction (0..1) of the replayed
                      decisions changed, e.g. 0.05
  --json              print {"rule", "liveVersion", "replayed", "changed",
                      "transitions": {"live->draft": n}, "examples": [...], ...}
  Progress goes to stderr when it is a terminal (also with --json).

Exit codes: 0 fine; 1 more changed than --max-changed, the store could not be
reached, or the stored live version does not load; 2 bad usage, a missing or invalid draft, a draft that does not compile, or
a rule with no live version and no ---@category.`;

const DEFAULT_LIMIT = 100_000;

/**
 * Bad input found once the store is open: the same line main() prints for a
 * UsageError, written here because withStore() reports what it catches itself.
 */
function badInput(io: CommandIO, message: string): number {
  io.stderr(`lua-rules: impact: ${displayText(message)}\n`);
  return EXIT.usage;
}

export const impactCommand: Command = {
  name: 'impact',
  summary: 'replay captured decisions through a draft and the live version: what would change',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('impact', argv, { ...STORE_FLAGS, since: { type: 'string' }, limit: { type: 'string' }, examples: { type: 'string' }, 'max-changed': { type: 'string' }, json: { type: 'boolean' } });
    const [file, extra] = args.positionals;
    if (file === undefined) throw new UsageError('impact: which draft? usage: lua-rules impact <draft-file> --store URL');
    if (extra !== undefined) throw new UsageError(`impact: one draft at a time (got '${extra}' too)`);
    const since = sinceFlag('impact', stringFlag(args, 'since') ?? '7d');
    const limit = numberFlag('impact', args, 'limit', { min: 1, max: 10_000_000, integer: true }) ?? DEFAULT_LIMIT;
    const examples = numberFlag('impact', args, 'examples', { min: 0, max: 1000, integer: true }) ?? 3;
    const maxChanged = numberFlag('impact', args, 'max-changed', { min: 0, max: 1 });
    const json = booleanFlag(args, 'json');
    const url = storeUrl('impact', args, io);
    // Heavy modules only now: `lua-rules --help` does not load the engine.
    const { loadRuleFile } = await import('../../../core/src/rules-folder/rule-file.js');
    const loaded = loadRuleFile(resolve(io.cwd, file));
    if (!loaded.ok) throw new UsageError(`impact: ${file}: ${loaded.errors.join('; ')}`);
    const { replayDecisions, ReplayError } = await import('../../../core/src/impact/replay.js');
    const { formatImpactText, impactHeadline } = await import('../../../core/src/impact/format-impact.js');
    const { replayInputFor, ImpactInputError, InvalidQueryError } = await import('../../../store/src/index.js');
    return withStore(
      'impact',
      url,
      io,
      async (store) => {
        // stderr is a terminal: progress there, also with --json (which goes to stdout).
        const onTerminal = io.isTTY;
        if (onTerminal) io.stderr('reading captured decisions…');
        let input;
        try {
          input = await replayInputFor(store, loaded.definition, { ...(since !== undefined ? { since } : {}), limit });
        } catch (e) {
          if (onTerminal) io.stderr('\r\u001b[K');
          if (e instanceof ImpactInputError || e instanceof InvalidQueryError) return badInput(io, e.message);
          throw e;
        }
        const progress = onTerminal ? (p: { done: number; total: number | null }) => io.stderr(`\r\u001b[Kreplaying ${p.done.toLocaleString('en-US')}${p.total !== null ? ` / ${p.total.toLocaleString('en-US')}` : ''}…`) : undefined;
        let report;
        try {
          report = await replayDecisions(input, { examplesPerTransition: examples, total: input.decisions.length, progressEvery: 2000, ...(progress ? { onProgress: progress } : {}) });
        } catch (e) {
          if (e instanceof ReplayError && e.side === 'draft') return badInput(io, e.message);
          // The stored live version does not load here (a newer lua-rules wrote it?): a failure, not bad input.
          if (e instanceof ReplayError) {
            io.stderr(`lua-rules impact: ${displayText(e.message)}\n`);
            return EXIT.failures;
          }
          throw e;
        } finally {
          if (progress) io.stderr('\r\u001b[K');
        }
        const { rule, liveVersion, replayed, changed, transitions, examples: kept, ...rest } = report;
        if (json) io.stdout(safeJson({ rule, liveVersion, replayed, changed, transitions, examples: kept, ...rest }, 2) + '\n');
        else io.stdout(formatImpactText(report));
        if (maxChanged !== undefined && report.changedFraction > maxChanged) {
          io.stderr(`lua-rules impact: ${displayText(impactHeadline(report))}: more than --max-changed ${maxChanged}\n`);
          return EXIT.failures;
        }
        return EXIT.ok;
      },
      'read',
    );
  },
};
