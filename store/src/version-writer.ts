import { ApprovalError, ConflictError, UnknownRuleError, UnknownVersionError } from './errors';
import type { StorableRule } from './rule-content';
import { now, num } from './row-mapping';
import type { Row, SqlDriver, SqlQueryer } from './sql-driver';
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
}

export interface WriteResult {
  number: number;
  created: boolean;
}

async function appendChange(driver: SqlDriver, tx: SqlQueryer, rule: string, version: number, event: ChangeEvent, at: string): Promise<void> {
  const rows = await tx.all('INSERT INTO changes (rule_name, version, event, at) VALUES (?, ?, ?, ?) RETURNING revision', [rule, version, event, at]);
  await driver.announce(tx, num(rows[0]?.revision));
}

/** Makes `number` the live version: the previous live one is superseded, the rule row mirrors it. */
async function goLive(driver: SqlDriver, tx: SqlQueryer, ruleId: number, rule: string, number: number, at: string): Promise<void> {
  const v = (await tx.all('SELECT kind, content, metadata FROM rule_versions WHERE rule_id = ? AND number = ?', [ruleId, number]))[0];
  if (v === undefined) throw new Error(`internal: version ${number} of "${rule}" vanished`);
  const meta = JSON.parse(String(v.metadata)) as { description?: string; category: string; threshold?: number; consensus?: number };
  const kind = String(v.kind);
  await tx.run("UPDATE rule_versions SET state = 'superseded' WHERE rule_id = ? AND state = 'live'", [ruleId]);
  await tx.run("UPDATE rule_versions SET state = 'live', went_live_at = ? WHERE rule_id = ? AND number = ?", [at, ruleId, number]);
  await tx.run(
    `UPDATE rules SET description = ?, category = ?, kind = ?, lua_script = ?, patterns = ?, threshold = ?, consensus = ?,
       status = 'active', live_version = ?, evolution_count = evolution_count + 1, updated_at = ? WHERE id = ?`,
    [
      meta.description ?? null,
      meta.category,
      kind,
      kind === 'lua' ? String(v.content) : null,
      kind === 'pattern' ? String(v.content) : null,
      meta.threshold ?? null,
      meta.consensus ?? 0,
      number,
      at,
      ruleId,
    ],
  );
  await appendChange(driver, tx, rule, number, 'live', at);
}

/**
 * Writes a new version on top of the head, unless the content equals the head's.
 * With approvals required it waits as pending (replacing older pending proposals);
 * otherwise it goes live at once.
 */
export async function writeVersion(driver: SqlDriver, tx: SqlQueryer, s: StorableRule, req: WriteRequest): Promise<WriteResult> {
  const at = now();
  const row = (await tx.all('SELECT id, head_version, consensus FROM rules WHERE name = ?', [s.name]))[0];
  const head = row === undefined ? 0 : num(row.head_version);
  if (row !== undefined) {
    const headVersion = (await tx.all('SELECT checksum FROM rule_versions WHERE rule_id = ? AND number = ?', [num(row.id), head]))[0];
    if (headVersion?.checksum === s.checksum) return { number: head, created: false };
  }
  if (req.baseVersion !== undefined && head !== req.baseVersion) throw new ConflictError(s.name, req.baseVersion, head);
  // A version cannot lower the bar it is judged by: the stricter of the live rule's
  // consensus and the new version's own applies.
  const required = Math.max(row === undefined ? 0 : num(row.consensus), s.metadata.consensus ?? 0);
  const number = head + 1;
  let ruleId: number;
  if (row === undefined) {
    const inserted = await tx.all(
      `INSERT INTO rules (name, description, category, kind, lua_script, patterns, threshold, consensus, status, created_by, created_at, updated_at, head_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?) RETURNING id`,
      [
        s.name,
        s.metadata.description ?? null,
        s.metadata.category,
        s.kind,
        s.kind === 'lua' ? s.content : null,
        s.kind === 'pattern' ? s.content : null,
        s.metadata.threshold ?? null,
        s.metadata.consensus ?? 0,
        req.author,
        at,
        at,
        number,
      ],
    );
    ruleId = num(inserted[0]?.id);
  } else {
    ruleId = num(row.id);
    await tx.run('UPDATE rules SET head_version = ?, updated_at = ? WHERE id = ?', [number, at, ruleId]);
    // A newer proposal replaces the older ones still waiting for approvals.
    await tx.run("UPDATE rule_versions SET state = 'superseded' WHERE rule_id = ? AND state = 'pending'", [ruleId]);
  }
  await tx.run(
    `INSERT INTO rule_versions (rule_id, number, kind, content, checksum, metadata, author, message, created_at, evidence, state, required_approvals, rollback_of)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    [ruleId, number, s.kind, s.content, s.checksum, JSON.stringify(s.metadata), req.author, req.message, at, req.evidence === null ? null : JSON.stringify(req.evidence), required, req.rollbackOf],
  );
  if (required === 0) await goLive(driver, tx, ruleId, s.name, number, at);
  else await appendChange(driver, tx, s.name, number, 'proposed', at);
  return { number, created: true };
}

export interface ApprovalResult {
  wentLive: boolean;
  approvals: number;
  required: number;
}

/** Records one approval; the version goes live when enough distinct others approved. */
export async function writeApproval(driver: SqlDriver, tx: SqlQueryer, rule: string, number: number, approver: string): Promise<ApprovalResult> {
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
    await goLive(driver, tx, ruleId, rule, number, at);
    return { wentLive: true, approvals, required };
  }
  await appendChange(driver, tx, rule, number, 'approved', at);
  return { wentLive: false, approvals, required };
}
