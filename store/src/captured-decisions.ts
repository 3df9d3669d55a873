import { StoreError } from './errors';
import { iso, num, strOrNull } from './row-mapping';
import type { Row, SqlQueryer } from './sql-driver';
import type { DecisionQuery, DecisionRecord, ExecutionLogRecord } from './types';

/**
 * The captured decision log read back (issue 13): `DecisionLog.decisions()` for
 * `lua-rules decisions`, impact analysis and shadow runs. One SQL text for every
 * backend; the indexes it relies on are migration 003's.
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

/** Newest first; `at` then `id`, so rows written in one batch (one `at` on some clocks) keep their order. */
export async function queryDecisions(db: SqlQueryer, query: DecisionQuery): Promise<DecisionRecord[]> {
  const q = normalizeQuery(query);
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.rule !== undefined) {
    where.push('e.rule_name = ?');
    params.push(q.rule);
  }
  if (q.category !== undefined) {
    where.push('e.category = ?');
    params.push(q.category);
  }
  if (q.sinceIso !== undefined) {
    where.push('e.at >= ?');
    params.push(q.sinceIso);
  }
  // Contexts live in their own table (migration 7): joined when asked for; only the
  // decisions that kept one when `captured` (an inner join).
  const withContext = q.withContext === true || q.captured === true;
  const join = q.captured === true ? ' JOIN decision_contexts c ON c.execution_id = e.id' : withContext ? ' LEFT JOIN decision_contexts c ON c.execution_id = e.id' : '';
  const columns = `e.id, e.rule_name, e.version, e.decision, e.confidence, e.duration_ms, e.error_code, e.correlation_id, e.engine_id, e.at, e.category${withContext ? ', c.context' : ''}`;
  let sql = `SELECT ${columns} FROM executions e${join}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY e.at DESC, e.id DESC`;
  if (q.limit !== undefined) {
    sql += ' LIMIT ?';
    params.push(q.limit);
  }
  const rows = await db.all(sql, params);
  return rows.map((r) => toDecision(r, withContext));
}

function toDecision(r: Row, withContext: boolean): DecisionRecord {
  const record: DecisionRecord = {
    rule: String(r.rule_name),
    version: num(r.version),
    decision: String(r.decision) as ExecutionLogRecord['decision'],
    confidence: num(r.confidence),
    durationMs: num(r.duration_ms),
    errorCode: strOrNull(r.error_code),
    correlationId: strOrNull(r.correlation_id),
    engineId: strOrNull(r.engine_id),
    at: iso(r.at),
    category: strOrNull(r.category),
  };
  if (withContext && r.context !== null && r.context !== undefined) record.context = JSON.parse(String(r.context)) as unknown;
  return record;
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
