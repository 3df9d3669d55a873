import type { RuleDefinition } from '../../core/src/model/rule';
import type { ReplayInput, ReplayOptions } from '../../core/src/impact/replay';
import { replayDecisions } from '../../core/src/impact/replay';
import type { ImpactReport } from '../../core/src/impact/impact-report';
import { StoreError } from './errors';
import type { DecisionLog, DecisionRecord, RuleStore } from './types';

/**
 * What an impact analysis replays, read from the store (issue 13, docs/impact.md): the
 * rule's live version and its captured decisions; for a rule with no live version,
 * its category's captured decisions, one per request. The replay itself is core's
 * (core/src/impact/replay.ts); the CLI and the language server both start here.
 */

/** The draft cannot be analysed as given (no category to take contexts from): bad input. */
export class ImpactInputError extends StoreError {
  override name = 'ImpactInputError';
}

export interface ReplayWindow {
  /** ISO date-time: only decisions made at or after it. */
  since?: string;
  /** At most this many captured decisions (newest first). */
  limit?: number;
}

/**
 * Reads the live version and the captured contexts for `draft`. Only decisions that
 * kept their context are read (`captured`), so `limit` counts replayable ones.
 */
export async function replayInputFor(store: RuleStore & DecisionLog, draft: RuleDefinition, window: ReplayWindow = {}): Promise<ReplayInput & { decisions: DecisionRecord[] }> {
  const [live] = await store.liveRules([draft.name]);
  const narrowed = { ...(window.since !== undefined ? { since: window.since } : {}), ...(window.limit !== undefined ? { limit: window.limit } : {}) };
  const reported = { since: window.since ?? null, limit: window.limit ?? null };
  if (live) {
    const decisions = await store.decisions({ rule: draft.name, captured: true, ...narrowed });
    return { draft, live: { definition: live.definition, version: live.version }, decisions, source: { kind: 'rule', rule: draft.name }, window: reported };
  }
  const category = draft.category ?? (await store.getRule(draft.name))?.category;
  if (category === undefined || category.trim() === '') {
    throw new ImpactInputError(`${draft.name} has no live version and no ---@category, so there are no captured contexts to replay it on; add ---@category`);
  }
  const records = await store.decisions({ category, captured: true, ...narrowed });
  return { draft, live: null, decisions: onePerRequest(records), source: { kind: 'category', category }, window: reported };
}

/**
 * The whole analysis in one call (the CLI's `impact` and `publish --impact`, the
 * language server): read, then replay. The replay's own errors (ReplayError: the
 * draft or the live version does not load) and ImpactInputError pass through.
 */
export async function impactOf(store: RuleStore & DecisionLog, draft: RuleDefinition, window: ReplayWindow = {}, options: ReplayOptions = {}): Promise<ImpactReport> {
  const input = await replayInputFor(store, draft, window);
  return replayDecisions(input, { total: input.decisions.length, ...options });
}

/**
 * A category request runs every rule of the category and logs one decision per rule,
 * all with the request's correlation id and context: the context counts once.
 * Records without a correlation id cannot be told apart and are all kept.
 */
function onePerRequest(records: DecisionRecord[]): DecisionRecord[] {
  const seen = new Set<string>();
  const out: DecisionRecord[] = [];
  for (const record of records) {
    if (record.correlationId !== null) {
      if (seen.has(record.correlationId)) continue;
      seen.add(record.correlationId);
    }
    out.push(record);
  }
  return out;
}
