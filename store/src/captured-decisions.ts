import { StoreError } from './errors';
import { decisionAt, decodeContexts, decodeSegment, rulePositions } from './decision-segments';
import { iso, num } from './row-mapping';
import type { Row, SqlQueryer } from './sql-driver';
import type { DecisionQuery, DecisionRecord } from './types';

/**
 * The captured decision log read back (issue 13): `DecisionLog.decisions()` for
 * `lua-rules decisions`, impact analysis and shadow runs. One SQL text for every
 * backend; the log is stored in segments (migration 8, decision-segments.ts), found
 * through the indexes of their rule and category rows.
 */

/** A query the store cannot answer as asked (a bad `since`, a bad `limit`): bad input, exit 2 in the CLI. */
export class InvalidQueryError extends StoreError {
  override name = 'InvalidQueryError';
}

/**
 * A context that is already JSON text (the log's thread receives contexts serialized,
 * and without masks to apply there is no reason to parse and serialize them again).
 * Anything that serializes it anyway gets the value back (`toJSON`).
 */
export class JsonText {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text) as unknown;
  }
}

/**
 * Contexts larger than this (as JSON text) are stored with no decision and no
 * disagreement: the decision is recorded without its context, and counted. A request
 * body may be up to `--max-body` (1 MiB by default), and the log keeps 10,000 contexts
 * per rule: without a bound one client sending large bodies fills the store's disk by
 * tens of gigabytes (the last note's "captured contexts have no size cap").
 */
export const MAX_STORED_CONTEXT_CHARS = 64 * 1024;

/** The context as stored: JSON text, or NULL when there is none (or it cannot be JSON). */
export function contextText(context: unknown): string | null {
  if (context === undefined) return null;
  if (context instanceof JsonText) return context.text.length <= MAX_STORED_CONTEXT_CHARS ? context.text : null;
  try {
    const text = JSON.stringify(context) ?? null;
    return text !== null && text.length <= MAX_STORED_CONTEXT_CHARS ? text : null;
  } catch {
    // A cycle or a BigInt cannot come from a JSON request body; a caller passing one
    // loses the context, never the decision.
    return null;
  }
}

/** Checks a query and turns `since` into the stored timestamp form (ISO, UTC, milliseconds). */
export function normalizeQuery(query: DecisionQuery): DecisionQuery & { sinceIso?: string } {
  const out: DecisionQuery & { sinceIso?: string } = { ...query };
  if (query.since !== undefined) {
    const t = Date.parse(query.since);
    if (typeof query.since !== 'string' || Number.isNaN(t)) throw new InvalidQueryError(`since must be an ISO date-time (like 2026-11-30T12:00:00Z), not ${JSON.stringify(query.since)}`);
    out.sinceIso = new Date(t).toISOString();
  }
  if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 1)) {
    throw new InvalidQueryError(`limit must be a whole number of at least 1, not ${JSON.stringify(query.limit)}`);
  }
  return out;
}

/** A decision found by a query, with where it is stored (its order among equal times). */
interface Found {
  record: DecisionRecord;
  segment: number;
  index: number;
}

/** Newest first: by time, then by where written (a later segment, a later place in it), as rows by `at` then `id` were. */
function newestFirst(a: Found, b: Found): number {
  if (a.record.at !== b.record.at) return a.record.at < b.record.at ? 1 : -1;
  return b.segment - a.segment || b.index - a.index;
}

/**
 * Segments read per round trip while looking for matches, at most. With a limit the
 * walk starts with one and doubles: a segment may hold 5,000 decisions, and
 * `decisions --limit 20` should not decode 32 of them.
 */
const SEGMENTS_PER_PAGE = 32;

/**
 * The decisions that match, newest first (migration 8: segments, decision-segments.ts).
 * The segments that may hold a match are walked by their latest time, newest first,
 * through the rule's or the category's rows when the query names one; with a limit the
 * walk stops once no further segment can hold a decision newer than the last one kept.
 */
export async function queryDecisions(db: SqlQueryer, query: DecisionQuery): Promise<DecisionRecord[]> {
  const q = normalizeQuery(query);
  const withContext = q.withContext === true || q.captured === true;
  const where: string[] = [];
  const params: unknown[] = [];
  let table = 'decision_segments';
  let idColumn = 'id';
  if (q.rule !== undefined) {
    table = 'decision_segment_rules';
    idColumn = 'segment_id';
    where.push('rule_name = ?');
    params.push(q.rule);
    if (q.captured === true) where.push('context_count > 0');
  } else if (q.category !== undefined) {
    table = 'decision_segment_categories';
    idColumn = 'segment_id';
    where.push('category = ?');
    params.push(q.category);
  }
  if (q.sinceIso !== undefined) {
    where.push('last_at >= ?');
    params.push(q.sinceIso);
  }
  const found: Found[] = [];
  let cursor: { lastAt: string; id: number } | undefined;
  let pageSize = q.limit === undefined ? SEGMENTS_PER_PAGE : 1;
  for (;;) {
    const pageWhere = [...where];
    const pageParams = [...params];
    if (cursor !== undefined) {
      pageWhere.push(`(last_at < ? OR (last_at = ? AND ${idColumn} < ?))`);
      pageParams.push(cursor.lastAt, cursor.lastAt, cursor.id);
    }
    const page = await db.all(
      `SELECT ${idColumn} AS id, last_at FROM ${table}${pageWhere.length > 0 ? ` WHERE ${pageWhere.join(' AND ')}` : ''} ORDER BY last_at DESC, ${idColumn} DESC LIMIT ${pageSize}`,
      pageParams,
    );
    if (page.length === 0) break;
    await readSegments(
      db,
      page.map((r) => num(r.id)),
      q,
      withContext,
      found,
    );
    const last = page[page.length - 1] as Row;
    cursor = { lastAt: iso(last.last_at), id: num(last.id) };
    if (q.limit !== undefined && found.length >= q.limit) {
      found.sort(newestFirst);
      found.length = q.limit;
      // Every segment not read yet holds nothing later than the cursor's time.
      if (cursor.lastAt < (found[q.limit - 1] as Found).record.at) break;
    }
    if (page.length < pageSize) break;
    pageSize = Math.min(SEGMENTS_PER_PAGE, pageSize * 2);
  }
  found.sort(newestFirst);
  if (q.limit !== undefined && found.length > q.limit) found.length = q.limit;
  return found.map((f) => f.record);
}

/** The matching decisions of the segments `ids`, added to `found`. */
async function readSegments(db: SqlQueryer, ids: number[], q: DecisionQuery & { sinceIso?: string }, withContext: boolean, found: Found[]): Promise<void> {
  const marks = ids.map(() => '?').join(', ');
  const rows = await db.all(`SELECT id, records, numbers FROM decision_segments WHERE id IN (${marks})`, ids);
  const contexts = new Map<string, unknown[]>();
  if (withContext) {
    const ruleRows = await db.all(
      `SELECT segment_id, rule_name, contexts FROM decision_segment_rules WHERE segment_id IN (${marks}) AND contexts IS NOT NULL${q.rule !== undefined ? ' AND rule_name = ?' : ''}`,
      q.rule !== undefined ? [...ids, q.rule] : ids,
    );
    for (const r of ruleRows) contexts.set(`${num(r.segment_id)}\u0000${String(r.rule_name)}`, decodeContexts(num(r.segment_id), String(r.rule_name), String(r.contexts)));
  }
  for (const row of rows) {
    const segment = num(row.id);
    const cols = decodeSegment(segment, String(row.records), row.numbers);
    const positions = withContext ? rulePositions(cols) : undefined;
    for (let i = 0; i < cols.rule.length; i++) {
      const rule = cols.rule[i] as string;
      const at = cols.at[i] as string;
      if (q.rule !== undefined && rule !== q.rule) continue;
      if (q.category !== undefined && cols.category[i] !== q.category) continue;
      if (q.sinceIso !== undefined && at < q.sinceIso) continue;
      const context = positions === undefined ? undefined : contexts.get(`${segment}\u0000${rule}`)?.[positions[i] as number];
      const captured = context !== undefined && context !== null;
      if (q.captured === true && !captured) continue;
      const record = decisionAt(cols, i);
      if (captured) record.context = context;
      found.push({ record, segment, index: i });
    }
  }
}

/**
 * One decision as `lua-rules decisions --json` prints it and the JSON-lines sink writes
 * it (the same fields, in this order): `engine` is the engine id; `context` only when
 * one was captured.
 */
export function decisionJson(d: DecisionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    at: d.at,
    rule: d.rule,
    version: d.version,
    category: d.category,
    decision: d.decision,
    confidence: d.confidence,
    errorCode: d.errorCode,
    durationMs: d.durationMs,
    correlationId: d.correlationId,
    engine: d.engineId,
  };
  if (d.context !== undefined) out.context = d.context;
  return out;
}
