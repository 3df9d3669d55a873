import type { Decision } from '../../core/src/model/decision';
import type { RuleKind } from '../../core/src/model/rule';
import { InvalidRuleError, StoreError, UnknownRuleError } from './errors';
import { fromStored, type StorableRule } from './rule-content';
import { evidenceOf, iso, isoOrNull, now, num, numOrNull, strOrNull } from './row-mapping';
import type { Row, SqlQueryer } from './sql-driver';
import { MAX_STORED_CONTEXT_CHARS } from './captured-decisions';
import { appendChange } from './version-writer';
import type { LiveShadow, ShadowDisagreement, ShadowEndReason, ShadowRecord, ShadowResultBatch, StoredContextSchema, VersionEvidence } from './types';

/**
 * Shadow runs in SQL (issue 13; schema: migrations/005-shadow-runs.ts). The writes
 * that start, stop and promote a shadow run inside the store's write transaction, so
 * their `shadow`/`shadow-ended` change rows are numbered in commit order like every
 * other change; engines' results go through a `log` transaction (never queued behind
 * publishes).
 */

/** Disagreement rows kept per shadow (the newest); the counts stay exact beyond it. */
export const DISAGREEMENTS_KEPT = 10_000;

/** A shadow request that cannot be honoured as asked (no live version, no shadow running, ...): bad input. */
export class ShadowError extends InvalidRuleError {
  override name = 'ShadowError';
}

/** The shadow changed between reading it and writing (someone replaced or stopped it): refused, nothing written. */
export class ShadowConflictError extends StoreError {
  override name = 'ShadowConflictError';
}

export interface ShadowWrite {
  author: string;
  message: string | null;
  fileName: string;
  fixtures: string | null;
  contextSchema: StoredContextSchema | null;
  evidence: VersionEvidence | null;
}

const SHADOW_COLUMNS = `s.id, s.number, s.kind, s.content, s.checksum, s.metadata, s.file_name, s.fixtures, s.context_schema, s.evidence, s.author, s.message,
  s.live_version, s.started_at, s.ended_at, s.ended_by, s.end_reason, s.promoted_to,
  COALESCE((SELECT SUM(c.compared) FROM shadow_counts c WHERE c.shadow_id = s.id), 0) AS compared,
  COALESCE((SELECT SUM(c.agreed) FROM shadow_counts c WHERE c.shadow_id = s.id), 0) AS agreed`;

export function toShadowRecord(rule: string, r: Row): ShadowRecord {
  return {
    rule,
    number: num(r.number),
    kind: String(r.kind) as RuleKind,
    content: String(r.content),
    checksum: String(r.checksum),
    fileName: String(r.file_name),
    fixtures: strOrNull(r.fixtures),
    contextSchema: r.context_schema === null || r.context_schema === undefined ? null : (JSON.parse(String(r.context_schema)) as StoredContextSchema),
    evidence: evidenceOf(r),
    author: String(r.author),
    message: strOrNull(r.message),
    liveVersion: numOrNull(r.live_version),
    startedAt: iso(r.started_at),
    endedAt: isoOrNull(r.ended_at),
    endedBy: strOrNull(r.ended_by),
    endReason: strOrNull(r.end_reason) as ShadowEndReason | null,
    promotedTo: numOrNull(r.promoted_to),
    compared: num(r.compared),
    agreed: num(r.agreed),
  };
}

async function ruleRow(tx: SqlQueryer, rule: string): Promise<{ id: number; live: number | null }> {
  const row = (await tx.all('SELECT id, live_version FROM rules WHERE name = ?', [rule]))[0];
  if (row === undefined) throw new UnknownRuleError(rule);
  return { id: num(row.id), live: numOrNull(row.live_version) };
}

/** The rule's running shadow with its counts, or undefined. */
export async function runningShadow(tx: SqlQueryer, rule: string): Promise<(ShadowRecord & { id: number; metadata: string }) | undefined> {
  const { id } = await ruleRow(tx, rule);
  const row = (await tx.all(`SELECT ${SHADOW_COLUMNS} FROM shadows s WHERE s.rule_id = ? AND s.ended_at IS NULL`, [id]))[0];
  return row === undefined ? undefined : { ...toShadowRecord(rule, row), id: num(row.id), metadata: String(row.metadata) };
}

async function endShadow(tx: SqlQueryer, rule: string, shadow: { id: number; number: number }, by: string, reason: ShadowEndReason, at: string, promotedTo: number | null = null): Promise<void> {
  await tx.run('UPDATE shadows SET ended_at = ?, ended_by = ?, end_reason = ?, promoted_to = ? WHERE id = ?', [at, by, reason, promotedTo, shadow.id]);
  await appendChange(tx, rule, shadow.number, 'shadow-ended', at);
}

/**
 * Starts a shadow of `s` against the rule's live version, replacing the running one
 * (at most one per rule: the newest is the one worth comparing). The same content as
 * the running shadow writes nothing; the live version's own content is refused.
 */
export async function writeShadow(tx: SqlQueryer, s: StorableRule, w: ShadowWrite): Promise<{ record: ShadowRecord; created: boolean; replaced: number | null }> {
  const at = now();
  const rule = await ruleRow(tx, s.name);
  if (rule.live === null) throw new ShadowError(`rule "${s.name}" has no live version to shadow; publish it first`);
  const live = (await tx.all('SELECT checksum FROM rule_versions WHERE rule_id = ? AND number = ?', [rule.id, rule.live]))[0];
  if (live !== undefined && String(live.checksum) === s.checksum) throw new ShadowError(`this content is "${s.name}"'s live version ${rule.live}; a shadow must differ from what it is compared with`);
  const running = await runningShadow(tx, s.name);
  if (running !== undefined && running.checksum === s.checksum) return { record: running, created: false, replaced: null };
  if (running !== undefined) await endShadow(tx, s.name, running, w.author, 'replaced', at);
  const next = (await tx.all('SELECT COALESCE(MAX(number), 0) + 1 AS n FROM shadows WHERE rule_id = ?', [rule.id]))[0];
  const number = num(next?.n ?? 1);
  const schema = w.contextSchema === null ? null : JSON.stringify(w.contextSchema);
  const evidence = w.evidence === null ? null : JSON.stringify(w.evidence);
  await tx.run(
    `INSERT INTO shadows (rule_id, number, kind, content, checksum, metadata, file_name, fixtures, context_schema, evidence, author, message, live_version, started_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [rule.id, number, s.kind, s.content, s.checksum, JSON.stringify(s.metadata), w.fileName, w.fixtures, schema, evidence, w.author, w.message, rule.live, at],
  );
  await appendChange(tx, s.name, number, 'shadow', at);
  const record: ShadowRecord = {
    rule: s.name,
    number,
    kind: s.kind,
    content: s.content,
    checksum: s.checksum,
    fileName: w.fileName,
    fixtures: w.fixtures,
    contextSchema: w.contextSchema,
    evidence: w.evidence,
    author: w.author,
    message: w.message,
    liveVersion: rule.live,
    startedAt: at,
    endedAt: null,
    endedBy: null,
    endReason: null,
    promotedTo: null,
    compared: 0,
    agreed: 0,
  };
  return { record, created: true, replaced: running?.number ?? null };
}

/** Ends the rule's running shadow as stopped. */
export async function writeStopShadow(tx: SqlQueryer, rule: string, by: string): Promise<ShadowRecord> {
  const running = await runningShadow(tx, rule);
  if (running === undefined) throw new ShadowError(`rule "${rule}" has no shadow running`);
  const at = now();
  await endShadow(tx, rule, running, by, 'stopped', at);
  return { ...stripped(running), endedAt: at, endedBy: by, endReason: 'stopped' };
}

/** Inside the promotion's transaction, after its version is written: ends shadow `number` as promoted to `version`. */
export async function writePromotedShadow(tx: SqlQueryer, rule: string, number: number, by: string, version: number): Promise<ShadowRecord> {
  const running = await runningShadow(tx, rule);
  if (running === undefined || running.number !== number) {
    throw new ShadowConflictError(`the shadow of "${rule}" changed meanwhile (shadow ${number} is no longer running); nothing was written — look at 'lua-rules shadow ${rule}' and promote again`);
  }
  const at = now();
  await endShadow(tx, rule, running, by, 'promoted', at, version);
  return { ...stripped(running), endedAt: at, endedBy: by, endReason: 'promoted', promotedTo: version };
}

function stripped(r: ShadowRecord & { id: number; metadata: string }): ShadowRecord {
  const { id: _id, metadata: _metadata, ...record } = r;
  return record;
}

/** The storable form of a running shadow (what promotion publishes) and the definition engines run. */
export function shadowStorable(rule: string, r: { kind: RuleKind; content: string; checksum: string; metadata: string }): StorableRule {
  return { name: rule, kind: r.kind, content: r.content, checksum: r.checksum, metadata: JSON.parse(r.metadata) as StorableRule['metadata'] };
}

export async function readShadows(tx: SqlQueryer, rule: string): Promise<ShadowRecord[]> {
  const { id } = await ruleRow(tx, rule);
  return (await tx.all(`SELECT ${SHADOW_COLUMNS} FROM shadows s WHERE s.rule_id = ? ORDER BY s.number DESC`, [id])).map((r) => toShadowRecord(rule, r));
}

export async function readRunningShadows(tx: SqlQueryer, names?: string[]): Promise<LiveShadow[]> {
  const base = `SELECT r.name, s.number, s.kind, s.content, s.checksum, s.metadata FROM shadows s JOIN rules r ON r.id = s.rule_id WHERE s.ended_at IS NULL`;
  const rows: Row[] = [];
  if (names === undefined) rows.push(...(await tx.all(`${base} ORDER BY r.name`)));
  else {
    for (let i = 0; i < names.length; i += 500) {
      const chunk = names.slice(i, i + 500);
      if (chunk.length > 0) rows.push(...(await tx.all(`${base} AND r.name IN (${chunk.map(() => '?').join(', ')})`, chunk)));
    }
  }
  return rows.map((r) => {
    const number = num(r.number);
    const definition = fromStored(String(r.kind) as RuleKind, String(r.content), String(r.metadata), number);
    return { rule: String(r.name), number, definition: { ...definition, origin: `store:${String(r.name)}@shadow-${number}` }, checksum: String(r.checksum) };
  });
}

/** Adds an engine's counts and stores its disagreements (the newest DISAGREEMENTS_KEPT per shadow are kept). */
export async function writeShadowResults(tx: SqlQueryer, batch: ShadowResultBatch): Promise<void> {
  const at = now();
  const ids = new Map<string, number | null>();
  const idOf = async (rule: string, shadow: number): Promise<number | null> => {
    const key = `${shadow} ${rule}`;
    if (!ids.has(key)) {
      const row = (await tx.all('SELECT s.id FROM shadows s JOIN rules r ON r.id = s.rule_id WHERE r.name = ? AND s.number = ?', [rule, shadow]))[0];
      ids.set(key, row === undefined ? null : num(row.id));
    }
    return ids.get(key) ?? null;
  };
  for (const c of batch.counts) {
    const id = await idOf(c.rule, c.shadow);
    if (id === null || c.compared === 0) continue;
    await tx.run(
      `INSERT INTO shadow_counts (shadow_id, engine_id, compared, agreed, last_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (shadow_id, engine_id) DO UPDATE SET compared = shadow_counts.compared + excluded.compared,
         agreed = shadow_counts.agreed + excluded.agreed, last_at = excluded.last_at`,
      [id, batch.engineId, c.compared, c.agreed, at],
    );
  }
  const touched = new Set<number>();
  const rows: unknown[][] = [];
  for (const d of batch.disagreements) {
    const id = await idOf(d.rule, d.shadow);
    if (id === null) continue;
    touched.add(id);
    const context = d.context === null || d.context === undefined ? null : JSON.stringify(d.context);
    rows.push([
      id,
      d.liveVersion,
      d.live.decision,
      d.live.confidence,
      d.live.errorCode,
      d.shadowAnswer.decision,
      d.shadowAnswer.confidence,
      d.shadowAnswer.errorCode,
      context !== null && context.length <= MAX_STORED_CONTEXT_CHARS ? context : null,
      d.correlationId,
      d.engineId ?? batch.engineId,
      d.at,
    ]);
  }
  for (let i = 0; i < rows.length; i += 50) {
    const chunk = rows.slice(i, i + 50);
    await tx.run(
      `INSERT INTO shadow_disagreements (shadow_id, live_version, live_decision, live_confidence, live_error, shadow_decision, shadow_confidence, shadow_error, context, correlation_id, engine_id, at)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flat(),
    );
  }
  for (const id of touched) {
    await tx.run(
      `DELETE FROM shadow_disagreements WHERE shadow_id = ? AND id < (SELECT id FROM shadow_disagreements WHERE shadow_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      [id, id, DISAGREEMENTS_KEPT - 1],
    );
  }
}

export async function readDisagreements(tx: SqlQueryer, rule: string, shadow: number, limit: number): Promise<ShadowDisagreement[]> {
  const { id } = await ruleRow(tx, rule);
  const rows = await tx.all(
    `SELECT d.* FROM shadow_disagreements d JOIN shadows s ON s.id = d.shadow_id WHERE s.rule_id = ? AND s.number = ? ORDER BY d.id DESC LIMIT ?`,
    [id, shadow, limit],
  );
  return rows.map((r) => ({
    rule,
    shadow,
    liveVersion: num(r.live_version),
    live: { decision: String(r.live_decision) as Decision, confidence: num(r.live_confidence), errorCode: strOrNull(r.live_error) },
    shadowAnswer: { decision: String(r.shadow_decision) as Decision, confidence: num(r.shadow_confidence), errorCode: strOrNull(r.shadow_error) },
    context: r.context === null || r.context === undefined ? null : (JSON.parse(String(r.context)) as unknown),
    correlationId: strOrNull(r.correlation_id),
    engineId: strOrNull(r.engine_id),
    at: iso(r.at),
  }));
}
