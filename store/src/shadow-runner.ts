import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CategoryResult, EngineResult } from '../../core/src/engine/rule-engine';
import type { ExecutorLimits } from '../../core/src/executor/limits';
import type { ShadowJob, ShadowWorkerMessage, ShadowWorkerReply, ShadowWorkerReport } from './shadow-protocol';
import type { ShadowDisagreement, ShadowRuns } from './types';

export const DEFAULT_SHADOW_QUEUE = 256;
/** Disagreements written per flush at most (the newest); the older ones of a flush are counted, not stored. */
const DISAGREEMENTS_PER_WRITE = 1000;
/**
 * The shadow thread's heap bound: a shadow that gets past the sandbox's memory limit
 * ends the thread (and shadow runs on this engine), never the process.
 */
const SHADOW_HEAP_MB = 512;

export interface ShadowRunnerOptions {
  engineId: string;
  /** The live engine's sandbox limits: shadows run with the same ones. */
  limits?: Partial<ExecutorLimits>;
  /**
   * Jobs sent to the shadow thread and not finished yet; beyond it new ones are dropped
   * and counted (default 256, like serve's --max-pending: each job holds a context of
   * up to --max-body).
   */
  maxQueued?: number;
  /** How often results are written to the store (ms, default 250). */
  flushIntervalMs?: number;
  /**
   * Where results are written (default: the store). An engine with a decision log
   * thread writes them there (StoreDecisionLog.shadowResults): on SQLite a write from
   * the serving thread waits, synchronously, for the log thread's transaction.
   */
  results?: Pick<ShadowRuns, 'recordShadowResults'>;
  /** Disagreements kept in memory while the store is unreachable (default 10,000; then the oldest are dropped). */
  maxBuffered?: number;
  /** Store the context with each disagreement (default true). */
  captureContexts?: boolean;
  /**
   * Applied to a context before it is stored with a disagreement (the decision log's
   * masks, issue 13's `--mask`); default: stored as evaluated.
   */
  maskContext?: (context: unknown) => unknown;
  onError?: (error: Error) => void;
}

/** Per rule, since start: comparisons that agreed and disagreed, jobs dropped under load, and jobs skipped while the shadow was paused (it kept hitting its limits). */
export interface ShadowRuleStats {
  agreed: number;
  disagreed: number;
  dropped: number;
  paused: number;
}

/**
 * Runs the shadow versions of an engine's rules (issue 13, "shadow runs") beside the
 * live ones. The serving thread's whole cost is `offer()`: after a request's answer
 * is computed (and sent), a Map lookup per rule and, for a rule with a shadow, one
 * message to the shadow thread (shadow-worker.ts). The thread evaluates the shadow
 * with the engine's limits and reports counts and disagreements, which are written to
 * the store in batches. Bounded everywhere: at most `maxQueued` jobs in flight (the
 * rest dropped and counted: a slow or looping shadow sheds load, it never queues it),
 * at most `maxBuffered` unwritten disagreements.
 */
export class ShadowRunner {
  /** Rule → running shadow number, as loaded into the shadow thread. */
  private readonly shadows = new Map<string, number>();
  private worker: Worker | undefined;
  private inFlight = 0;
  private readonly stats = new Map<string, ShadowRuleStats>();
  private readonly pendingCounts = new Map<string, { rule: string; shadow: number; compared: number; agreed: number }>();
  private pendingDisagreements: ShadowDisagreement[] = [];
  private writing: Promise<void> | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly waiters = new Map<number, () => void>();
  private token = 0;
  private stopped = false;
  private readonly maxQueued: number;
  private readonly maxBuffered: number;
  /** Disagreements counted but not stored: over the shadow thread's 200 rows a second, more than a flush writes, or the store stayed unreachable. */
  droppedUnwritten = 0;

  constructor(
    private readonly store: ShadowRuns,
    private readonly options: ShadowRunnerOptions,
  ) {
    this.maxQueued = options.maxQueued ?? DEFAULT_SHADOW_QUEUE;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  /** Rules with a running shadow on this engine, and the shadow's number. */
  running(): { rule: string; shadow: number }[] {
    return [...this.shadows].map(([rule, shadow]) => ({ rule, shadow })).sort((a, b) => (a.rule < b.rule ? -1 : 1));
  }

  /** Jobs sent to the shadow thread and not finished. */
  get queued(): number {
    return this.inFlight;
  }

  ruleStats(): Map<string, ShadowRuleStats> {
    return this.stats;
  }

  /**
   * Loads the running shadows of `rules` (all when omitted) from the store into the
   * shadow thread, dropping those that ended. Reloads run one after another, each
   * reading the store's state at its time, so the last one wins.
   */
  reload(rules?: string[]): Promise<void> {
    this.reloading = this.reloading
      .then(() => this.reloadNow(rules))
      .catch((e: unknown) => {
        this.options.onError?.(e as Error);
        // The change that asked for this reload has been handed over already: try again
        // (everything, since more may have changed) rather than miss it until the next one.
        if (!this.stopped) setTimeout(() => void this.reload(), 1000).unref();
      });
    return this.reloading;
  }

  private async reloadNow(rules?: string[]): Promise<void> {
    if (this.stopped) return;
    const running = await this.store.runningShadows(rules);
    const names = new Set(running.map((s) => s.rule));
    const removed = (rules ?? [...this.shadows.keys()]).filter((r) => !names.has(r) && this.shadows.has(r));
    const upserted = running.filter((s) => this.shadows.get(s.rule) !== s.number);
    if (upserted.length === 0 && removed.length === 0) return;
    for (const r of removed) this.shadows.delete(r);
    for (const s of upserted) this.shadows.set(s.rule, s.number);
    if (upserted.length > 0 || this.worker !== undefined) this.post({ type: 'set', upserted, removed });
  }

  /**
   * After an evaluation was answered: a job for each of its rules that has a shadow.
   * Never throws, never waits; a full queue drops the job (counted per rule).
   */
  offer(context: unknown, result: EngineResult | CategoryResult, correlationId: string | null): void {
    if (this.shadows.size === 0 || this.stopped) return;
    if ('results' in result) for (const r of result.results) this.offerOne(context, r, correlationId);
    else this.offerOne(context, result, correlationId);
  }

  private offerOne(context: unknown, result: EngineResult, correlationId: string | null): void {
    const shadow = this.shadows.get(result.rule);
    if (shadow === undefined) return;
    if (this.inFlight >= this.maxQueued) {
      this.statsOf(result.rule).dropped++;
      return;
    }
    const job: ShadowJob = {
      rule: result.rule,
      shadow,
      live: { version: result.version, decision: result.decision, confidence: result.confidence, errorCode: result.error?.code ?? null },
      context,
      correlationId,
      at: Date.now(),
    };
    this.batch.push(job);
    this.inFlight++;
    if (this.batch.length === 1) setImmediate(() => this.postBatch());
  }

  /** Jobs of this event-loop turn, posted together after it (the answers are out by then). */
  private batch: ShadowJob[] = [];

  private postBatch(): void {
    const jobs = this.batch;
    this.batch = [];
    if (jobs.length === 0) return;
    if (this.stopped) {
      this.inFlight = Math.max(0, this.inFlight - jobs.length);
      for (const job of jobs) this.statsOf(job.rule).dropped++;
      return;
    }
    try {
      this.post({ type: 'runs', jobs });
    } catch {
      // A context the structured clone cannot copy (they come from JSON, so never in
      // practice): that batch is not compared, counted as dropped.
      this.inFlight = Math.max(0, this.inFlight - jobs.length);
      for (const job of jobs) this.statsOf(job.rule).dropped++;
    }
  }

  private statsOf(rule: string): ShadowRuleStats {
    let s = this.stats.get(rule);
    if (s === undefined) {
      s = { agreed: 0, disagreed: 0, dropped: 0, paused: 0 };
      this.stats.set(rule, s);
    }
    return s;
  }

  private post(message: ShadowWorkerMessage): void {
    this.startWorker().postMessage(message);
  }

  private startWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    // The sibling file of this one: shadow-worker.js when built. Run from the sources
    // (tests, under tsx) it is .ts, which a worker's own loader does not read even with
    // the parent's --import tsx: the worker then registers tsx's require hook first.
    const file = join(__dirname, `shadow-worker${extname(__filename)}`);
    const workerData = { limits: this.options.limits, reportEveryMs: 50 };
    const resourceLimits = { maxOldGenerationSizeMb: SHADOW_HEAP_MB };
    const worker =
      extname(__filename) === '.ts'
        ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true, workerData, resourceLimits })
        : new Worker(file, { workerData, resourceLimits });
    worker.unref();
    worker.on('message', (reply: ShadowWorkerReply) => this.received(reply));
    worker.on('error', (error) => {
      // The thread died (a bug, or out of memory): shadows stop here, serving goes on.
      this.options.onError?.(new Error(`shadow runs stopped on this engine: ${error.message}`));
      this.worker = undefined;
      this.inFlight = 0;
      this.shadows.clear();
    });
    this.worker = worker;
    return worker;
  }

  private received(reply: ShadowWorkerReply): void {
    if (reply.type === 'reported') {
      this.waiters.get(reply.token)?.();
      this.waiters.delete(reply.token);
      return;
    }
    if (reply.type === 'refused') {
      this.options.onError?.(new Error(`shadow ${reply.shadow} of rule "${reply.rule}" does not compile here and is not run: ${reply.message}`));
      return;
    }
    this.absorb(reply);
  }

  private absorb(report: ShadowWorkerReport): void {
    this.inFlight = Math.max(0, this.inFlight - report.done);
    for (const p of report.paused) this.statsOf(p.rule).paused += p.n;
    this.droppedUnwritten += report.unrecorded;
    for (const c of report.counts) {
      const s = this.statsOf(c.rule);
      s.agreed += c.agreed;
      s.disagreed += c.compared - c.agreed;
      const key = `${c.shadow} ${c.rule}`;
      const p = this.pendingCounts.get(key) ?? { rule: c.rule, shadow: c.shadow, compared: 0, agreed: 0 };
      p.compared += c.compared;
      p.agreed += c.agreed;
      this.pendingCounts.set(key, p);
    }
    const capture = this.options.captureContexts !== false;
    for (const d of report.disagreements) {
      let context: unknown = null;
      if (capture) {
        try {
          context = this.options.maskContext ? this.options.maskContext(d.context) : d.context;
        } catch {
          context = null; // a mask that fails stores nothing rather than the unmasked context
        }
      }
      this.pendingDisagreements.push({ ...d, context, engineId: this.options.engineId });
    }
    this.trim();
  }

  private trim(): void {
    const excess = this.pendingDisagreements.length - this.maxBuffered;
    if (excess > 0) {
      this.pendingDisagreements.splice(0, excess);
      this.droppedUnwritten += excess;
    }
  }

  /** Writes the results received so far (one write at a time; a failed write keeps them for the next). */
  flush(): Promise<void> {
    this.writing ??= this.write().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async write(): Promise<void> {
    if (this.pendingCounts.size === 0 && this.pendingDisagreements.length === 0) return;
    const counts = [...this.pendingCounts.values()];
    // A shadow that disagrees with most of heavy traffic would otherwise write a row per
    // request; the store keeps only the newest per shadow anyway (the counts stay exact).
    const skipped = Math.max(0, this.pendingDisagreements.length - DISAGREEMENTS_PER_WRITE);
    const disagreements = this.pendingDisagreements.slice(skipped);
    this.droppedUnwritten += skipped;
    this.pendingCounts.clear();
    this.pendingDisagreements = [];
    try {
      await (this.options.results ?? this.store).recordShadowResults({ engineId: this.options.engineId, counts, disagreements });
    } catch (error) {
      // Put them back (merged with what arrived meanwhile) for the next flush.
      for (const c of counts) {
        const key = `${c.shadow} ${c.rule}`;
        const p = this.pendingCounts.get(key);
        if (p === undefined) this.pendingCounts.set(key, c);
        else {
          p.compared += c.compared;
          p.agreed += c.agreed;
        }
      }
      this.pendingDisagreements = [...disagreements, ...this.pendingDisagreements];
      this.trim();
      this.options.onError?.(error as Error);
    }
  }

  /** Waits until the shadow thread finished what it was sent (at most `timeoutMs`), then writes the results. */
  async drain(timeoutMs = 2000): Promise<void> {
    this.postBatch();
    const worker = this.worker;
    if (worker !== undefined) {
      const token = ++this.token;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        this.waiters.set(token, () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage({ type: 'report-now', token } satisfies ShadowWorkerMessage);
      });
    }
    // Twice: a write the timer started before the last reports arrived holds only what
    // was pending when it began; the second writes the rest.
    await this.flush();
    await this.flush();
  }

  /** Stops comparing: finishes what the thread has (bounded), writes the results, ends the thread. */
  async stop(timeoutMs = 1000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.reloading;
    await this.drain(timeoutMs);
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
