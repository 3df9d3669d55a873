import type { Decision } from '../model/decision';
import type { EvaluationErrorCode } from '../model/error-codes';

/** One line of the decision log: what a rule decided, for whom, and how it went. */
export interface ExecutionRecord {
  rule: string;
  version: number;
  decision: Decision;
  confidence: number;
  durationMs: number;
  errorCode: EvaluationErrorCode | null;
  correlationId: string;
  /** True when the result came from the cache. */
  cached: boolean;
  /** Epoch milliseconds. */
  at: number;
  /** The rule's category (issue 13: a category's decisions can be replayed). */
  category?: string;
  /**
   * The context as evaluated (issue 13: captured for replay). The caller's value, not a
   * copy: a sink must not change it, and must copy (mask, serialize) off the request path.
   */
  context?: unknown;
  /**
   * The context's JSON text when the caller had it (issue 16: `serve` passes the request
   * body the context was parsed from), so a sink without masks can keep it as it came
   * instead of serializing the context again on the request thread.
   */
  contextJson?: string | undefined;
}

/**
 * Where execution records go. `record` is called on the evaluation path, so it must
 * not block: a store-backed sink queues and writes in batches.
 */
export interface ExecutionSink {
  record(record: ExecutionRecord): void;
  /** Writes what is queued; called on shutdown. */
  flush?(): Promise<void>;
}

/** Keeps the most recent records in memory (tests, the CLI, `serve` without a store). */
export class MemorySink implements ExecutionSink {
  readonly records: ExecutionRecord[] = [];

  constructor(private readonly capacity = 10_000) {}

  record(record: ExecutionRecord): void {
    if (this.records.length >= this.capacity) this.records.shift();
    this.records.push(record);
  }
}
