import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import type { ShadowDisagreement, ShadowRecord, Store } from '../../../store/src';
import { ShadowError } from '../../../store/src';
import { AUTHOR_HELP, STORE_FLAGS, STORE_HELP, stateLabel, storeUrl, withStore, writeAuthor } from './store-common';
import { displayText, quotedText, safeJson } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules shadow <rule> --store URL [--json] [--limit N]
       lua-rules shadow <rule> --promote --store URL [--author NAME] [--message TEXT]
       lua-rules shadow <rule> --stop --store URL [--author NAME]

A shadow is a version that running engines evaluate beside the rule's live version
on the requests they serve, without serving its answers ('lua-rules publish
<file> --shadow' starts one). This command reports the rule's shadow: which it is,
the evaluations compared, the agreement rate, and the disagreements (the live and
the shadow answer, newest first, with their contexts). A disagreement is a
different decision, or one side failing where the other did not.

  --promote           make the shadow live: its checks and the fixtures it was
                      published with run again (the publish gate), then it is
                      written as a new version (pending on a rule with consensus)
                      and the shadow ends
  --stop              end the shadow; engines stop evaluating it

Options:
  --limit N           disagreements to show (default 10; 0 for none)
${AUTHOR_HELP}
  --message TEXT      the promoted version's message (default: "promoted from shadow N")
${STORE_HELP}
  --json              print one JSON object: {"rule", "shadow", "state", "against",
                      "liveVersion", "compared", "agreed", "disagreed", "agreementRate",
                      "disagreements": [...]} (with --promote: {"rule", "version",
                      "state", "approvalsMissing", "shadow"}; with --stop: the report)

Exit codes: 0 fine; 1 the gate refused the promotion, or the store could not be
reached; 2 bad usage, a bad URL, an unknown rule, or a rule with no shadow (running,
for --promote and --stop).`;

function rate(s: ShadowRecord): number | null {
  return s.compared === 0 ? null : s.agreed / s.compared;
}

function stateOf(s: ShadowRecord): string {
  return s.endReason ?? 'running';
}

function answerText(a: { decision: string; confidence: number; errorCode: string | null }): string {
  return `${a.decision} ${a.confidence}${a.errorCode !== null ? ` (${displayText(a.errorCode)})` : ''}`;
}

function disagreementJson(d: ShadowDisagreement): Record<string, unknown> {
  return {
    at: d.at,
    liveVersion: d.liveVersion,
    live: { decision: d.live.decision, confidence: d.live.confidence, error: d.live.errorCode },
    shadow: { decision: d.shadowAnswer.decision, confidence: d.shadowAnswer.confidence, error: d.shadowAnswer.errorCode },
    context: d.context,
    correlationId: d.correlationId,
    engine: d.engineId,
  };
}

function reportJson(s: ShadowRecord, liveVersion: number | null, disagreements: ShadowDisagreement[]): Record<string, unknown> {
  return {
    rule: s.rule,
    shadow: s.number,
    state: stateOf(s),
    against: s.liveVersion,
    liveVersion,
    author: s.author,
    message: s.message,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    endedBy: s.endedBy,
    promotedTo: s.promotedTo,
    checksum: s.checksum,
    compared: s.compared,
    agreed: s.agreed,
    disagreed: s.compared - s.agreed,
    agreementRate: rate(s),
    disagreements: disagreements.map(disagreementJson),
  };
}

function reportText(s: ShadowRecord, liveVersion: number | null, disagreements: ShadowDisagreement[], limit: number): string {
  const lines: string[] = [];
  const ended = s.endedAt === null ? 'running' : `${s.endReason ?? 'ended'} ${s.endedAt.replace('T', ' ').slice(0, 19)} by ${displayText(s.endedBy ?? '?')}${s.promotedTo !== null ? ` (became version ${s.promotedTo})` : ''}`;
  lines.push(`${displayText(s.rule)}: shadow ${s.number}, ${ended}`);
  lines.push(`  started ${s.startedAt.replace('T', ' ').slice(0, 19)} by ${displayText(s.author)}${s.message ? ` ${quotedText(s.message)}` : ''}, against live version ${s.liveVersion ?? '-'} (live now: ${liveVersion ?? 'none'})  sha256:${s.checksum.slice(0, 12)}`);
  const r = rate(s);
  lines.push(`  compared ${s.compared} evaluation${s.compared === 1 ? '' : 's'}: ${s.agreed} agreed, ${s.compared - s.agreed} disagreed${r === null ? '' : ` (agreement ${(r * 100).toFixed(1)} %)`}`);
  if (limit > 0 && disagreements.length > 0) {
    lines.push(`  disagreements, newest first${disagreements.length < s.compared - s.agreed ? ` (${disagreements.length} of ${s.compared - s.agreed})` : ''}:`);
    for (const d of disagreements) {
      lines.push(`    ${d.at.replace('T', ' ').slice(0, 23)}  live v${d.liveVersion} ${answerText(d.live)}  →  shadow ${answerText(d.shadowAnswer)}${d.correlationId ? `  correlation ${displayText(d.correlationId)}` : ''}`);
      lines.push(`      context ${d.context === null ? '(not captured)' : displayText(JSON.stringify(d.context))}`);
    }
  }
  return lines.join('\n') + '\n';
}

async function report(store: Store, rule: string, limit: number, json: boolean, out: (text: string) => void, wanted?: ShadowRecord): Promise<number> {
  const all = await store.shadows(rule);
  const shadow = wanted ?? all[0];
  if (shadow === undefined) throw new ShadowError(`rule "${rule}" has no shadow; start one with 'lua-rules publish <file> --shadow'`);
  const liveVersion = (await store.getRule(rule))?.liveVersion ?? null;
  const disagreements = limit > 0 ? await store.shadowDisagreements(rule, shadow.number, limit) : [];
  out(json ? safeJson(reportJson(shadow, liveVersion, disagreements), 2) + '\n' : reportText(shadow, liveVersion, disagreements, limit));
  return EXIT.ok;
}

export const shadowCommand: Command = {
  name: 'shadow',
  summary: "report a rule's shadow run (agreement, disagreements); promote or stop it",
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('shadow', argv, {
      ...STORE_FLAGS,
      json: { type: 'boolean' },
      limit: { type: 'string' },
      promote: { type: 'boolean' },
      stop: { type: 'boolean' },
      author: { type: 'string' },
      message: { type: 'string' },
    });
    const [rule, extra] = args.positionals;
    if (rule === undefined) throw new UsageError('shadow: which rule? usage: lua-rules shadow <rule> --store URL [--promote | --stop]');
    if (extra !== undefined) throw new UsageError(`shadow: one rule at a time (got '${extra}' too)`);
    const promote = booleanFlag(args, 'promote');
    const stop = booleanFlag(args, 'stop');
    if (promote && stop) throw new UsageError('shadow: --promote or --stop, not both');
    const limit = numberFlag('shadow', args, 'limit', { min: 0, max: 10_000, integer: true });
    if (limit !== undefined && (promote || stop)) throw new UsageError('shadow: --limit applies to the report, not to --promote or --stop');
    const message = stringFlag(args, 'message');
    if (message !== undefined && !promote) throw new UsageError('shadow: --message applies to --promote');
    const json = booleanFlag(args, 'json');
    const url = storeUrl('shadow', args, io);
    if (!promote && !stop) return withStore('shadow', url, io, (store) => report(store, rule, limit ?? 10, json, io.stdout), 'read');
    if (stop) {
      return withStore('shadow', url, io, async (store) => {
        const stopped = await store.stopShadow(rule, await writeAuthor('shadow', store, args, io));
        if (json) return report(store, rule, 0, true, io.stdout, stopped);
        io.stdout(`stopped shadow ${stopped.number} of ${displayText(rule)}: ${stopped.compared} compared, ${stopped.agreed} agreed\n`);
        return EXIT.ok;
      });
    }
    return withStore('shadow', url, io, async (store) => {
      const { promoteShadow } = await import('../../../service/src/shadow-files.js');
      const { describeRefused } = await import('../../../service/src/publish-files.js');
      const author = await writeAuthor('shadow', store, args, io);
      const result = await promoteShadow(store, rule, { author, ...(message !== undefined ? { message } : {}) });
      if (!result.ok) {
        for (const e of result.inputErrors) io.stderr(`lua-rules shadow: ${displayText(e)}\n`);
        if (result.refused !== undefined) for (const line of describeRefused(result.refused)) io.stderr(`${line}\n`);
        io.stderr(`lua-rules shadow: ${displayText(rule)} not promoted: the shadow no longer passes the publish gate; it keeps running\n`);
        return EXIT.failures;
      }
      const { outcome } = result;
      if (json) {
        io.stdout(safeJson({ rule, version: outcome.version.number, state: outcome.version.state, created: outcome.created, approvalsMissing: outcome.approvalsMissing, shadow: outcome.shadow.number }, 2) + '\n');
      } else {
        io.stdout(`promoted shadow ${outcome.shadow.number} of ${displayText(rule)} (${outcome.shadow.compared} compared, ${outcome.shadow.agreed} agreed): version ${outcome.version.number} (${stateLabel(outcome.version.state, outcome.approvalsMissing)}); the shadow has ended\n`);
      }
      return EXIT.ok;
    });
  },
};
