import { StoreError } from './errors';
import type { SqlQueryer } from './sql-driver';
import type { ExecutionLogRecord } from './types';

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
 * per-rule bound and rule lookups) and one per category: measured 0.7 µs per decision to
 * write, and about 0.1 µs to delete.
 *
 * A segment's `records` text is a JSON object of columns, each an array with one entry
 * per decision, in the order written (the insertion order the row bound and the
 * context bound follow):
 *
 *   {"rule":[...],"version":[...],"decision":[...],"confidence":[...],"durationMs":[...],
 *    "errorCode":[...],"correlationId":[...],"engineId":[...],"at":[...],"category":[...]}
 *
 * `at` entries are ISO UTC with milliseconds (`toISOString`), so they sort as text. The
 * contexts live beside it, per rule (`decision_segment_rules.contexts`): a JSON array
 * with one entry per decision of that rule in the segment, in order, the context or
 * null. Columns, not an array per record: JSON.stringify of ten arrays is a fraction
 * of the cost of an array per record, and migration 8 builds the same text in SQL
 * (json_group_array / json_agg) from the rows it converts.
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
  records: string;
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

/** The segments of a write: cut at MAX_SEGMENT_RECORDS decisions or MAX_SEGMENT_CONTEXT_CHARS of context text, whichever comes first. */
export function buildSegments(records: readonly ExecutionLogRecord[], contextText: (context: unknown) => string | null, defaultAt: string): SegmentWrite[] {
  const out: SegmentWrite[] = [];
  let start = 0;
  let chars = 0;
  for (let i = 0; i < records.length; i++) {
    const size = contextText((records[i] as ExecutionLogRecord).context)?.length ?? 0;
    if (i > start && (i - start >= MAX_SEGMENT_RECORDS || chars + size > MAX_SEGMENT_CONTEXT_CHARS)) {
      out.push(buildSegment(records.slice(start, i), contextText, defaultAt));
      start = i;
      chars = 0;
    }
    chars += size;
  }
  if (records.length > start) out.push(buildSegment(start === 0 ? records : records.slice(start), contextText, defaultAt));
  return out;
}

/**
 * The segment of `records` (at most MAX_SEGMENT_RECORDS). `contextText` gives a
 * record's context as stored (JSON text, or null for none); `defaultAt` stands for a
 * record without a time.
 */
export function buildSegment(records: readonly ExecutionLogRecord[], contextText: (context: unknown) => string | null, defaultAt: string): SegmentWrite {
  const n = records.length;
  const cols: SegmentColumns = { rule: new Array(n), version: new Array(n), decision: new Array(n), confidence: new Array(n), durationMs: new Array(n), errorCode: new Array(n), correlationId: new Array(n), engineId: new Array(n), at: new Array(n), category: new Array(n) };
  const rules = new Map<string, { lastAt: string; count: number; contextCount: number; parts: string[] }>();
  const categories = new Map<string, string>();
  let firstAt = '';
  let lastAt = '';
  // Records of one batch were made within milliseconds: the last `at` checked is likely the next.
  let lastGiven: string | undefined;
  let lastCanonical = '';
  for (let i = 0; i < n; i++) {
    const r = records[i] as ExecutionLogRecord;
    const given = r.at ?? defaultAt;
    const at = given === lastGiven ? lastCanonical : (lastCanonical = canonicalAt((lastGiven = given)));
    cols.rule[i] = r.rule;
    cols.version[i] = r.version;
    cols.decision[i] = r.decision;
    cols.confidence[i] = r.confidence;
    cols.durationMs[i] = r.durationMs;
    cols.errorCode[i] = r.errorCode;
    cols.correlationId[i] = r.correlationId;
    cols.engineId[i] = r.engineId;
    cols.at[i] = at;
    const category = r.category ?? null;
    cols.category[i] = category;
    if (i === 0 || at < firstAt) firstAt = at;
    if (at > lastAt) lastAt = at;
    let share = rules.get(r.rule);
    if (share === undefined) rules.set(r.rule, (share = { lastAt: at, count: 0, contextCount: 0, parts: [] }));
    else if (at > share.lastAt) share.lastAt = at;
    share.count++;
    const text = contextText(r.context);
    if (text === null) share.parts.push('null');
    else {
      share.parts.push(text);
      share.contextCount++;
    }
    if (category !== null) {
      const seen = categories.get(category);
      if (seen === undefined || at > seen) categories.set(category, at);
    }
  }
  return {
    firstAt,
    lastAt,
    count: n,
    records: JSON.stringify(cols),
    rules: [...rules].map(([rule, s]) => ({ rule, lastAt: s.lastAt, count: s.count, contextCount: s.contextCount, contexts: s.contextCount > 0 ? `[${s.parts.join(',')}]` : null })),
    categories: [...categories].map(([category, at]) => ({ category, lastAt: at })),
  };
}

/** A segment's columns read back; a damaged one is a StoreError that names it. */
export function decodeSegment(id: number, text: string): SegmentColumns {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoreError(`decision log segment ${id} is damaged (not JSON)`);
  }
  const cols = value as Partial<Record<keyof SegmentColumns, unknown>>;
  const length = Array.isArray(cols.rule) ? cols.rule.length : -1;
  for (const name of COLUMNS) {
    const column = cols[name];
    if (!Array.isArray(column) || column.length !== length) throw new StoreError(`decision log segment ${id} is damaged (column '${name}')`);
  }
  return value as SegmentColumns;
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

/** The records of `cols` whose index passes `keep`, as a new set of columns. */
export function keepColumns(cols: SegmentColumns, keep: (index: number) => boolean): SegmentColumns {
  const out = Object.fromEntries(COLUMNS.map((name) => [name, [] as unknown[]])) as unknown as Record<keyof SegmentColumns, unknown[]>;
  const length = cols.rule.length;
  for (let i = 0; i < length; i++) {
    if (!keep(i)) continue;
    for (const name of COLUMNS) out[name].push(cols[name][i]);
  }
  return out as unknown as SegmentColumns;
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
  const [row] = await tx.all('INSERT INTO decision_segments (first_at, last_at, count, records) VALUES (?, ?, ?, ?) RETURNING id', [segment.firstAt, segment.lastAt, segment.count, segment.records]);
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
