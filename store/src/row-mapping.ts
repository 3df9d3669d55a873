import type { RuleKind } from '../../core/src/model/rule';
import type { Row } from './sql-driver';
import type { ApprovalRecord, ChangeEvent, ChangeRecord, RuleStatus, RuleSwitch, RuleSettings, RuleVersionRecord, StoredContextSchema, StoredRule, VersionEvidence, VersionState } from './types';

/** Rows differ by driver (pg: bigint as string, timestamptz as Date); this evens them out. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}
export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}
export function iso(v: unknown): string {
  return v instanceof Date ? v.toISOString() : String(v);
}
export function isoOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : iso(v);
}
export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
export function now(): string {
  return new Date().toISOString();
}

/** Issue 14: the switch of a rules row, or null when the rule is enabled. */
export function switchOf(row: Row): RuleSwitch | null {
  const at = isoOrNull(row.disabled_at);
  return at === null ? null : { at, by: String(row.disabled_by), message: strOrNull(row.disabled_message) };
}

export function toStoredRule(r: Row): StoredRule {
  const count = num(r.execution_count);
  return {
    name: String(r.name),
    description: strOrNull(r.description),
    category: String(r.category),
    kind: String(r.kind) as RuleKind,
    threshold: numOrNull(r.threshold),
    consensus: num(r.consensus),
    status: String(r.status) as RuleStatus,
    createdBy: String(r.created_by),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    evolutionCount: num(r.evolution_count),
    headVersion: num(r.head_version),
    liveVersion: numOrNull(r.live_version),
    stats: {
      count,
      errors: num(r.error_count),
      meanConfidence: count > 0 ? num(r.confidence_sum) / count : null,
      lastExecutedAt: isoOrNull(r.last_executed_at),
    },
    disabled: switchOf(r),
  };
}

/**
 * The `evidence` column of a row (versions and shadows alike: JSON text, or NULL), the
 * one parser of it: every record built from a row reads its evidence here.
 */
export function evidenceOf(row: Row): VersionEvidence | null {
  return row.evidence === null || row.evidence === undefined ? null : (JSON.parse(String(row.evidence)) as VersionEvidence);
}

/**
 * A version's evidence as its record shows it: the context schema is kept in the
 * evidence JSON (no column of its own) but shown once, as the record's `contextSchema`.
 */
export function shownEvidence(stored: VersionEvidence): { evidence: VersionEvidence; contextSchema: StoredContextSchema | null } {
  const { contextSchema, ...evidence } = stored;
  return { evidence, contextSchema: contextSchema ?? null };
}

export function toVersionRecord(rule: string, r: Row, approvals: ApprovalRecord[]): RuleVersionRecord {
  const stored = evidenceOf(r);
  const { evidence, contextSchema } = stored === null ? { evidence: null, contextSchema: null } : shownEvidence(stored);
  return {
    rule,
    number: num(r.number),
    kind: String(r.kind) as RuleKind,
    content: String(r.content),
    checksum: String(r.checksum),
    author: String(r.author),
    message: strOrNull(r.message),
    createdAt: iso(r.created_at),
    state: String(r.state) as VersionState,
    requiredApprovals: num(r.required_approvals),
    approvals,
    evidence,
    rollbackOf: numOrNull(r.rollback_of),
    wentLiveAt: isoOrNull(r.went_live_at),
    fixtures: strOrNull(r.fixtures),
    ...(r.metadata === undefined ? {} : { settings: JSON.parse(String(r.metadata)) as RuleSettings }),
    contextSchema,
  };
}

export function toChange(r: Row): ChangeRecord {
  return { revision: num(r.revision), rule: String(r.rule_name), version: num(r.version), event: String(r.event) as ChangeEvent, at: iso(r.at) };
}
