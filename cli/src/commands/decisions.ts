import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import { sinceFlag } from '../duration';
import { UnknownRuleError, decisionJson, type DecisionQuery, type DecisionRecord } from '../../../store/src';
import { STORE_FLAGS, STORE_HELP, storeUrl, withStore } from './store-common';
import { displayText, safeJson } from '../../../core/src/util/display-text';

const DEFAULT_LIMIT = 50;

const HELP = `Usage: lua-rules decisions --store URL [--rule NAME] [--category C] [--since 1h] [--limit N] [--json]

The decision log: what the engines decided, newest first. Each record names the
rule, its version, the decision and confidence, the error code of a failed
evaluation, the request's correlation id and the engine; and, when the engine
captured it (serve --capture-contexts, on by default), the context it decided on,
with serve's --mask fields already removed.

Options:
${STORE_HELP}
  --rule NAME         only this rule's decisions
  --category C        only decisions of rules of this category
  --since WHEN        only decisions made since: a duration back from now (30m, 1h,
                      7d) or an ISO date-time (2026-11-30T12:00:00Z)
  --limit N           at most N records (default ${DEFAULT_LIMIT})
  --json              one JSON object per line: at, rule, version, category, decision,
                      confidence, errorCode, durationMs, correlationId, engine and,
                      when captured, context (the fields of serve's JSON-lines sink)

The store is opened for reading only. Exit codes: 0 fine (also when nothing
matches); 1 the store could not be reached; 2 bad usage, a bad URL or an unknown rule.`;

export const decisionsCommand: Command = {
  name: 'decisions',
  summary: 'list the decision log, newest first (with captured contexts)',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('decisions', argv, {
      ...STORE_FLAGS,
      rule: { type: 'string' },
      category: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (args.positionals.length > 0) throw new UsageError(`decisions: unexpected argument '${args.positionals[0]}' (a rule is --rule NAME)`);
    const rule = nonEmpty(args, 'rule');
    const category = nonEmpty(args, 'category');
    const since = sinceFlag('decisions', stringFlag(args, 'since'));
    const limit = numberFlag('decisions', args, 'limit', { min: 1, max: 1_000_000_000, integer: true }) ?? DEFAULT_LIMIT;
    const json = booleanFlag(args, 'json');
    const url = storeUrl('decisions', args, io);
    const query: DecisionQuery = { limit, withContext: true, ...(rule !== undefined ? { rule } : {}), ...(category !== undefined ? { category } : {}), ...(since !== undefined ? { since } : {}) };
    return withStore(
      'decisions',
      url,
      io,
      async (store) => {
        // A misspelt rule name is an error, not an empty log (rules are never deleted).
        if (rule !== undefined && (await store.getRule(rule)) === undefined) throw new UnknownRuleError(rule);
        const records = await store.decisions(query);
        if (json) {
          // Written as they are formatted: a large --limit streams instead of building one string.
          for (const d of records) io.stdout(safeJson(decisionJson(d)) + '\n');
          return EXIT.ok;
        }
        io.stdout(table(records, store.display));
        return EXIT.ok;
      },
      'read',
    );
  },
};

function nonEmpty(args: ReturnType<typeof parseCommandArgs>, name: string): string | undefined {
  const value = stringFlag(args, name);
  if (value !== undefined && value.trim() === '') throw new UsageError(`decisions: --${name} needs a name`);
  return value?.trim();
}

const CONTEXT_WIDTH = 60;

/** The text table: one line per decision, the context shortened to one line. */
function table(records: DecisionRecord[], display: string): string {
  if (records.length === 0) return `no decisions match (${displayText(display)})\n`;
  const rows = records.map((d) => [
    d.at.replace('T', ' ').replace('Z', ''),
    displayText(d.rule),
    `v${d.version}`,
    d.decision,
    d.confidence.toFixed(2),
    d.errorCode ?? '-',
    displayText(d.correlationId ?? '-'),
    displayText(d.engineId ?? '-'),
    d.context === undefined ? '-' : shorten(safeJson(d.context), CONTEXT_WIDTH),
  ]);
  const header = ['at (UTC)', 'rule', 'version', 'decision', 'conf', 'error', 'correlation id', 'engine', 'context'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const format = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)].join('\n') + '\n';
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
