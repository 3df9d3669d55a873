import { ApprovalError, ConflictError, UnknownRuleError, UnknownVersionError } from './errors';
import type { StorableRule } from './rule-content';
import { now, num } from './row-mapping';
import type { Row, SqlQueryer, Statement } from './sql-driver';
import type { ChangeEvent, VersionEvidence } from './types';

/**
 * The writes behind publish, approve and rollback. Each function runs inside one
 * write transaction opened by the store, so a failure (or a killed process) leaves
 * nothing half-written, and writers are serialized so revisions commit in order.
 */

export interface WriteRequest {
  author: string;
  message: string | null;
  baseVersion: number | undefined;
  evidence: VersionEvidence | null;
  rollbackOf: number | null;
  /** Issue 14: the fixtures file's text, stored beside the content (absent: none). */
  fixtures?: string | null;
}

export interface WriteResult {
  number: number;
  created: boolean;
  /** For a created version: its state, time and approvals required (the rest the caller knows). */
  state: 'live' | 'pending';
  at: string;
  required: number;
}

/**
 * The one writer of a change-feed row (versions, approvals, disable/enable, shadows):
 * engines reload from this feed. On PostgreSQL a trigger on `changes` sends the NOTIFY,
 * inside the transaction: listeners hear of a change only when (and if) it commits.
 */
export function changeRow(rule: string, version: number, event: ChangeEvent, at: string): Statement {
  return { sql: 'INSERT INTO changes (rule_name, version, event, at) VALUES (?, ?, ?, ?)', params: [rule, version, event, at] };
}

export async function appendChange(tx: SqlQueryer, rule: string, version: number, event: ChangeEvent, at: string): Promise<void> {
  await tx.batch([changeRow(rule, version, event, at)]);
}

interface VersionMetadata {
  description?: string;
  category: string;
  threshold?: number;
  consensus?: number;
}

/** The rules-row columns that mirror the live version: SET clause and its values. */
function liveColumns(meta: VersionMetadata, kind: string, content: string, number: number, at: string): { set: string; values: unknown[] } {
  return {
    set: `description = ?, category = ?, kind = ?, lua_script = ?, patterns = ?, threshold = ?, consensus = ?,
       status = 'active', live_version = ?, evolution_count = evolution_count + 1, updated_at = ?`,
    values: [meta.description ?? null, meta.category, kind, kind === 'lua' ? content : null, kind === 'pattern' ? content : null, meta.threshold ?? null, meta.consensus ?? 0, number, at],
  };
}

/** Makes pending version `number` live (after approvals): the previous live one is superseded. */
async function goLive(tx: SqlQueryer, ruleId: number, rule: string, number: number, at: string): Promise<void> {
  const v = (await tx.all('SELECT kind, content, metadata FROM rule_versions WHERE rule_id = ? AND number = ?', [ruleId, number]))[0];
  if (v === undefined) throw new Error(`internal: version ${number} of "${rule}" vanished`);
  await tx.run("UPDATE rule_versions SET state = 'superseded' WHERE rule_id = ? AND state = 'live'", [ruleId]);
  await tx.run("UPDATE rule_versions SET state = 'live', went_live_at = ? WHERE rule_id = ? AND number = ?", [at, ruleId, number]);
  const cols = liveColumns(JSON.parse(String(v.metadata)) as VersionMetadata, String(v.kind), String(v.content), number, at);
  await tx.run(`UPDATE rules SET ${cols.set} WHERE id = ?`, [...cols.values, ruleId]);
  await appendChange(tx, rule, number, 'live', at);
}

/**
 * Writes a new version on top of the head, unless the content equals the head's.
 * With approvals required it waits as pending (replacing older pending proposals);
 * otherwise it goes live at once. Few statements: on PostgreSQL each is a round trip
 * inside the write lock, and they are the publish-to-reload latency.
 */
export async function writeVersion(tx: SqlQueryer, s: StorableRule, req: WriteRequest): Promise<WriteResult> {
  const at = now();
  const row = (
    await tx.all(
      `SELECT r.id, r.head_version, r.consensus, v.checksum FROM rules r
       LEFT JOIN rule_versions v ON v.rule_id = r.id AND v.number = r.head_version WHERE r.name = ?`,
      [s.name],
    )
  )[0];
  const head = row === undefined ? 0 : num(row.head_version);
  if (row !== undefined && row.checksum === s.checksum) return { number: head, created: false, state: 'live', at, required: 0 };
  if (req.baseVersion !== undefined && head !== req.baseVersion) throw new ConflictError(s.name, req.baseVersion, head);
  // A version cannot lower the bar it is judged by: the stricter of the live rule's
  // consensus and the new version's own applies.
  const required = Math.max(row === undefined ? 0 : num(row.consensus), s.metadata.consensus ?? 0);
  const number = head + 1;
  const live = required === 0;
  // The writes below go as one round trip on PostgreSQL (see SqlQueryer.batch): none
  // depends on another's effect, only on the rule id.
  const writes: Statement[] = [];
  let ruleId: number;
  if (row === undefined) {
    const inserted = await tx.all(
      `INSERT INTO rules (name, description, category, kind, lua_script, patterns, threshold, consensus, status, created_by, created_at, updated_at,
         head_version, live_version, evolution_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        s.name,
        s.metadata.description ?? null,
        s.metadata.category,
        s.kind,
        s.kind === 'lua' ? s.content : null,
        s.kind === 'pattern' ? s.content : null,
        s.metadata.threshold ?? null,
        s.metadata.consensus ?? 0,
        live ? 'active' : 'proposed',
        req.author,
        at,
        at,
        number,
        live ? number : null,
        live ? 1 : 0,
      ],
    );
    ruleId = num(inserted[0]?.id);
  } else {
    ruleId = num(row.id);
    // A newer proposal replaces the older ones still waiting; a live one replaces the live one.
    writes.push({ sql: `UPDATE rule_versions SET state = 'superseded' WHERE rule_id = ? AND state IN (${live ? "'pending', 'live'" : "'pending'"})`, params: [ruleId] });
    if (live) {
      const cols = liveColumns(s.metadata, s.kind, s.content, number, at);
      writes.push({ sql: `UPDATE rules SET head_version = ?, ${cols.set} WHERE id = ?`, params: [number, ...cols.values, ruleId] });
    } else {
      writes.push({ sql: 'UPDATE rules SET head_version = ?, updated_at = ? WHERE id = ?', params: [number, at, ruleId] });
    }
  }
  writes.push({
    sql: `INSERT INTO rule_versions (rule_id, number, kind, content, checksum, metadata, author, message, created_at, evidence, state, required_approvals, rollback_of, went_live_at, fixtures)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [
      ruleId,
      number,
      s.kind,
      s.content,
      s.checksum,
      JSON.stringify(s.metadata),
      req.author,
      req.message,
      at,
      req.evidence === null ? null : JSON.stringify(req.evidence),
      live ? 'live' : 'pending',
      required,
      req.rollbackOf,
      live ? at : null,
      req.fixtures ?? null,
    ],
  });
  writes.push(changeRow(s.name, number, live ? 'live' : 'proposed', at));
  await tx.batch(writes);
  return { number, created: true, state: live ? 'live' : 'pending', at, required };
}

export interface ApprovalResult {
  wentLive: boolean;
  approvals: number;
  required: number;
}

/** Records one approval; the version goes live when enough distinct others approved. */
export async function writeApproval(tx: SqlQueryer, rule: string, number: number, approver: string): Promise<ApprovalResult> {
  const at = now();
  const row = (await tx.all('SELECT id, head_version FROM rules WHERE name = ?', [rule]))[0];
  if (row === undefined) throw new UnknownRuleError(rule);
  const ruleId = num(row.id);
  const v: Row | undefined = (await tx.all('SELECT author, state, required_approvals FROM rule_versions WHERE rule_id = ? AND number = ?', [ruleId, number]))[0];
  if (v === undefined) throw new UnknownVersionError(rule, number, num(row.head_version));
  const state = String(v.state);
  if (state !== 'pending') {
    throw new ApprovalError(`version ${number} of "${rule}" is ${state}, not pending; only a pending version can be approved`);
  }
  // Names compare case-insensitively so "Ann" and "ann" cannot count twice.
  const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
  if (same(String(v.author), approver)) {
    throw new ApprovalError(`${approver} wrote version ${number} of "${rule}" and cannot approve it; approvals must come from others`);
  }
  const approvers = (await tx.all('SELECT approver FROM approvals WHERE rule_id = ? AND version = ?', [ruleId, number])).map((a) => String(a.approver));
  if (approvers.some((a) => same(a, approver))) {
    throw new ApprovalError(`${approver} already approved version ${number} of "${rule}"`);
  }
  await tx.run('INSERT INTO approvals (rule_id, version, approver, at) VALUES (?, ?, ?, ?)', [ruleId, number, approver.trim(), at]);
  const approvals = approvers.length + 1;
  const required = num(v.required_approvals);
  if (approvals >= required) {
    await goLive(tx, ruleId, rule, number, at);
    return { wentLive: true, approvals, required };
  }
  await appendChange(tx, rule, number, 'approved', at);
  return { wentLive: false, approvals, required };
}
