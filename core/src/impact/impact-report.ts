/**
 * What an impact analysis reports (docs/impact.md): the shape `lua-rules impact --json`
 * prints, the editor's impact view shows and a published version keeps in its evidence
 * (`VersionEvidence.impact`). Plain JSON, no class, so it survives the store and the
 * language server protocol unchanged.
 */

/**
 * What one evaluation answered, as the analysis counts it: the decision, or `error`
 * when the rule failed (whatever fallback decision the failure carries), or `none` on
 * the live side of a rule that has no live version yet.
 */
export type ReplayLabel = 'autonomous' | 'collaborative' | 'escalated' | 'error' | 'none';

export const REPLAY_LABELS: readonly ReplayLabel[] = ['autonomous', 'collaborative', 'escalated', 'error', 'none'];

/** One side of an example: what a version answered on the context. */
export interface ReplayAnswer {
  label: ReplayLabel;
  confidence: number;
  reasoning: string;
  /** Null when the rule ran and answered within the contract. */
  error: { code: string; message: string } | null;
}

/** One captured decision replayed, with its context, kept as an example of a transition. */
export interface ImpactExample {
  /** `"live->draft"`, e.g. `"autonomous->escalated"`. */
  transition: string;
  /** When the decision was logged (ISO), and its correlation id when it had one. */
  at: string | null;
  correlationId: string | null;
  /** The version that logged it, and what it answered then. */
  logged: { version: number; label: ReplayLabel; confidence: number };
  context: unknown;
  /** The live version now (label `none` when the rule has no live version). */
  live: ReplayAnswer;
  draft: ReplayAnswer;
}

/** Counts of the per-context confidence change (draft minus live), in fixed buckets. */
export interface ConfidenceShift {
  /** Mean confidence of the live version now and of the draft, over the contexts replayed (null when none). */
  meanLive: number | null;
  meanDraft: number | null;
  /** meanDraft − meanLive (null when none replayed or no live version). */
  mean: number | null;
  /** How many contexts moved by how much: `"< -0.5"`, `"-0.5..-0.1"`, `"-0.1..-0.01"`, `"unchanged"` (|Δ| < 0.01), `"0.01..0.1"`, `"0.1..0.5"`, `"> 0.5"`. */
  distribution: Record<string, number>;
}

/**
 * The summary of an impact analysis. `changed`: contexts whose label differs between
 * the live version now and the draft (a decision that moved, or an evaluation that
 * started or stopped failing); two failures with different codes are not a change.
 */
export interface ImpactSummary {
  rule: string;
  /** The live version replayed beside the draft; null when the rule has none (every decision is then new: changed = replayed). */
  liveVersion: number | null;
  /** Where the contexts came from: the rule's own decisions, or its category's (no live version). */
  source: { kind: 'rule'; rule: string } | { kind: 'category'; category: string };
  /** Captured decisions read, and those without a captured context (not replayable). */
  read: number;
  skipped: number;
  replayed: number;
  changed: number;
  /** changed / replayed (0 when nothing was replayed). */
  changedFraction: number;
  /** `"live->draft": count` for every pair seen, unchanged pairs included (they sum to `replayed`). */
  transitions: Record<string, number>;
  /** Contexts where the live version now answers otherwise than the log says it did. */
  notReproduced: number;
  /** Of those replayed, how many the current live version itself logged (the rest came from older versions). */
  loggedByLive: number;
  confidence: ConfidenceShift;
  /** The window read: `since` (ISO) and `limit` as applied. */
  window: { since: string | null; limit: number | null };
  durationMs: number;
}

/** The full report: the summary plus the first examples of each changed transition. */
export interface ImpactReport extends ImpactSummary {
  /** At most `examplesPerTransition` per changed transition, in the order they were read (newest first). */
  examples: ImpactExample[];
  /** The first few contexts where the live version did not reproduce the logged answer. */
  notReproducedExamples: ImpactExample[];
}

/** The summary alone (what evidence keeps: no contexts, which may hold personal data). */
export function summaryOf(report: ImpactReport): ImpactSummary {
  const { examples: _examples, notReproducedExamples: _notReproduced, ...summary } = report;
  return summary;
}

/**
 * A summary from outside (the editor sends back the one it showed): only the fields of
 * a summary, so a report's example contexts, or anything else, never reach the evidence.
 * Undefined when it is not a summary at all.
 */
export function impactSummaryFrom(value: unknown): ImpactSummary | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<ImpactSummary>;
  if (typeof v.rule !== 'string' || typeof v.replayed !== 'number' || typeof v.changed !== 'number' || typeof v.transitions !== 'object' || v.transitions === null) return undefined;
  const numbers = (record: unknown): Record<string, number> => Object.fromEntries(Object.entries(record ?? {}).filter(([, n]) => typeof n === 'number')) as Record<string, number>;
  const source = v.source?.kind === 'category' ? { kind: 'category' as const, category: String(v.source.category) } : { kind: 'rule' as const, rule: String((v.source as { rule?: unknown } | undefined)?.rule ?? v.rule) };
  const orNull = (n: unknown): number | null => (typeof n === 'number' ? n : null);
  const count = (n: unknown): number => (typeof n === 'number' ? n : 0);
  return {
    rule: v.rule,
    liveVersion: orNull(v.liveVersion),
    source,
    read: count(v.read),
    skipped: count(v.skipped),
    replayed: v.replayed,
    changed: v.changed,
    changedFraction: count(v.changedFraction),
    transitions: numbers(v.transitions),
    notReproduced: count(v.notReproduced),
    loggedByLive: count(v.loggedByLive),
    confidence: { meanLive: orNull(v.confidence?.meanLive), meanDraft: orNull(v.confidence?.meanDraft), mean: orNull(v.confidence?.mean), distribution: numbers(v.confidence?.distribution) },
    window: { since: typeof v.window?.since === 'string' ? v.window.since : null, limit: orNull(v.window?.limit) },
    durationMs: count(v.durationMs),
  };
}
