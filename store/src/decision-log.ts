import type { ExecutionRecord, ExecutionSink } from '../../core/src/engine/execution-sink';
import { parseMaskPaths } from './context-mask';
import { DecisionLogThread } from './decision-log-thread';
import { DecisionLogWriter, type DecisionStore, type DecisionWriterCounts, type DecisionWriterSettings } from './decision-log-writer';
import { DEFAULT_RETENTION, type DecisionRetention } from './decision-retention';
import type { ExecutionLogRecord, Heartbeats, ShadowRuns } from './types';

export interface DecisionLogOptions extends DecisionWriterSettings {
  /** Records per write; a full batch is written at once. */
  batchSize?: number;
  /**
   * A partial batch is written after this long (ms; default 100 in process; 10 to the
   * thread: a context held past a young-generation collection gets copied and promoted,
   * and posting a small batch costs less than that).
   */
  flushIntervalMs?: number;
  /** Beyond this many unwritten records (the store is down) the oldest are dropped. */
  maxBuffered?: number;
  /** Fills `engineId` of records that have none. */
  engineId?: string;
  /** Leave out results served from the cache (default: they are logged, marked by nothing but their speed). */
  skipCached?: boolean;
  onError?: (error: Error) => void;
  /** The log's bounds (decision-retention.ts); default DEFAULT_RETENTION; false: none. */
  retention?: DecisionRetention | false;
  /** How often the bounds are enforced (default every 60 s; the first time after at most 5 s). */
  pruneIntervalMs?: number;
  /**
   * Write from a worker thread with its own connection to this store (what `serve`
   * does): masking, serializing, the store's writes and the retention then never run
   * on the thread that answers requests. Without it they run in process, between
   * requests (tests, embedding programs, `sqlite::memory:`).
   */
  thread?: { storeUrl: string; cwd?: string; niceness?: number };
}

/**
 * The decision log, the engine's sink: evaluations are queued in memory and handed to
 * the writer in batches, off the evaluation path. The writer masks the captured
 * contexts and writes them to the store and/or a JSON-lines sink; a store outage costs
 * log lines (counted in `dropped`), never evaluations. `stop()` writes what is left.
 */
export class StoreDecisionLog implements ExecutionSink {
  private buffer: ExecutionLogRecord[] = [];
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly capture: boolean;
  private readonly retention: DecisionRetention | false;
  private readonly local: DecisionLogWriter | undefined;
  private readonly thread: DecisionLogThread | undefined;
  dropped = 0;

  constructor(
    private readonly store: DecisionStore & Partial<Pick<Heartbeats, 'engines'>>,
    private readonly options: DecisionLogOptions = {},
  ) {
    this.batchSize = options.batchSize ?? (options.thread !== undefined ? 500 : 200);
    // The thread keeps waiting records packed as they crossed (about 0.5 KiB each with a context, measured), so it can ride out a longer lag.
    this.maxBuffered = options.maxBuffered ?? (options.thread !== undefined ? 250_000 : 100_000);
    this.capture = options.captureContexts !== false;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    parseMaskPaths(options.masks ?? []); // a bad path fails here, before any thread starts
    const onError = options.onError ?? (() => undefined);
    const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    const settings: DecisionWriterSettings = {
      ...(options.masks !== undefined ? { masks: options.masks } : {}),
      captureContexts: this.capture,
      ...(options.store !== undefined ? { store: options.store } : {}),
      ...(options.jsonl !== undefined ? { jsonl: options.jsonl } : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    };
    if (options.thread !== undefined) {
      this.thread = new DecisionLogThread(
        {
          storeUrl: options.thread.storeUrl,
          cwd: options.thread.cwd ?? options.cwd ?? process.cwd(),
          engineId: options.engineId ?? null,
          settings,
          retention: this.retention,
          pruneIntervalMs,
          firstPruneMs: 5000,
          maxBuffered: this.maxBuffered,
          retryMs: Math.max(100, options.flushIntervalMs ?? 100),
          niceness: options.thread.niceness ?? 10,
        },
        this.capture,
        this.batchSize,
        this.maxBuffered,
        options.flushIntervalMs ?? 10,
        onError,
      );
      this.local = undefined;
    } else {
      this.local = new DecisionLogWriter(store, settings, onError);
      if (this.retention !== false) this.schedulePrune(Math.min(pruneIntervalMs, 5000), pruneIntervalMs);
    }
    // The thread posts its batches on its own timer.
    this.timer = setInterval(() => void (this.thread === undefined ? this.flush() : undefined), options.flushIntervalMs ?? 100);
    this.timer.unref();
  }

  /** The engine's sink entry point: called on the evaluation path, never blocks (a push; copying and masking come later, in batches). */
  record(record: ExecutionRecord): void {
    if (record.cached && this.options.skipCached === true) return;
    if (this.thread !== undefined) {
      this.thread.record(record);
      return;
    }
    const entry: ExecutionLogRecord = {
      rule: record.rule,
      version: record.version,
      decision: record.decision,
      confidence: record.confidence,
      durationMs: record.durationMs,
      errorCode: record.errorCode,
      correlationId: record.correlationId === '' ? null : record.correlationId,
      engineId: this.options.engineId ?? null,
      at: new Date(record.at).toISOString(),
    };
    if (record.category !== undefined) entry.category = record.category;
    if (this.capture && record.context !== undefined) entry.context = record.context;
    this.push(entry);
  }

  /** Adds a record in the store's own shape. */
  add(record: ExecutionLogRecord): void {
    if (this.thread !== undefined) {
      // The thread's records carry the log's engine id (a batch has one).
      this.thread.add(record);
      return;
    }
    // Field by field: on Node 20 a spread plus extra properties costs microseconds per record.
    const entry: ExecutionLogRecord = {
      rule: record.rule,
      version: record.version,
      decision: record.decision,
      confidence: record.confidence,
      durationMs: record.durationMs,
      errorCode: record.errorCode,
      correlationId: record.correlationId,
      engineId: record.engineId ?? this.options.engineId ?? null,
      at: record.at ?? new Date().toISOString(),
    };
    if (record.category !== undefined) entry.category = record.category;
    if (this.capture && record.context !== undefined) entry.context = record.context;
    this.push(entry);
  }

  private push(entry: ExecutionLogRecord): void {
    this.buffer.push(entry);
    this.trim();
    if (this.buffer.length >= this.batchSize) void this.flush();
  }

  /** Writes everything recorded so far, a batch at a time; a failed batch waits for the next flush. */
  flush(): Promise<void> {
    if (this.thread !== undefined) return this.thread.flush();
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** In process, one batch at a time; SQLite writes are synchronous: requests get a turn between batches. */
  private async drain(): Promise<void> {
    const writer = this.local as DecisionLogWriter;
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.batchSize);
      try {
        await writer.write(batch);
        if (this.buffer.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (e) {
        this.buffer.unshift(...batch);
        this.trim();
        this.options.onError?.(e as Error);
        return;
      }
    }
  }

  private trim(): void {
    const excess = this.buffer.length - this.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.dropped += excess;
    }
  }

  private schedulePrune(delayMs: number, intervalMs: number): void {
    this.pruneTimer = setTimeout(() => {
      void this.prune()
        .catch((e: unknown) => this.options.onError?.(e as Error))
        .finally(() => {
          if (this.pruneTimer !== undefined) this.schedulePrune(intervalMs, intervalMs);
        });
    }, delayMs);
    this.pruneTimer.unref();
  }

  /** Enforces the retention now (it also runs on its own every `pruneIntervalMs`). */
  async prune(): Promise<void> {
    if (this.retention === false) return;
    if (this.thread !== undefined) await this.thread.prune();
    else await this.local?.prune(this.retention);
  }

  /**
   * Where the engine's heartbeats are best written: through the log's thread when it
   * has a store connection (no write from the request thread then; see
   * DecisionLogThread.heartbeat), else undefined (write them to the store directly).
   */
  get heartbeats(): Heartbeats | undefined {
    const thread = this.thread;
    if (thread === undefined || this.options.store === false) return undefined;
    return { heartbeat: (record) => thread.heartbeat(record), engines: () => this.store.engines?.() ?? Promise.resolve([]) };
  }

  /**
   * Where shadow runs' results are best written, for the same reason as heartbeats:
   * through the log's thread when it has a store connection, else undefined.
   */
  get shadowResults(): Pick<ShadowRuns, 'recordShadowResults'> | undefined {
    const thread = this.thread;
    if (thread === undefined || this.options.store === false) return undefined;
    return { recordShadowResults: (batch) => thread.shadowResults(batch) };
  }

  /** Records the store holds. */
  get written(): number {
    return this.counts.written;
  }

  /** Every count, for metrics: written, dropped (never stored), pruned (rows deleted), contexts pruned, JSON lines. */
  get counts(): DecisionWriterCounts & { dropped: number; pending: number } {
    if (this.thread !== undefined) {
      const { queued, received, dropped, ...rest } = this.thread.counts;
      void queued;
      void received;
      return { ...rest, dropped: dropped + this.thread.droppedHere, contextsTooLarge: rest.contextsTooLarge + this.thread.contextsTooLargeHere, contextsShed: rest.contextsShed + this.thread.contextsShedHere, pending: this.thread.pending };
    }
    return { ...(this.local as DecisionLogWriter).counts, dropped: this.dropped, pending: this.buffer.length };
  }

  get pending(): number {
    return this.thread !== undefined ? this.thread.pending : this.buffer.length;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.pruneTimer);
    this.pruneTimer = undefined;
    if (this.thread !== undefined) {
      await this.thread.stop();
      return;
    }
    await this.flush();
    // What the store refused during the last flush stays unwritten: say so in the counts.
    if (this.buffer.length > 0) {
      this.dropped += this.buffer.length;
      this.buffer = [];
    }
    this.local?.close();
  }
}
