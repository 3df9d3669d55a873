import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { decisionJson, JsonText, MAX_STORED_CONTEXT_CHARS } from './captured-decisions';
import { maskContext, parseMaskPaths, type MaskPath } from './context-mask';
import type { DecisionRetention, PruneReport } from './decision-retention';
import type { PackedBatch } from './decision-batch';
import type { DecisionLog, ExecutionLogRecord } from './types';

/**
 * The decision log's writing end (issue 13), the same in a worker thread and in
 * process: it masks each captured context, writes a batch to the store sink and the
 * JSON-lines sink, and enforces the retention. Nothing here runs on a request: the
 * engine's sink (decision-log.ts) only queues records and hands batches over.
 */
export interface DecisionWriterSettings {
  /** Dotted paths removed from every context before any sink sees it (context-mask.ts). */
  masks?: readonly string[];
  /** False: no context is stored or printed (default true). */
  captureContexts?: boolean;
  /** Write to the store (default true; false leaves only the JSON-lines sink). */
  store?: boolean;
  /** JSON lines: a file path (appended to) or `-` for stdout. */
  jsonl?: string;
  /** Relative `jsonl` paths resolve against it. */
  cwd?: string;
}

export interface DecisionWriterCounts {
  /** Records the store holds. */
  written: number;
  /** Lines the JSON-lines sink wrote. */
  jsonlWritten: number;
  /** JSON lines lost to a failing file or stdout (the store sink is unaffected). */
  jsonlDropped: number;
  /** Rows deleted by the retention. */
  pruned: number;
  /** Contexts dropped by the per-rule bound (their rows stay). */
  contextsPruned: number;
  /** Records whose context was over MAX_STORED_CONTEXT_CHARS as JSON, logged without it. */
  contextsTooLarge: number;
  /** Records logged without their context because the log was behind (DecisionLogThread's shedding). */
  contextsShed: number;
}

/** What a sink needs of the store. */
export type DecisionStore = Pick<DecisionLog, 'recordExecutions' | 'pruneDecisions'> & Partial<Pick<DecisionLog, 'recordPackedBatches'>>;

export class DecisionLogWriter {
  private readonly masks: MaskPath[];
  private readonly capture: boolean;
  private readonly jsonlFd: number | undefined;
  readonly counts: DecisionWriterCounts = { written: 0, jsonlWritten: 0, jsonlDropped: 0, pruned: 0, contextsPruned: 0, contextsTooLarge: 0, contextsShed: 0 };

  constructor(
    private readonly store: DecisionStore | undefined,
    settings: DecisionWriterSettings,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.masks = parseMaskPaths(settings.masks ?? []);
    this.capture = settings.captureContexts !== false;
    if (settings.store === false) this.store = undefined;
    // Opened once, appending; `-` is the process's stdout (fd 1), written synchronously
    // from this thread so a line is never split by another writer's chunk.
    this.jsonlFd = settings.jsonl === undefined ? undefined : settings.jsonl === '-' ? 1 : openSync(resolve(settings.cwd ?? process.cwd(), settings.jsonl), 'a');
  }

  /**
   * Masks, then writes to every sink; rejects when the store refused the batch (the
   * caller keeps it for later). `owned`: the records were made for this write (the
   * log's thread unpacks them from a batch) and may be written as they are when there
   * is nothing to mask or drop, without a copy of each.
   */
  async write(records: ExecutionLogRecord[], owned = false): Promise<void> {
    const masked = new Map<unknown, unknown>();
    const ready = owned && this.masks.length === 0 && this.capture ? records : records.map((r) => this.prepare(r, masked));
    if (this.store !== undefined) {
      await this.store.recordExecutions(ready);
      this.counts.written += ready.length;
    }
    if (this.jsonlFd !== undefined) this.writeLines(ready);
  }

  /**
   * Whether `writePacked` may take the thread's batches as they came: only when the
   * store sink is all there is to write and nothing is done to a record on the way (no
   * masks, no JSON lines, contexts captured). The thread then builds the store's
   * segments straight from the batches: unpacking them into records cost it about
   * 0.85 µs a record, a third of its work (bench, issue 16).
   */
  get takesPacked(): boolean {
    return this.store?.recordPackedBatches !== undefined && this.masks.length === 0 && this.capture && this.jsonlFd === undefined;
  }

  /** Writes packed batches (`takesPacked` must hold); rejects when the store refused them. */
  async writePacked(batches: readonly PackedBatch[], engineId: string | null, count: number): Promise<void> {
    const store = this.store as DecisionStore & Pick<DecisionLog, 'recordPackedBatches'>;
    await store.recordPackedBatches(batches, engineId);
    this.counts.written += count;
  }

  /** The record as any sink may see it: the context masked (or gone), never the caller's object. */
  private prepare(r: ExecutionLogRecord, masked: Map<unknown, unknown>): ExecutionLogRecord {
    const out: ExecutionLogRecord = {
      rule: r.rule,
      version: r.version,
      decision: r.decision,
      confidence: r.confidence,
      durationMs: r.durationMs,
      errorCode: r.errorCode,
      correlationId: r.correlationId,
      engineId: r.engineId,
      at: r.at ?? new Date().toISOString(),
    };
    if (r.category !== undefined) out.category = r.category;
    if (this.capture && r.context !== undefined) {
      // Masked once per context object (the rules of one category evaluation share it).
      let context = masked.get(r.context);
      if (context === undefined && !masked.has(r.context)) {
        const value = r.context instanceof JsonText && this.masks.length > 0 ? r.context.toJSON() : r.context;
        context = this.masks.length === 0 ? value : maskContext(value, this.masks);
        // Over the bound, the record goes without it (the thread's records were bounded when packed).
        if (tooLarge(context)) context = TOO_LARGE;
        masked.set(r.context, context);
      }
      if (context === TOO_LARGE) this.counts.contextsTooLarge++;
      else out.context = context;
    }
    return out;
  }

  private writeLines(records: ExecutionLogRecord[]): void {
    let text = '';
    for (const r of records) {
      const line = decisionJson({
        rule: r.rule,
        version: r.version,
        decision: r.decision,
        confidence: r.confidence,
        durationMs: r.durationMs,
        errorCode: r.errorCode,
        correlationId: r.correlationId,
        engineId: r.engineId,
        at: r.at ?? new Date().toISOString(),
        category: r.category ?? null,
        ...(r.context !== undefined ? { context: r.context } : {}),
      });
      text += `${safeJson(line)}\n`;
    }
    try {
      writeFully(this.jsonlFd as number, text);
      this.counts.jsonlWritten += records.length;
    } catch (e) {
      this.counts.jsonlDropped += records.length;
      this.onError(new Error(`the decision log's JSON lines could not be written: ${(e as Error).message}`));
    }
  }

  async prune(retention: DecisionRetention, now?: number): Promise<PruneReport> {
    if (this.store === undefined) return { rowsDeleted: 0, contextsDropped: 0 };
    const report = await this.store.pruneDecisions(retention, now);
    this.counts.pruned += report.rowsDeleted;
    this.counts.contextsPruned += report.contextsDropped;
    return report;
  }

  close(): void {
    if (this.jsonlFd !== undefined && this.jsonlFd !== 1) closeSync(this.jsonlFd);
  }
}

/** A line, with the context left out when it cannot be JSON (as the store sink does: contextText). */
function safeJson(line: Record<string, unknown>): string {
  const context = line.context;
  if (context instanceof JsonText) {
    // Spliced in as it came: no parse and serialize again. `context` is the last field.
    delete line.context;
    return `${JSON.stringify(line).slice(0, -1)},"context":${context.text}}`;
  }
  try {
    return JSON.stringify(line);
  } catch {
    delete line.context;
    return JSON.stringify(line);
  }
}

/** Stands for a context over MAX_STORED_CONTEXT_CHARS in the per-batch map of masked contexts. */
const TOO_LARGE = Symbol('too large');

function tooLarge(context: unknown): boolean {
  if (context instanceof JsonText) return context.text.length > MAX_STORED_CONTEXT_CHARS;
  try {
    return (JSON.stringify(context)?.length ?? 0) > MAX_STORED_CONTEXT_CHARS;
  } catch {
    return false; // not JSON at all: the store drops it (contextText), not counted here
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** writeSync until all is out; a non-blocking stdout (a full pipe) answers EAGAIN: wait a little and go on, up to ~5 s. */
function writeFully(fd: number, text: string): void {
  let buffer = Buffer.from(text, 'utf8');
  let waited = 0;
  while (buffer.length > 0) {
    try {
      const n = writeSync(fd, buffer);
      buffer = buffer.subarray(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' || waited >= 5000) throw e;
      Atomics.wait(pause, 0, 0, 5);
      waited += 5;
    }
  }
}
