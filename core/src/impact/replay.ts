import { performance } from 'node:perf_hooks';
import type { ExecutorLimits } from '../executor/limits';
import { LuaExecutor } from '../executor/lua-executor';
import type { RuleDefinition } from '../model/rule';
import { RuleEngine } from '../engine/rule-engine';
import type { EngineResult } from '../engine/rule-engine';
import type { ConfidenceShift, ImpactExample, ImpactReport, ReplayAnswer, ReplayLabel } from './impact-report';
import { REPLAY_LABELS } from './impact-report';

/**
 * Impact analysis: captured decisions replayed through a draft and through the live
 * version, with the engine `serve` runs (same executor, same limits, same context
 * checks), so "what the draft would have answered" means what an engine would answer.
 * No store, no CLI: callers hand in the definitions and the decisions (docs/impact.md).
 */

/** One decision from the log, as replay needs it (the store's DecisionRecord fits). */
export interface CapturedDecision {
  /** The captured context; undefined or null when none was captured (skipped, counted). */
  context?: unknown;
  /** What the logged version answered then. */
  decision: string;
  confidence: number;
  errorCode: string | null;
  version: number;
  at?: string | null;
  correlationId?: string | null;
}

export interface ReplayInput {
  draft: RuleDefinition;
  /** The live version now; null for a rule that has none yet. */
  live: { definition: RuleDefinition; version: number } | null;
  /** Newest first, as the log answers; read once. */
  decisions: Iterable<CapturedDecision> | AsyncIterable<CapturedDecision>;
  /** Where they came from (reported as is). */
  source: ImpactReport['source'];
  window?: ImpactReport['window'];
}

export interface ReplayProgress {
  /** Decisions read so far, and how many there are when the caller knows (else null). */
  done: number;
  total: number | null;
}

export interface ReplayOptions {
  /** Executor limits; default: the executor's, which `serve` uses (its `--instructions` overrides one). */
  limits?: Partial<ExecutorLimits>;
  /** Examples kept per changed transition (default 3). */
  examplesPerTransition?: number;
  /** Examples kept of contexts the live version does not reproduce (default 3). */
  notReproducedExamples?: number;
  /** Called every `progressEvery` decisions (default 1000) and once at the end. */
  onProgress?: (progress: ReplayProgress) => void;
  progressEvery?: number;
  /** The total for progress when the caller knows it (e.g. an array's length). */
  total?: number;
  /**
   * Give the event loop a turn once this many milliseconds have passed since the last
   * (default 50; 0: never), so a language server stays responsive and hears a
   * cancellation. By time, not count: a draft that runs to its limits on every context
   * takes tens of milliseconds per decision.
   */
  yieldEveryMs?: number;
  /** Stops the replay (it then rejects with ReplayCancelledError); checked before each decision. */
  signal?: AbortSignal;
}

/** The replay was stopped through its signal (the editor's Cancel). */
export class ReplayCancelledError extends Error {
  override name = 'ReplayCancelledError';
}

/** Thrown when a definition cannot be loaded into an engine (it does not compile). */
export class ReplayError extends Error {
  override name = 'ReplayError';
  constructor(
    message: string,
    /** Which side failed: the draft (bad input) or the stored live version (the store's problem). */
    readonly side: 'draft' | 'live',
  ) {
    super(message);
  }
}

const LABEL_INDEX: Record<ReplayLabel, number> = { autonomous: 0, collaborative: 1, escalated: 2, error: 3, none: 4 };
const LABEL_COUNT = REPLAY_LABELS.length;
/** Upper bounds of the confidence-change buckets (last one open); |Δ| < 0.01 counts as unchanged. */
const SHIFT_BUCKETS = ['< -0.5', '-0.5..-0.1', '-0.1..-0.01', 'unchanged', '0.01..0.1', '0.1..0.5', '> 0.5'] as const;

function shiftBucket(delta: number): number {
  if (delta < -0.5) return 0;
  if (delta <= -0.1) return 1;
  if (delta <= -0.01) return 2;
  if (delta < 0.01) return 3;
  if (delta < 0.1) return 4;
  if (delta <= 0.5) return 5;
  return 6;
}

function resultLabel(result: EngineResult): number {
  return result.error !== null ? 3 : LABEL_INDEX[result.decision];
}

function loggedLabel(record: CapturedDecision): ReplayLabel {
  if (record.errorCode !== null) return 'error';
  return record.decision === 'autonomous' || record.decision === 'collaborative' || record.decision === 'escalated' ? record.decision : 'error';
}

function answer(result: EngineResult | null): ReplayAnswer {
  if (result === null) return { label: 'none', confidence: 0, reasoning: '', error: null };
  return { label: REPLAY_LABELS[resultLabel(result)] as ReplayLabel, confidence: result.confidence, reasoning: result.reasoning, error: result.error ? { code: result.error.code, message: result.error.message } : null };
}

/**
 * One engine holding one rule, with no cache (a replay must run every context: a
 * cached answer would hide a rule that is not deterministic) and no breaker (a run of
 * failures is what the analysis must count, not short-circuit). The two engines of a
 * replay share one executor: one Lua state, as in `serve`.
 */
function engineFor(executor: LuaExecutor, definition: RuleDefinition, version: number, what: string): RuleEngine {
  const engine = new RuleEngine({ executor, cache: { minConfidence: 2, maxEntries: 0 } });
  const report = engine.applyChange({ upserted: [{ definition, version, checksum: `${what}:${version}` }], removed: [] });
  const refused = report.refused[0];
  if (refused) throw new ReplayError(`the ${what} of ${definition.name} does not load: ${refused.error.message}`, what === 'draft' ? 'draft' : 'live');
  return engine;
}

function isAsync<T>(source: Iterable<T> | AsyncIterable<T>): source is AsyncIterable<T> {
  return typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/**
 * Replays every captured decision through the draft and the live version and counts
 * what changed. Per decision it allocates only what the engine does (its two
 * results): counts live in typed arrays indexed by label, examples are built only
 * for the first few of each transition.
 */
export async function replayDecisions(input: ReplayInput, options: ReplayOptions = {}): Promise<ImpactReport> {
  const started = performance.now();
  const executor = new LuaExecutor(options.limits);
  const name = input.draft.name;
  const draftEngine = engineFor(executor, input.draft, 0, 'draft');
  const liveEngine = input.live ? engineFor(executor, input.live.definition, input.live.version, 'live version') : null;
  const liveVersion = input.live?.version ?? null;
  const perTransition = options.examplesPerTransition ?? 3;
  const maxNotReproduced = options.notReproducedExamples ?? 3;
  const progressEvery = Math.max(1, options.progressEvery ?? 1000);
  const yieldEveryMs = options.yieldEveryMs ?? 50;
  const signal = options.signal;
  let lastYield = performance.now();
  const total = options.total ?? (Array.isArray(input.decisions) ? input.decisions.length : null);

  const transitions = new Uint32Array(LABEL_COUNT * LABEL_COUNT);
  const exampleCounts = new Uint32Array(LABEL_COUNT * LABEL_COUNT);
  const shifts = new Uint32Array(SHIFT_BUCKETS.length);
  const examples: ImpactExample[] = [];
  const notReproducedExamples: ImpactExample[] = [];
  let read = 0;
  let skipped = 0;
  let replayed = 0;
  let changed = 0;
  let notReproduced = 0;
  let loggedByLive = 0;
  let sumLive = 0;
  let sumDraft = 0;

  const one = (record: CapturedDecision): void => {
    read++;
    const context = record.context;
    if (context === undefined || context === null) {
      skipped++;
      return;
    }
    replayed++;
    const draft = draftEngine.evaluateRule(name, context);
    const live = liveEngine === null ? null : liveEngine.evaluateRule(name, context);
    const draftLabel = resultLabel(draft);
    const liveLabel = live === null ? LABEL_INDEX.none : resultLabel(live);
    const cell = liveLabel * LABEL_COUNT + draftLabel;
    transitions[cell]!++;
    sumDraft += draft.confidence;
    if (live !== null) {
      sumLive += live.confidence;
      shifts[shiftBucket(draft.confidence - live.confidence)]!++;
      if (record.version === liveVersion) loggedByLive++;
    }
    const isChange = liveLabel !== draftLabel;
    if (isChange) {
      changed++;
      if (exampleCounts[cell]! < perTransition) {
        exampleCounts[cell]!++;
        examples.push(example(record, live, draft));
      }
    }
    if (live !== null && REPLAY_LABELS[liveLabel] !== loggedLabel(record)) {
      notReproduced++;
      if (notReproducedExamples.length < maxNotReproduced) notReproducedExamples.push(example(record, live, draft));
    }
  };

  /** Between decisions: progress, a turn of the event loop when due, the signal. Awaits only when it yields. */
  const due = (): boolean => (options.onProgress !== undefined && read % progressEvery === 0) || (yieldEveryMs > 0 && performance.now() - lastYield >= yieldEveryMs);
  const tick = async (): Promise<void> => {
    if (options.onProgress && read % progressEvery === 0) options.onProgress({ done: read, total });
    if (yieldEveryMs > 0 && performance.now() - lastYield >= yieldEveryMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  };
  const stopIfAsked = (): void => {
    if (signal?.aborted) throw new ReplayCancelledError(`replay of ${name} cancelled after ${read.toLocaleString('en-US')} decisions`);
  };

  if (isAsync(input.decisions)) {
    for await (const record of input.decisions) {
      stopIfAsked();
      one(record);
      if (due()) await tick();
    }
  } else {
    for (const record of input.decisions) {
      stopIfAsked();
      one(record);
      // Only when something is due does the loop await: in between it stays synchronous.
      if (due()) await tick();
    }
  }
  options.onProgress?.({ done: read, total });

  const transitionTable: Record<string, number> = {};
  for (let from = 0; from < LABEL_COUNT; from++) {
    for (let to = 0; to < LABEL_COUNT; to++) {
      const count = transitions[from * LABEL_COUNT + to]!;
      if (count > 0) transitionTable[`${REPLAY_LABELS[from]}->${REPLAY_LABELS[to]}`] = count;
    }
  }
  const distribution: Record<string, number> = {};
  if (liveEngine !== null) SHIFT_BUCKETS.forEach((bucket, i) => (distribution[bucket] = shifts[i]!));
  const confidence: ConfidenceShift = {
    meanLive: liveEngine !== null && replayed > 0 ? round(sumLive / replayed) : null,
    meanDraft: replayed > 0 ? round(sumDraft / replayed) : null,
    mean: liveEngine !== null && replayed > 0 ? round((sumDraft - sumLive) / replayed) : null,
    distribution,
  };
  return {
    rule: name,
    liveVersion,
    source: input.source,
    read,
    skipped,
    replayed,
    changed,
    changedFraction: replayed === 0 ? 0 : changed / replayed,
    transitions: transitionTable,
    notReproduced,
    loggedByLive,
    confidence,
    window: input.window ?? { since: null, limit: null },
    durationMs: Math.round(performance.now() - started),
    examples,
    notReproducedExamples,
  };
}

function example(record: CapturedDecision, live: EngineResult | null, draft: EngineResult): ImpactExample {
  const liveAnswer = answer(live);
  const draftAnswer = answer(draft);
  return {
    transition: `${liveAnswer.label}->${draftAnswer.label}`,
    at: record.at ?? null,
    correlationId: record.correlationId ?? null,
    logged: { version: record.version, label: loggedLabel(record), confidence: record.confidence },
    context: record.context,
    live: liveAnswer,
    draft: draftAnswer,
  };
}

/** Means to 4 decimals: the figures are for reading, and 0.1 + 0.2 should not print as 0.30000000000000004. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
