import { StoreError } from './errors';
import type { SqlQueryer } from './sql-driver';
import type { DecisionRecord, ExecutionLogRecord } from './types';

/**
 * The decision log's storage form since migration 8 (issue 16): one row per written
 * batch — a *segment* — instead of one row per decision.
 *
 * Why: with a row per decision, each decision cost SQLite six B-tree inserts (the row,
 * three indexes, its context's row and that row's index) and as many deletes again when
 * the retention dropped it: 7.6 µs of CPU per decision, 15-18 µs per request of a
 * two-rule category, which made the log's thread as expensive as answering the request
 * (bench/serve-cpu.ts). A segment holds its decisions as columns of JSON text, so a
 * batch of 2,000 decisions is one row, plus one small row per rule (its contexts, for the
 * per-rule bound and rule lookups) and one per category: bench/decision-log-cost.ts
 * measured 1.9 µs of CPU per decision to write and 0.1 µs to prune, against 6.4 and 1.5
 * in the same run with a row per decision.
 *
 * A segment holds its decisions in the order written (the insertion order the row bound
 * and the context bound follow), in one of two forms. Engines write the binary form:
 * `numbers` holds ten Float64 values per decision (NUMBER_COLUMNS below: the numbers
 * exactly, the string fields as indexes) and `records` is `{"strings": [...]}`, the
 * segment's table of strings (a rule name or a correlation id once, not once per
 * decision). Migration 8 converts old rows into the plain form, which SQL can build:
 * `numbers` is NULL and `records` is a JSON object of columns — `rule`, `version`,
 * `decision`, `confidence`, `durationMs`, `errorCode`, `correlationId`, `engineId`,
 * `at` (ISO text), `category` — each an array with one entry per decision. The reader
 * takes both; times are read back as ISO UTC with milliseconds, so they sort as text.
 * The contexts live beside them, per rule (`decision_segment_rules.contexts`): a JSON
 * array with one entry per decision of that rule in the segment, in order, the context
 * text as it came, or null.
 */
export interface SegmentColumns {
  rule: string[];
  version: number[];
  decision: string[];
  confidence: number[];
  durationMs: number[];
  errorCode: (string | null)[];
  correlationId: (string | null)[];
  engineId: (string | null)[];
  at: string[];
  category: (string | null)[];
}

const COLUMNS: readonly (keyof SegmentColumns)[] = ['rule', 'version', 'decision', 'confidence', 'durationMs', 'errorCode', 'correlationId', 'engineId', 'at', 'category'];

/** Decisions a segment holds at most: a larger write is split, so one segment read back stays small (a few hundred KiB). */
export const MAX_SEGMENT_RECORDS = 5000;

/**
 * Context text a segment holds at most (all its rules together), beyond which a write
 * is split: a context may be up to 64 KiB, and 5,000 of them in one value would make
 * every read or rewrite of that segment parse hundreds of MiB.
 */
export const MAX_SEGMENT_CONTEXT_CHARS = 4 * 1024 * 1024;

/** One rule's share of a segment. */
export interface SegmentRule {
  rule: string;
  /** The latest `at` of the rule's decisions in the segment. */
  lastAt: string;
  count: number;
  /** How many of them kept a context. */
  contextCount: number;
  /** JSON array: each decision's context text or null, in order; null when none kept one. */
  contexts: string | null;
}

export interface SegmentCategory {
  category: string;
  lastAt: string;
}

/** A segment ready to insert. */
export interface SegmentWrite {
  firstAt: string;
  lastAt: string;
  count: number;
  /** JSON: `{"strings": [...]}` (the binary form: `numbers` holds the columns), or the columns themselves. */
  records: string;
  /** The binary form's columns (NUMBER_COLUMNS per decision, Float64 little-endian); null for the JSON forms. */
  numbers: Buffer | null;
  rules: SegmentRule[];
  categories: SegmentCategory[];
}

/** A stored `at` in the form segments keep (ISO UTC, milliseconds); an `at` that is no date is refused. */
export function canonicalAt(at: string): string {
  if (at.length === 24 && at.charCodeAt(23) === 90 /* Z */ && at.charCodeAt(10) === 84 /* T */) return at;
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new StoreError(`a decision's time must be an ISO date-time, not ${JSON.stringify(at)}`);
  return new Date(t).toISOString();
}

/** What one write adds to a rule's execution statistics (the `rules` row). */
export interface RuleStats {
  count: number;
  errors: number;
  confidence: number;
  /** The latest decision's time, epoch ms. */
  lastMs: number;
}

/**
 * The segments of one write, built a decision at a time (from records, or straight from
 * the packed batches the log's thread receives), cut at MAX_SEGMENT_RECORDS decisions
 * or MAX_SEGMENT_CONTEXT_CHARS of context text, whichever comes first; with each rule's
 * statistics for the write. Times are epoch milliseconds here.
 */
export class SegmentBuilder {
  readonly segments: SegmentWrite[] = [];
  readonly stats = new Map<string, RuleStats>();
  private strings: string[] = [];
  private stringIndex = new Map<string, number>();
  private numbers = new Float64Array(64 * NUMBER_COLUMNS);
  private rules = new Map<string, { lastMs: number; count: number; contextCount: number; parts: string[] }>();
  private categories = new Map<string, number>();
  private firstMs = Infinity;
  private lastMs = -Infinity;
  private chars = 0;
  private n = 0;

  /** One decision; `context` is its context's JSON text, null for none. */
  readonly add = (rule: string, version: number, decision: string, confidence: number, durationMs: number, errorCode: string | null, correlationId: string | null, engineId: string | null, atMs: number, category: string | null, context: string | null): void => {
    const size = context === null ? 0 : context.length;
    if (this.n > 0 && (this.n >= MAX_SEGMENT_RECORDS || this.chars + size > MAX_SEGMENT_CONTEXT_CHARS)) this.cut();
    if ((this.n + 1) * NUMBER_COLUMNS > this.numbers.length) {
      const grown = new Float64Array(Math.min(MAX_SEGMENT_RECORDS, this.n * 2) * NUMBER_COLUMNS);
      grown.set(this.numbers);
      this.numbers = grown;
    }
    const c = this.numbers;
    const o = this.n * NUMBER_COLUMNS;
    c[o] = this.str(rule);
    c[o + 1] = version;
    c[o + 2] = this.str(decision);
    c[o + 3] = confidence;
    c[o + 4] = durationMs;
    c[o + 5] = this.str(errorCode);
    // The rules of one category evaluation share their correlation id: one entry in the table.
    c[o + 6] = this.str(correlationId);
    c[o + 7] = this.str(engineId);
    c[o + 8] = atMs;
    c[o + 9] = this.str(category);
    this.n++;
    this.chars += size;
    if (atMs < this.firstMs) this.firstMs = atMs;
    if (atMs > this.lastMs) this.lastMs = atMs;
    let share = this.rules.get(rule);
    if (share === undefined) this.rules.set(rule, (share = { lastMs: atMs, count: 0, contextCount: 0, parts: [] }));
    else if (atMs > share.lastMs) share.lastMs = atMs;
    share.count++;
    if (context === null) share.parts.push('null');
    else {
      share.parts.push(context);
      share.contextCount++;
    }
    if (category !== null) {
      const seen = this.categories.get(category);
      if (seen === undefined || atMs > seen) this.categories.set(category, atMs);
    }
    let stats = this.stats.get(rule);
    if (stats === undefined) this.stats.set(rule, (stats = { count: 0, errors: 0, confidence: 0, lastMs: atMs }));
    stats.count++;
    if (errorCode !== null) stats.errors++;
    stats.confidence += confidence;
    if (atMs > stats.lastMs) stats.lastMs = atMs;
  };

  /** The segments, the last one closed. */
  finish(): SegmentWrite[] {
    if (this.n > 0) this.cut();
    return this.segments;
  }

  private str(value: string | null): number {
    if (value === null) return -1;
    let k = this.stringIndex.get(value);
    if (k === undefined) {
      k = this.strings.push(value) - 1;
      this.stringIndex.set(value, k);
    }
    return k;
  }

  private cut(): void {
    this.segments.push({
      firstAt: isoOf(this.firstMs),
      lastAt: isoOf(this.lastMs),
      count: this.n,
      records: JSON.stringify({ strings: this.strings }),
      numbers: Buffer.from(this.numbers.buffer, 0, this.n * NUMBER_COLUMNS * 8),
      rules: [...this.rules].map(([rule, s]) => ({ rule, lastAt: isoOf(s.lastMs), count: s.count, contextCount: s.contextCount, contexts: s.contextCount > 0 ? `[${s.parts.join(',')}]` : null })),
      categories: [...this.categories].map(([category, ms]) => ({ category, lastAt: isoOf(ms) })),
    });
    this.strings = [];
    this.stringIndex = new Map();
    this.numbers = new Float64Array(Math.min(MAX_SEGMENT_RECORDS, Math.max(64, this.n)) * NUMBER_COLUMNS);
    this.rules = new Map();
    this.categories = new Map();
    this.firstMs = Infinity;
    this.lastMs = -Infinity;
    this.chars = 0;
    this.n = 0;
  }
}

/**
 * The binary form (what the writer stores since it was measured, issue 16): per decision
 * NUMBER_COLUMNS Float64 values, in this order — rule, version, decision, confidence,
 * durationMs, errorCode, correlationId, engineId, at (epoch ms), category — the string
 * fields as indexes into `records.strings` (-1: null). Writing numbers as JSON text was
 * two thirds of building a segment (0.23-0.28 µs a decision, mostly number-to-text);
 * Float64 keeps every number exactly. Little-endian, as on every platform Node runs on.
 */
const NUMBER_COLUMNS = 10;

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The segments of a write of records (SegmentBuilder). `contextText` gives a record's
 * context as stored (JSON text, or null for none); `defaultAt` stands for a record
 * without a time; a time that is no date is refused (StoreError).
 */
export function buildSegments(records: readonly ExecutionLogRecord[], contextText: (context: unknown) => string | null, defaultAt: string): { segments: SegmentWrite[]; stats: Map<string, RuleStats> } {
  const builder = new SegmentBuilder();
  // Records of one batch were made within milliseconds: the last `at` read is likely the next.
  let lastGiven: string | undefined;
  let lastMs = 0;
  for (const r of records) {
    const given = r.at ?? defaultAt;
    if (given !== lastGiven) lastMs = Date.parse(canonicalAt((lastGiven = given)));
    builder.add(r.rule, r.version, r.decision, r.confidence, r.durationMs, r.errorCode, r.correlationId, r.engineId, lastMs, r.category ?? null, contextText(r.context));
  }
  return { segments: builder.finish(), stats: builder.stats };
}

/** A segment's columns read back (either form); a damaged one is a StoreError that names it. */
export function decodeSegment(id: number, text: string, numbers: unknown): SegmentColumns {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoreError(`decision log segment ${id} is damaged (not JSON)`);
  }
  const damaged = (what: string): StoreError => new StoreError(`decision log segment ${id} is damaged (${what})`);
  if (typeof value !== 'object' || value === null) throw damaged('not an object');
  if (numbers !== null && numbers !== undefined) return decodeBinary(value as Record<string, unknown>, numbers, damaged);
  const cols = value as Record<string, unknown>;
  const length = Array.isArray(cols.rule) ? cols.rule.length : -1;
  for (const name of COLUMNS) {
    const column = cols[name];
    if (!Array.isArray(column) || column.length !== length) throw damaged(`column '${name}'`);
  }
  const at = cols.at as unknown[];
  for (const t of at) if (typeof t !== 'string') throw damaged("column 'at'");
  return cols as unknown as SegmentColumns;
}

/** The binary form (NUMBER_COLUMNS) with its strings table. */
function decodeBinary(value: Record<string, unknown>, numbers: unknown, damaged: (what: string) => StoreError): SegmentColumns {
  const strings = value.strings;
  if (!Array.isArray(strings)) throw damaged("column 'strings'");
  if (!(numbers instanceof Uint8Array) || numbers.byteLength % (NUMBER_COLUMNS * 8) !== 0) throw damaged('numbers');
  // A copy: a database driver's buffer need not be aligned for a Float64Array view.
  const f = new Float64Array(numbers.byteLength / 8);
  new Uint8Array(f.buffer).set(numbers);
  const n = f.length / NUMBER_COLUMNS;
  const str = (k: number, what: string): string | null => {
    if (k === -1) return null;
    const s: unknown = strings[k];
    if (typeof s !== 'string') throw damaged(what);
    return s;
  };
  const cols: SegmentColumns = { rule: [], version: [], decision: [], confidence: [], durationMs: [], errorCode: [], correlationId: [], engineId: [], at: [], category: [] };
  let lastMs = NaN;
  let lastIso = '';
  for (let i = 0; i < n; i++) {
    const o = i * NUMBER_COLUMNS;
    const rule = str(f[o] as number, "column 'rule'");
    if (rule === null) throw damaged("column 'rule'");
    cols.rule.push(rule);
    cols.version.push(f[o + 1] as number);
    cols.decision.push(str(f[o + 2] as number, "column 'decision'") ?? 'escalated');
    cols.confidence.push(f[o + 3] as number);
    cols.durationMs.push(f[o + 4] as number);
    cols.errorCode.push(str(f[o + 5] as number, "column 'errorCode'"));
    cols.correlationId.push(str(f[o + 6] as number, "column 'correlationId'"));
    cols.engineId.push(str(f[o + 7] as number, "column 'engineId'"));
    const ms = f[o + 8] as number;
    if (ms !== lastMs) {
      if (!Number.isFinite(ms)) throw damaged("column 'at'");
      lastIso = new Date((lastMs = ms)).toISOString();
    }
    cols.at.push(lastIso);
    cols.category.push(str(f[o + 9] as number, "column 'category'"));
  }
  return cols;
}

/** A rule's contexts array read back (JSON values, null for none). */
export function decodeContexts(id: number, rule: string, text: string): unknown[] {
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value)) return value;
  } catch {
    // reported below
  }
  throw new StoreError(`decision log segment ${id} is damaged (the contexts of rule '${rule}')`);
}

/** Decision `i` of a segment's columns, without its context. */
export function decisionAt(cols: SegmentColumns, i: number): DecisionRecord {
  return {
    rule: cols.rule[i] as string,
    version: Number(cols.version[i]),
    decision: cols.decision[i] as DecisionRecord['decision'],
    confidence: Number(cols.confidence[i]),
    durationMs: Number(cols.durationMs[i]),
    errorCode: cols.errorCode[i] ?? null,
    correlationId: cols.correlationId[i] ?? null,
    engineId: cols.engineId[i] ?? null,
    at: cols.at[i] as string,
    category: cols.category[i] ?? null,
  };
}

/** The position of each record among its rule's records in the segment (what indexes that rule's contexts array). */
export function rulePositions(cols: SegmentColumns): number[] {
  const seen = new Map<string, number>();
  return cols.rule.map((rule) => {
    const k = seen.get(rule) ?? 0;
    seen.set(rule, k + 1);
    return k;
  });
}

/**
 * The text of a multi-row INSERT of `rows` rows of `columns` into `table`; the same
 * text object each time (issue 16): the driver finds its prepared statement by the
 * text, and hashing a freshly built string for every write cost more than the lookup.
 */
const insertSql = new Map<string, string>();
function multiInsert(table: string, columns: string, rows: number): string {
  const key = `${table} ${rows}`;
  let sql = insertSql.get(key);
  if (sql === undefined) {
    const one = `(${columns.split(',').map(() => '?').join(', ')})`;
    insertSql.set(key, (sql = `INSERT INTO ${table} (${columns}) VALUES ${Array.from({ length: rows }, () => one).join(', ')}`));
  }
  return sql;
}

/** Writes one segment and its rule and category rows (inside the caller's transaction); answers its id. */
export async function insertSegment(tx: SqlQueryer, segment: SegmentWrite): Promise<number> {
  const [row] = await tx.all('INSERT INTO decision_segments (first_at, last_at, count, records, numbers) VALUES (?, ?, ?, ?, ?) RETURNING id', [segment.firstAt, segment.lastAt, segment.count, segment.records, segment.numbers]);
  const id = Number(row?.id);
  await insertSegmentRows(tx, id, segment.rules, segment.categories);
  return id;
}

/** A segment's rule and category rows, ROWS_PER_INSERT at a time (a batch may hold many rules; bound parameters are limited). */
export async function insertSegmentRows(tx: SqlQueryer, id: number, rules: readonly SegmentRule[], categories: readonly SegmentCategory[]): Promise<void> {
  for (let i = 0; i < rules.length; i += ROWS_PER_INSERT) {
    const chunk = rules.slice(i, i + ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (const r of chunk) params.push(id, r.rule, r.lastAt, r.count, r.contextCount, r.contexts);
    await tx.run(multiInsert('decision_segment_rules', 'segment_id,rule_name,last_at,count,context_count,contexts', chunk.length), params);
  }
  for (let i = 0; i < categories.length; i += ROWS_PER_INSERT) {
    const chunk = categories.slice(i, i + ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (const c of chunk) params.push(id, c.category, c.lastAt);
    await tx.run(multiInsert('decision_segment_categories', 'segment_id,category,last_at', chunk.length), params);
  }
}

const ROWS_PER_INSERT = 200;

/**
 * The elements of a JSON array's text, each as its own text, without parsing them:
 * rewriting a rule's contexts (the retention drops some) keeps the others exactly as
 * they were stored (a parse and serialize would round large integers, for one).
 */
export function splitJsonArray(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
      if (depth === 1) {
        start = i + 1;
        continue;
      }
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '' || out.length > 0) out.push(last);
        break;
      }
    } else if (c === 44 /* , */ && depth === 1) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return out;
}
