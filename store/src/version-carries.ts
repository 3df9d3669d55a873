import { canonicalJson } from './rule-content';
import type { RuleVersionRecord } from './types';

/**
 * What a version carries from one store to another: everything that makes it the
 * same version elsewhere (`lua-rules promote`, `lua-rules export` and a `publish` of
 * the exported folder). The rest of a version record is the store's own history (its
 * number, who wrote and approved it, when, its state).
 *
 * Every field of `RuleVersionRecord` is listed here as `carried` or `history`, so a
 * field added to versions does not compile until someone decides whether it travels;
 * promote and export both take their fields from `CarriedVersion`, and both check the
 * files they write against it field by field (`carriedDifferences`), so a carried
 * field that the files lose is refused, never dropped (service/src/version-files.ts).
 */
export const VERSION_FIELDS = {
  rule: 'carried',
  kind: 'carried',
  content: 'carried',
  checksum: 'carried',
  settings: 'carried',
  fixtures: 'carried',
  contextSchema: 'carried',
  number: 'history',
  author: 'history',
  message: 'history',
  createdAt: 'history',
  state: 'history',
  requiredApprovals: 'history',
  approvals: 'history',
  evidence: 'history',
  rollbackOf: 'history',
  wentLiveAt: 'history',
} as const satisfies Record<keyof RuleVersionRecord, 'carried' | 'history'>;

type CarriedKey = { [K in keyof typeof VERSION_FIELDS]: (typeof VERSION_FIELDS)[K] extends 'carried' ? K : never }[keyof typeof VERSION_FIELDS];

/** The carried fields of a version, each present (null where the version has none). */
export type CarriedVersion = { [K in CarriedKey]-?: Exclude<RuleVersionRecord[K], undefined> };

export const CARRIED_FIELDS = (Object.keys(VERSION_FIELDS) as (keyof typeof VERSION_FIELDS)[]).filter((k): k is CarriedKey => VERSION_FIELDS[k] === 'carried');

/** The carried part of a stored version. */
export function carriedOf(v: RuleVersionRecord): CarriedVersion {
  if (v.settings === undefined) throw new Error(`internal: version ${v.number} of "${v.rule}" was read without its settings`);
  return { rule: v.rule, kind: v.kind, content: v.content, checksum: v.checksum, settings: v.settings, fixtures: v.fixtures ?? null, contextSchema: v.contextSchema ?? null };
}

/** The carried fields on which two versions differ (compared as canonical JSON), in `VERSION_FIELDS` order. */
export function carriedDifferences(a: CarriedVersion, b: CarriedVersion): CarriedKey[] {
  return CARRIED_FIELDS.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]));
}
