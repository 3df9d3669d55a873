import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExecutionRecord } from '../../core/src/engine/execution-sink';
import { BatchBuilder, type PackedBatch } from './decision-batch';
import type { DecisionWriterCounts, DecisionWriterSettings } from './decision-log-writer';
import type { DecisionRetention } from './decision-retention';
import type { EngineHeartbeatRecord, ExecutionLogRecord, ShadowResultBatch } from './types';

/** What the worker is started with (decision-log-worker.ts). */
export interface ThreadInit {
  /** With its password: the worker opens its own connection. */
  storeUrl: string;
  cwd: string;
  engineId: string | null;
  settings: DecisionWriterSettings;
  retention: DecisionRetention | false;
  pruneIntervalMs: number;
  firstPruneMs: number;
  /** Records the thread keeps while the store is down; beyond them the oldest are dropped (counted). */
  maxBuffered: number;
  /** How soon a failed write is tried again. */
  retryMs: number;
  /** How much lower than the process the thread's CPU priority is (Linux nice steps, capped at 19; 0: the same). */
  niceness: number;
}

export type ThreadRequest =
  | { type: 'batch'; batch: PackedBatch }
  | { type: 'flush'; id: number }
  | { type: 'prune'; id: number }
  | { type: 'stop'; id: number }
  | { type: 'heartbeat'; id: number; record: EngineHeartbeatRecord }
  | { type: 'shadow-results'; id: number; batch: ShadowResultBatch };

/** Counts as the thread reports them: the writer's, plus what it dropped and still holds. */
export type ThreadCounts = DecisionWriterCounts & { dropped: number; queued: number; received: number };

export type ThreadReply = { type: 'done'; id: number; counts: ThreadCounts; error?: string } | { type: 'counts'; counts: ThreadCounts } | { type: 'error'; message: string };

/**
 * The thread answering requests hands decisions to the log's worker thread
 * (decision-log-worker.ts), which masks, writes, retries and prunes. This side only
 * packs records into a batch (decision-batch.ts) and posts it when full or on a timer;
 * it never waits for the store. A store outage is the thread's to ride out: it keeps
 * up to `maxBuffered` records and tries again.
 */
const SHED_ABOVE = 0.25;
const SHED_BELOW = 0.05;

export class DecisionLogThread {
  private readonly worker: Worker;
  private builder: BatchBuilder;
  private readonly waiting = new Map<number, (error?: string) => void>();
  private nextId = 1;
  private exited = false;
  private readonly timer: NodeJS.Timeout;
  counts: ThreadCounts = { written: 0, jsonlWritten: 0, jsonlDropped: 0, pruned: 0, contextsPruned: 0, contextsTooLarge: 0, contextsShed: 0, dropped: 0, queued: 0, received: 0 };
  /** Records posted to the thread so far; those it has not received yet are still on their way. */
  private posted = 0;
  /** Records this side dropped because the thread was too far behind. */
  droppedHere = 0;

  /** Records whose context was too large to keep (they are logged without it). */
  get contextsTooLargeHere(): number {
    return this.builder.tooLarge;
  }

  constructor(
    init: ThreadInit,
    private readonly capture: boolean,
    batchSize: number,
    private readonly maxBuffered: number,
    flushIntervalMs: number,
    private readonly onError: (error: Error) => void,
  ) {
    // Without masks a context's own JSON text (the request body) is stored as it came (issue 16).
    this.builder = new BatchBuilder(batchSize, (init.settings.masks ?? []).length === 0);
    const file = join(__dirname, `decision-log-worker${extname(__filename)}`);
    // Under tsx (tests, benchmarks run from source) a worker does not inherit the
    // TypeScript loader: it is registered first, then the source file is required.
    this.worker =
      extname(__filename) === '.ts'
        ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true, workerData: init })
        : new Worker(file, { workerData: init });
    // Like the in-process log's timer, the thread alone keeps no process alive; `stop()` flushes.
    this.worker.unref();
    this.worker.on('message', (reply: ThreadReply) => this.receive(reply));
    this.worker.on('error', (e) => this.onError(e));
    this.worker.on('exit', () => {
      this.exited = true;
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    });
    this.timer = setInterval(() => this.post(), flushIntervalMs);
    this.timer.unref();
  }

  /** On the request path: a few numbers written into the batch; full batches go at once. */
  record(record: ExecutionRecord): void {
    this.builder.add(record, this.capture);
    if (this.builder.full) this.post();
  }

  add(record: ExecutionLogRecord): void {
    this.builder.addLogRecord(record, this.capture);
    if (this.builder.full) this.post();
  }

  /** Records packed but not posted yet, plus those the thread holds unwritten. */
  get pending(): number {
    return this.builder.count + this.inTransit + this.counts.queued;
  }

  private get inTransit(): number {
    return this.posted - this.counts.received;
  }

  private post(): void {
    if (this.builder.count === 0) return;
    const batch = this.builder.take();
    // A thread that cannot keep up (the store is slow, or the CPU is all taken by
    // requests) must not grow this process's memory without bound: beyond maxBuffered
    // records not yet written, new ones are dropped and counted.
    if (this.exited || this.inTransit + this.counts.queued + batch.count > this.maxBuffered) {
      this.droppedHere += batch.count;
      return;
    }
    this.posted += batch.count;
    this.worker.postMessage({ type: 'batch', batch } satisfies ThreadRequest, [batch.numbers.buffer as ArrayBuffer]);
    this.shedWhenBehind();
  }

  /**
   * A log that falls behind sheds contexts before it drops records: past SHED_ABOVE of
   * maxBuffered waiting, new records are packed without their context, until fewer
   * than SHED_BELOW wait. A context is half of what a record costs to write (about 3.5 of
   * 8 µs of SQLite, its later delete included) and the per-rule bound drops nearly all
   * of them within a minute at such rates anyway; the decision itself is what must not
   * be lost. Counted (lua_rules_decision_log_contexts_shed_total).
   */
  private shedWhenBehind(): void {
    const waiting = this.inTransit + this.counts.queued;
    if (!this.builder.shedding && waiting > this.maxBuffered * SHED_ABOVE) this.builder.shedding = true;
    else if (this.builder.shedding && waiting < this.maxBuffered * SHED_BELOW) this.builder.shedding = false;
  }

  /** Records logged without their context because the log was behind. */
  get contextsShedHere(): number {
    return this.builder.shed;
  }

  private receive(reply: ThreadReply): void {
    if (reply.type === 'error') {
      this.onError(new Error(reply.message));
      return;
    }
    this.counts = reply.counts;
    this.shedWhenBehind();
    if (reply.type === 'counts') return;
    const settle = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    settle?.(reply.error);
  }

  private call(type: 'flush' | 'prune' | 'stop'): Promise<void> {
    if (this.exited) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.waiting.set(id, () => resolve());
      this.worker.postMessage({ type, id } satisfies ThreadRequest);
    });
  }

  /**
   * The engine's heartbeat, written by the thread too: on SQLite a write from this
   * thread would wait (synchronously, in SQLite's busy handler) for the log thread's
   * transaction, and that wait would be every request's. Every store write an engine
   * makes while serving goes this way (heartbeats, shadow results).
   */
  heartbeat(record: EngineHeartbeatRecord): Promise<void> {
    return this.write({ type: 'heartbeat', id: this.nextId++, record });
  }

  /** A shadow run's counts and disagreements (ShadowRunner's flush), written by the thread for the same reason. */
  shadowResults(batch: ShadowResultBatch): Promise<void> {
    return this.write({ type: 'shadow-results', id: this.nextId++, batch });
  }

  private write(request: Extract<ThreadRequest, { type: 'heartbeat' | 'shadow-results' }>): Promise<void> {
    if (this.exited) return Promise.reject(new Error('the decision log thread has exited'));
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(request.id, (error) => (error === undefined ? resolve() : reject(new Error(error))));
      this.worker.postMessage(request satisfies ThreadRequest);
    });
  }

  /** Posts what is packed and resolves when the thread has tried to write everything it holds. */
  flush(): Promise<void> {
    this.post();
    return this.call('flush');
  }

  prune(): Promise<void> {
    return this.call('prune');
  }

  /** Writes what is left (one last try), closes the thread's store connection and ends the thread. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.post();
    await this.call('stop');
    await this.worker.terminate();
  }
}
