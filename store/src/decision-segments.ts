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
 * per-rule bound and rule lookups) and one per category: bench/decision-log-cost.ts
 * measured 1.9 µs of CPU per decision to write and 0.1 µs to prune, against 6.4 and 1.5
 * in the same run with a row per decision.
 *
 * A segment's `records` text is a JSON object of columns, each an array with one entry
 * per decision, in the order written (the insertion order the row bound and the
 * context bound follow): `rule`, `version`, `decision`, `confidence`, `durationMs`,
 * `errorCode`, `correlationId`, `engineId`, `at`, `category`. The writer stores the
 * string columns as indexes into a `strings` table and `at` as epoch milliseconds
 * (StoredColumns below); migration 8 builds the plain form in SQL (values inline, `at`
 * as ISO text), and the reader takes both. Times are read back as ISO UTC with
 * milliseconds, so they sort as text. The contexts live beside it, per rule
 * (`decision_segment_rules.contexts`): a JSON array with one entry per decision of that
 * rule in the segment, in order, the context or null. Columns, not an array per
 * record: JSON.stringify of ten arrays is a fraction of the cost of an array per record.
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
  // The stored form (see StoredColumns): strings by their index in one table, times in ms.
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const str = (value: string | null): number => {
    if (value === null) return -1;
    let k = stringIndex.get(value);
    if (k === undefined) {
      k = strings.push(value) - 1;
      stringIndex.set(value, k);
    }
    return k;
  };
  const rule = new Array<number>(n);
  const version = new Array<number>(n);
  const decision = new Array<number>(n);
  const confidence = new Array<number>(n);
  const durationMs = new Array<number>(n);
  const errorCode = new Array<number>(n);
  const correlationId = new Array<number>(n);
  const engineId = new Array<number>(n);
  const atMs = new Array<number>(n);
  const categoryColumn = new Array<number>(n);
  const rules = new Map<string, { lastAt: string; count: number; contextCount: number; parts: string[] }>();
  const categories = new Map<string, string>();
  let firstAt = '';
  let lastAt = '';
  // Records of one batch were made within milliseconds: the last `at` checked is likely the next.
  let lastGiven: string | undefined;
  let lastCanonical = '';
  let lastMs = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i] as ExecutionLogRecord;
    const given = r.at ?? defaultAt;
    if (given !== lastGiven) {
      lastCanonical = canonicalAt((lastGiven = given));
      lastMs = Date.parse(lastCanonical);
    }
    const at = lastCanonical;
    rule[i] = str(r.rule);
    version[i] = r.version;
    decision[i] = str(r.decision);
    confidence[i] = r.confidence;
    durationMs[i] = r.durationMs;
    errorCode[i] = str(r.errorCode);
    // The rules of one category evaluation share their correlation id: one entry in the table.
    correlationId[i] = str(r.correlationId);
    engineId[i] = str(r.engineId);
    atMs[i] = lastMs;
    const category = r.category ?? null;
    categoryColumn[i] = str(category);
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
  const stored: StoredColumns = { strings, rule, version, decision, confidence, durationMs, errorCode, correlationId, engineId, at: atMs, category: categoryColumn };
  return {
    firstAt,
    lastAt,
    count: n,
    records: JSON.stringify(stored),
    rules: [...rules].map(([name, s]) => ({ rule: name, lastAt: s.lastAt, count: s.count, contextCount: s.contextCount, contexts: s.contextCount > 0 ? `[${s.parts.join(',')}]` : null })),
    categories: [...categories].map(([name, at]) => ({ category: name, lastAt: at })),
  };
}

/**
 * A segment's `records` as the writer stores them: the string columns (rule, decision,
 * errorCode, correlationId, engineId, category) as indexes into `strings` (-1 for
 * null), `at` as epoch milliseconds. Rule names, decisions and categories repeat in
 * every batch and a correlation id once per rule of a category: the table made a
 * segment about a third smaller and its JSON faster to write. The reader also takes
 * columns of the values themselves (no `strings`, `at` as ISO text), the form
 * migration 8 builds in SQL from the rows it converts.
 */
interface StoredColumns {
  strings: string[];
  rule: number[];
  version: number[];
  decision: number[];
  confidence: number[];
  durationMs: number[];
  errorCode: number[];
  correlationId: number[];
  engineId: number[];
  at: number[];
  category: number[];
}

const STRING_COLUMNS = ['rule', 'decision', 'errorCode', 'correlationId', 'engineId', 'category'] as const;

/** A segment's columns read back; a damaged one is a StoreError that names it. */
export function decodeSegment(id: number, text: string): SegmentColumns {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StoreError(`decision log segment ${id} is damaged (not JSON)`);
  }
  const damaged = (what: string): StoreError => new StoreError(`decision log segment ${id} is damaged (${what})`);
  if (typeof value !== 'object' || value === null) throw damaged('not an object');
  const cols = value as Record<string, unknown>;
  const length = Array.isArray(cols.rule) ? cols.rule.length : -1;
  for (const name of COLUMNS) {
    const column = cols[name];
    if (!Array.isArray(column) || column.length !== length) throw damaged(`column '${name}'`);
  }
  const strings = cols.strings;
  if (strings !== undefined) {
    if (!Array.isArray(strings)) throw damaged("column 'strings'");
    for (const name of STRING_COLUMNS) {
      cols[name] = (cols[name] as unknown[]).map((k) => {
        if (k === -1) return null;
        const s: unknown = strings[k as number];
        if (typeof s !== 'string') throw damaged(`column '${name}'`);
        return s;
      });
    }
  }
  const at = cols.at as unknown[];
  let lastMs = NaN;
  let lastIso = '';
  for (let i = 0; i < at.length; i++) {
    const t = at[i];
    if (typeof t === 'number') {
      if (t !== lastMs) {
        if (!Number.isFinite(t)) throw damaged("column 'at'");
        lastIso = new Date((lastMs = t)).toISOString();
      }
      at[i] = lastIso;
    } else if (typeof t !== 'string') throw damaged("column 'at'");
  }
  return cols as unknown as SegmentColumns;
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
