/** The rule store: SQLite and PostgreSQL backends, change feed, engine-side helpers. */
export * from './errors';
export * from './types';
export { mergeStorePassword, parseStoreUrl, redactStoreUrl, redactSecret, redactText, secretsOfUrl, splitStorePassword, StoreUrlError, type StoreLocation } from './store-url';
export { openStore, type OpenStoreOptions } from './open-store';
// Issue 14 (h14-roles): identity and roles.
export { authorOfWrite, resolveAuthor, installRoles, TABLE_GRANTS, GROUP_ROLES, AUTHOR_ROLE, APPROVER_ROLE, ENGINE_ROLE, RolesSetupError, type RolesReport, type GroupRole } from './roles';
export type { StoreWatchOptions } from './sql-driver';
export { toStorable, fromStored, sha256, canonicalJson } from './rule-content';
export { VERSION_FIELDS, CARRIED_FIELDS, carriedOf, carriedDifferences, type CarriedVersion } from './version-carries';
export { StoreRuleSource, type StoreRuleSourceOptions } from './store-rule-source';
export { StoreDecisionLog, type DecisionLogOptions } from './decision-log';
export { InvalidQueryError, MAX_STORED_CONTEXT_CHARS, decisionJson } from './captured-decisions';
export { DEFAULT_RETENTION, type DecisionRetention, type PruneReport } from './decision-retention';
export { MaskPathError, parseMaskPaths, maskContext } from './context-mask';
export type { DecisionWriterCounts } from './decision-log-writer';
export { HeartbeatWriter, newEngineId, type HeartbeatOptions } from './heartbeat';
export { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations';
export { StoreEngine, type StoreEngineOptions } from './store-engine';
export { DISAGREEMENTS_KEPT, ShadowConflictError, ShadowError } from './shadow-runs';
export { DEFAULT_SHADOW_QUEUE, ShadowRunner, type ShadowRunnerOptions, type ShadowRuleStats } from './shadow-runner';
export { ImpactInputError, impactOf, replayInputFor, type ReplayWindow } from './replay-input';
