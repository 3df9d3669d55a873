import type { ExecutionRecord } from '../../core/src/engine/execution-sink';
import { JsonText, MAX_STORED_CONTEXT_CHARS } from './captured-decisions';
import type { ExecutionLogRecord } from './types';

/**
 * Decision records on their way to the log's thread (issue 13), in the form that costs
 * the thread answering requests least: numbers in one Float64Array (transferred, not
 * copied), strings in a table (a rule name or a correlation id once per batch, not once
 * per record), and each context object serialized once per batch however many rules
 * of a category decided on it. No object is made per record on the request side.
 *
 * Per record, STRIDE numbers: rule, version, decision, confidence, durationMs,
 * errorCode, correlationId, at (epoch ms), category, context; strings and contexts as
 * indexes, -1 for none.
 */
const STRIDE = 10;
const DECISIONS = ['autonomous', 'collaborative', 'escalated'] as const;

/** What crosses to the thread: `numbers` is transferred. */
export interface PackedBatch {
  count: number;
  numbers: Float64Array;
  strings: string[];
  /** The JSON text of each of the batch's distinct contexts, in index order ('' for one that is not JSON). */
  contexts: string[];
}

export class BatchBuilder {
  private numbers: Float64Array;
  private strings: string[] = [];
  private stringIndex = new Map<string, number>();
  private contexts: unknown[] = [];
  /** The JSON text each context came with (ExecutionRecord.contextJson), when it may be used as is. */
  private contextTexts: (string | undefined)[] = [];
  private lastContext: unknown = undefined;
  private lastCorrelation = '';
  private lastCorrelationIndex = -1;
  count = 0;
  /** Records whose context was over MAX_STORED_CONTEXT_CHARS as JSON: kept, without it (so far, all batches). */
  tooLarge = 0;
  /** While set, records are packed without their contexts (the log is behind: DecisionLogThread). */
  shedding = false;
  /** Records packed without their context because of `shedding` (so far, all batches). */
  shed = 0;

  /** Room for the size of the last batch: a batch posted every few milliseconds must not allocate the full capacity each time. */
  private room: number;

  /**
   * `rawText`: the JSON text a context came with may stand for it (no masks to apply:
   * with masks the context is serialized here and masked in the thread, as always).
   */
  constructor(
    private readonly capacity: number,
    private readonly rawText = false,
  ) {
    this.room = Math.min(capacity, 64);
    this.numbers = new Float64Array(this.room * STRIDE);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  private string(value: string | null | undefined): number {
    if (value === null || value === undefined) return -1;
    let i = this.stringIndex.get(value);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, i);
    }
    return i;
  }

  /** A record from the engine; the context is kept by reference until `take()`. */
  add(r: ExecutionRecord, captureContext: boolean): void {
    this.put(r.rule, r.version, r.decision, r.confidence, r.durationMs, r.errorCode, r.correlationId, r.at, r.category, captureContext ? r.context : undefined, this.rawText ? r.contextJson : undefined);
  }

  /** A record in the store's shape (`StoreDecisionLog.add`). */
  addLogRecord(r: ExecutionLogRecord, captureContext: boolean): void {
    this.put(r.rule, r.version, r.decision, r.confidence, r.durationMs, r.errorCode, r.correlationId ?? '', r.at === undefined ? Date.now() : Date.parse(r.at), r.category, captureContext ? r.context : undefined);
  }

  private put(rule: string, version: number, decision: string, confidence: number, durationMs: number, errorCode: string | null, correlationId: string, at: number, category: string | undefined, context: unknown, contextJson?: string): void {
    if (this.count === this.room) {
      this.room = Math.min(this.capacity, this.room * 2);
      const grown = new Float64Array(this.room * STRIDE);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    const n = this.numbers;
    const o = this.count * STRIDE;
    n[o] = this.string(rule);
    n[o + 1] = version;
    n[o + 2] = DECISIONS.indexOf(decision as (typeof DECISIONS)[number]);
    n[o + 3] = confidence;
    n[o + 4] = durationMs;
    n[o + 5] = this.string(errorCode);
    // The rules of one category evaluation come one after another with one id and one context.
    if (correlationId !== this.lastCorrelation || this.lastCorrelationIndex < 0) {
      this.lastCorrelation = correlationId;
      // An id is new with each request: added to the table without the lookup that dedupes the other strings.
      this.lastCorrelationIndex = correlationId === '' ? -1 : this.strings.push(correlationId) - 1;
    }
    n[o + 6] = correlationId === '' ? -1 : this.lastCorrelationIndex;
    n[o + 7] = at;
    n[o + 8] = this.string(category);
    if (context === undefined) n[o + 9] = -1;
    else if (this.shedding) {
      n[o + 9] = -1;
      this.shed++;
    } else if (contextJson !== undefined && contextJson.length > MAX_STORED_CONTEXT_CHARS) {
      // Too large to keep (a body is never shorter than its JSON): the decision goes without it.
      n[o + 9] = -1;
      this.tooLarge++;
    } else {
      if (context !== this.lastContext || this.contexts.length === 0) {
        const text = contextJson !== undefined && isOneLine(contextJson) ? contextJson : undefined;
        // With its text, the object itself is not held (it may die young).
        this.contexts.push(text === undefined ? context : null);
        this.contextTexts.push(text);
        this.lastContext = context;
      }
      n[o + 9] = this.contexts.length - 1;
    }
    this.count++;
  }

  /** The batch so far, ready to post; the builder starts over empty. */
  take(): PackedBatch {
    const numbers = this.numbers.subarray(0, this.count * STRIDE);
    const contexts = this.contexts.map((context, i) => this.contextTexts[i] ?? contextJson(context));
    for (let i = 0; i < contexts.length; i++) {
      if ((contexts[i] as string).length <= MAX_STORED_CONTEXT_CHARS) continue;
      // Serialized here, found too large: '' (no context) for each record that had it.
      contexts[i] = '';
      for (let o = 9; o < numbers.length; o += STRIDE) if (numbers[o] === i) this.tooLarge++;
    }
    const batch: PackedBatch = { count: this.count, numbers, strings: this.strings, contexts };
    this.room = Math.min(this.capacity, Math.max(64, this.count));
    this.numbers = new Float64Array(this.room * STRIDE);
    this.strings = [];
    this.stringIndex = new Map();
    this.contexts = [];
    this.contextTexts = [];
    this.lastContext = undefined;
    this.lastCorrelation = '';
    this.lastCorrelationIndex = -1;
    this.count = 0;
    return batch;
  }
}

/**
 * A body pretty-printed over several lines is serialized again instead: the JSON-lines
 * sink splices a context's text into one line as it is.
 */
function isOneLine(text: string): boolean {
  return text.indexOf('\n') < 0 && text.indexOf('\r') < 0;
}

function contextJson(context: unknown): string {
  try {
    return JSON.stringify(context) ?? '';
  } catch {
    // A context that is not JSON (never one from an HTTP body): its records lose it, not their decision.
    return '';
  }
}

/** The records of a batch (in the log's thread), a context shared by the records that shared it. */
export function unpackBatch(batch: PackedBatch, engineId: string | null, parseContexts: boolean): ExecutionLogRecord[] {
  const out: ExecutionLogRecord[] = [];
  // Records of one batch were made within milliseconds: one date text per millisecond.
  let lastAt = NaN;
  let lastAtText = '';
  // The rules of one category evaluation come one after another with one context text:
  // made into a value once (parsed only when masks must see inside it; otherwise kept as it came).
  let lastText: string | null = null;
  let lastContext: unknown;
  eachPackedRecord(batch, engineId, (rule, version, decision, confidence, durationMs, errorCode, correlationId, engine, atMs, category, context) => {
    const record: ExecutionLogRecord = {
      rule,
      version,
      decision: decision as ExecutionLogRecord['decision'],
      confidence,
      durationMs,
      errorCode,
      correlationId,
      engineId: engine,
      at: atMs === lastAt ? lastAtText : (lastAtText = new Date((lastAt = atMs)).toISOString()),
    };
    if (category !== null) record.category = category;
    if (context !== null) {
      if (context !== lastText) {
        lastText = context;
        lastContext = parseContexts ? (JSON.parse(context) as unknown) : new JsonText(context);
      }
      record.context = lastContext;
    }
    out.push(record);
  });
  return out;
}

/**
 * Each record of a batch, as arguments, in order: the one reader of the packed layout,
 * for `unpackBatch` and for the store's segment builder (SegmentBuilder.add), which
 * writes a batch without an object per record. The context is its JSON text, null for
 * none.
 */
export function eachPackedRecord(
  batch: PackedBatch,
  engineId: string | null,
  visit: (rule: string, version: number, decision: string, confidence: number, durationMs: number, errorCode: string | null, correlationId: string | null, engineId: string | null, atMs: number, category: string | null, context: string | null) => void,
): void {
  const { numbers: n, strings, contexts } = batch;
  const text = (i: number): string | null => (i < 0 ? null : (strings[i] as string));
  for (let k = 0; k < batch.count; k++) {
    const o = k * STRIDE;
    const c = n[o + 9] as number;
    const context = c < 0 ? null : (contexts[c] ?? '');
    visit(
      text(n[o] as number) as string,
      n[o + 1] as number,
      DECISIONS[n[o + 2] as number] ?? 'escalated',
      n[o + 3] as number,
      n[o + 4] as number,
      text(n[o + 5] as number),
      text(n[o + 6] as number),
      engineId,
      n[o + 7] as number,
      text(n[o + 8] as number),
      context === '' ? null : context,
    );
  }
}
