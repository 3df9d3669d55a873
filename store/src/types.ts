import type { Decision } from '../../core/src/model/decision';
import type { RuleDefinition, RuleKind, RuleMetadata } from '../../core/src/model/rule';
import type { ImpactSummary } from '../../core/src/impact/impact-report';
import type { PackedBatch } from './decision-batch';
import type { DecisionRetention, PruneReport } from './decision-retention';
import type { RolesReport } from './roles';

/** Where a version is in its life: waiting for approvals, serving, or replaced. */
export type VersionState = 'live' | 'pending' | 'superseded';
/** `active`: has a live version; `proposed`: only pending versions so far. */
export type RuleStatus = 'active' | 'proposed';

/** What a publish gate (the CLI's checker + fixtures) reports about a definition. */
export interface GateVerdict {
  ok: boolean;
  /** Check findings (any JSON); stored as evidence. */
  findings: unknown[];
  /** Fixture results (any JSON); stored as evidence. */
  fixtures: unknown[];
  /** One line for the refusal message when !ok. */
  summary?: string;
  /** Issue 14 (h14-life): the fixtures file's text the verdict ran, stored with the version. */
  fixtureFile?: string | null;
  /** The context schema file the checks read (null: none applied), stored with the version. */
  contextSchema?: StoredContextSchema | null;
}

/** Publishing does not run checks itself: the caller passes the gate that does. */
export type PublishGate = (definition: RuleDefinition) => Promise<GateVerdict>;

/** The evidence a version was published with, stored as JSON beside it. */
export interface VersionEvidence {
  gate: 'passed' | 'none';
  findings: unknown[];
  fixtures: unknown[];
  checkedAt: string;
  /** For rollbacks: the version whose content (and evidence) this repeats. */
  rollbackOf?: number;
  /** Issue 13 (h13-shadow): a version promoted from a shadow run, with what the run saw. */
  shadow?: ShadowEvidence;
  /** Issue 14 (h14-life): the version was promoted from another store (`lua-rules promote`). */
  promotedFrom?: PromotedFrom;
  // Issue 13 (h13-impact):
  /** The impact analysis shown to the publisher (docs/impact.md): the summary, without example contexts. */
  impact?: ImpactSummary;
  /**
   * The context schema file the gate checked against. Stored here (the evidence JSON)
   * rather than in a column of its own, which would need a migration; read it as
   * `RuleVersionRecord.contextSchema` (row-mapping.ts moves it there).
   */
  contextSchema?: StoredContextSchema;
}

/** Issue 14 (h14-life): where a promoted version came from. */
export interface PromotedFrom {
  /** The source store's display URL (password redacted). */
  store: string;
  rule: string;
  version: number;
  checksum: string;
  /** When it was promoted (ISO). */
  at: string;
}

export interface RuleVersionRecord {
  rule: string;
  number: number;
  kind: RuleKind;
  /** Lua source, or the canonical JSON of a pattern rule. */
  content: string;
  checksum: string;
  author: string;
  message: string | null;
  createdAt: string;
  state: VersionState;
  requiredApprovals: number;
  approvals: ApprovalRecord[];
  evidence: VersionEvidence | null;
  rollbackOf: number | null;
  wentLiveAt: string | null;
  /**
   * Issue 14 (h14-life): the text of the fixtures file the version was published with
   * (null: it had none, or it predates migration 4); immutable like the content.
   */
  fixtures?: string | null;
  /**
   * The rule's settings as stored with the version (category, description, threshold,
   * consensus and its name): what engines run it with. For a Lua rule they come from its
   * header; for a pattern rule they are part of its content.
   */
  settings?: RuleSettings;
  /** The context schema file its gate checked against (null: none applied, or it predates storing them). */
  contextSchema?: StoredContextSchema | null;
}

/** A rule's settings as a version stores them (store/src/rule-content.ts: the metadata beside the content). */
export type RuleSettings = RuleMetadata & { category: string };

export interface ApprovalRecord {
  approver: string;
  at: string;
}

export interface ExecutionStats {
  count: number;
  errors: number;
  /** Mean confidence of all recorded executions, or null when none. */
  meanConfidence: number | null;
  lastExecutedAt: string | null;
}

/** The rules table (docs/store.md, "The model and the schema"). */
export interface StoredRule {
  name: string;
  description: string | null;
  category: string;
  kind: RuleKind;
  threshold: number | null;
  consensus: number;
  status: RuleStatus;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Number of versions that went live. */
  evolutionCount: number;
  /** Latest version written (any state). */
  headVersion: number;
  /** The version serving now, or null when none went live yet. */
  liveVersion: number | null;
  stats: ExecutionStats;
  /** Issue 14 (h14-life): set while the rule is disabled (no engine evaluates it). */
  disabled?: RuleSwitch | null;
}

/** Issue 14 (h14-life): who switched a rule off or on, when and why. */
export interface RuleSwitch {
  by: string;
  at: string;
  message: string | null;
}

/** Issue 14 (h14-life): one entry of a rule's lifecycle (`history` shows them between the versions). */
export interface LifecycleRecord extends RuleSwitch {
  rule: string;
  event: 'disabled' | 'enabled';
}

/** Issue 14 (h14-life): what `disable`/`enable` did. */
export interface LifecycleOutcome {
  rule: string;
  /** False when the rule already was in that state (nothing written). */
  changed: boolean;
  /** The switch now in force when disabled (the existing one when unchanged); null when enabled. */
  disabled: RuleSwitch | null;
}

export interface PublishOptions {
  author: string;
  message?: string;
  /**
   * Optimistic concurrency: the latest version the publisher built on (0 = the rule
   * must not exist yet). When the store has moved past it: ConflictError, nothing written.
   * Omitted: no check.
   */
  baseVersion?: number;
  gate?: PublishGate;
  /** Issue 14 (h14-life): the fixtures file's text, stored with the version. */
  fixtures?: string | null;
  /** The context schema stored with the version when no gate says which (a gate's verdict wins). */
  contextSchema?: StoredContextSchema | null;
  /** Issue 14 (h14-life): recorded in the evidence of a promoted version. */
  promotedFrom?: PromotedFrom;
  // Issue 13 (h13-impact):
  /** Stored in the new version's evidence (`evidence.impact`). */
  impact?: ImpactSummary;
}

export interface PublishOutcome {
  rule: string;
  version: RuleVersionRecord;
  /** False when the content was unchanged and the existing version is returned. */
  created: boolean;
  /** Approvals still missing before it goes live (0 when live). */
  approvalsMissing: number;
}

export interface ApprovalOutcome {
  version: RuleVersionRecord;
  wentLive: boolean;
  approvalsMissing: number;
}

/** A live rule as engines load it. */
export interface LiveRule {
  definition: RuleDefinition;
  version: number;
  checksum: string;
}

/**
 * `disabled`/`enabled`: a rule switched off or on (issue 14); `shadow`/`shadow-ended`: a
 * shadow version started or stopped (issue 13). Engines must reload the rule on each.
 */
export type ChangeEvent = 'proposed' | 'approved' | 'live' | 'disabled' | 'enabled' | 'shadow' | 'shadow-ended';

/** One row of the change feed: a monotonic revision per change. */
export interface ChangeRecord {
  revision: number;
  rule: string;
  version: number;
  event: ChangeEvent;
  at: string;
  /**
   * Only when watching with `includeLive`, for `live` events: the rule's live version
   * as of the fetch (null when it has none), so a reload needs no second query.
   */
  live?: LiveRule | null;
}

/** One evaluation in the decision log. */
export interface ExecutionLogRecord {
  rule: string;
  version: number;
  decision: Decision;
  confidence: number;
  durationMs: number;
  errorCode: string | null;
  correlationId: string | null;
  engineId: string | null;
  /** ISO time; defaults to when it is written. */
  at?: string;
  // Issue 13 (h13-log), captured decisions:
  /** The context it was decided on, already masked (stored as JSON text); absent when not captured. */
  context?: unknown;
  /** The rule's category when it decided (so a category's decisions can be replayed). */
  category?: string;
}

/**
 * Issue 13 (h13-log): which captured decisions `DecisionLog.decisions()` returns, newest
 * first. Every field narrows; none given means the whole log.
 */
export interface DecisionQuery {
  rule?: string;
  category?: string;
  /** ISO date-time: only decisions made at or after it. */
  since?: string;
  /** At most this many (a whole number >= 1); absent: no limit. */
  limit?: number;
  /** Include each record's captured context (records without one are still returned, without `context`). */
  withContext?: boolean;
  /** Only records whose context was captured (what a replay needs); implies `withContext`. */
  captured?: boolean;
}

/** Issue 13 (h13-log): one decision as read back; `category` is null for rows logged before migration 3. */
export type DecisionRecord = Required<Omit<ExecutionLogRecord, 'context' | 'category'>> & { category: string | null; context?: unknown };

export interface EngineHeartbeatRecord {
  engineId: string;
  host: string;
  pid: number;
  startedAt: string;
  lastSeen: string;
  status: 'running' | 'stopped';
  /** Rule name → version this engine serves. */
  rules: Record<string, number>;
}

export interface MigrationReport {
  /** Migration numbers applied by this call. */
  applied: number[];
  /** Schema version now. */
  current: number;
}

export interface WatchOptions {
  /** Attach the live rule to each `live` change (one query instead of two per reload). */
  includeLive?: boolean;
  /** Called with errors the watcher recovers from (lost connection, failed fetch). */
  onError?: (error: Error) => void;
  /** First reconnect delay; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ChangeWatcher {
  /** The last revision handed to the handler. */
  readonly revision: number;
  /** How many times the watcher reconnected (PostgreSQL) — for tests and metrics. */
  readonly reconnects: number;
  stop(): Promise<void>;
}

/** Receives each batch of changes in order; the watcher advances only when it resolves. */
export type ChangeHandler = (changes: ChangeRecord[]) => Promise<void> | void;

/**
 * The backends by name. A new backend's driver file adds its own name to this
 * interface (declaration merging), so adding a backend leaves this file alone
 * (CONTRIBUTING.md, "Add a store backend").
 */
export interface StoreBackends {
  sqlite: true;
  postgres: true;
}
export type StoreBackend = keyof StoreBackends;

/**
 * The rule store seam (what the CLI, the engine, `serve` and the editor need):
 * rules, their versions, approvals and the change feed. The same behaviour on every
 * backend; migrations are applied on first use. Every method is async and rejects
 * with the errors of `errors.ts`.
 */
export interface RuleStore {
  readonly backend: StoreBackend;
  /** The URL without its password, for messages. */
  readonly display: string;
  migrate(): Promise<MigrationReport>;
  // Issue 14 (h14-roles): identity and roles (store/src/roles.ts).
  /**
   * PostgreSQL: `current_user` of the store's connections, the author the database
   * records for every write (ask `authorOfWrite` in roles.ts, not this, for an author).
   * SQLite: null (a file has no users; its permissions are the boundary).
   */
  databaseUser(): Promise<string | null>;
  /** PostgreSQL: runs the migrations, then creates the group roles and applies their grants (`migrate --roles`). SQLite: RolesSetupError. */
  installRoles(): Promise<RolesReport>;

  publish(definition: RuleDefinition, options: PublishOptions): Promise<PublishOutcome>;
  approve(rule: string, version: number, approver: string): Promise<ApprovalOutcome>;
  /** Writes a new version with version `toVersion`'s content; history is never rewritten. */
  rollback(rule: string, toVersion: number, options: { author: string; message?: string }): Promise<PublishOutcome>;
  getRule(rule: string): Promise<StoredRule | undefined>;
  listRules(): Promise<StoredRule[]>;
  /** Every version, newest first. UnknownRuleError when there is no such rule. */
  history(rule: string): Promise<RuleVersionRecord[]>;
  /** One version (one row and its approvals). UnknownRuleError / UnknownVersionError when there is none. */
  version(rule: string, number: number): Promise<RuleVersionRecord>;
  liveRules(names?: string[]): Promise<LiveRule[]>;
  currentRevision(): Promise<number>;
  changesSince(revision: number, limit?: number, options?: { includeLive?: boolean }): Promise<ChangeRecord[]>;
  /** Calls `handler` with every change after `fromRevision`, in order, until stopped (the backend's own watcher). */
  watch(fromRevision: number, handler: ChangeHandler, options?: WatchOptions): ChangeWatcher;
  close(): Promise<void>;

  // Issue 14 (h14-life): a rule's lifecycle (store/src/rule-lifecycle.ts).
  /** Switches a rule off: engines stop evaluating it. Unchanged (nothing written) when already off. */
  disable(rule: string, options: { author: string; message: string }): Promise<LifecycleOutcome>;
  /** Switches a rule back on: engines load its live version again. Unchanged when already on. */
  enable(rule: string, options: { author: string; message?: string }): Promise<LifecycleOutcome>;
  /** Every disable and enable of a rule, newest first. UnknownRuleError when there is no such rule. */
  lifecycle(rule: string): Promise<LifecycleRecord[]>;
  /** The names of the rules disabled now. */
  disabledRules(): Promise<string[]>;
}

/** The decision log: every evaluation an engine made (written in batches by StoreDecisionLog). */
export interface DecisionLog {
  recordExecutions(records: ExecutionLogRecord[]): Promise<void>;
  /** The same for batches as the log's thread receives them (decision-batch.ts), without a record object each; `engineId` fills every record's. */
  recordPackedBatches(batches: readonly PackedBatch[], engineId: string | null): Promise<void>;
  // Issue 13 (h13-log):
  /** Decisions newest first, narrowed by the query; InvalidQueryError for a bad `since` or `limit`. */
  decisions(query: DecisionQuery): Promise<DecisionRecord[]>;
  /** Enforces the log's bounds now (decision-retention.ts); the decision log's writer calls it in the background. */
  pruneDecisions(retention: DecisionRetention, now?: number): Promise<PruneReport>;
}

/** The engines' heartbeats: who runs, when last seen, which versions each serves. */
export interface Heartbeats {
  heartbeat(record: EngineHeartbeatRecord): Promise<void>;
  engines(): Promise<EngineHeartbeatRecord[]>;
}

// --- Issue 13 (h13-shadow): shadow runs (store/src/shadow-runs.ts, docs/serve.md "Shadow runs") ---

/** How a shadow run ended: stopped by someone, replaced by a newer shadow, or promoted to a version. */
export type ShadowEndReason = 'stopped' | 'replaced' | 'promoted';

/** A context schema file the shadow's checks used, kept so promotion runs the same gate. */
export interface StoredContextSchema {
  fileName: string;
  text: string;
}

/** One shadow run of a rule: the content engines evaluate beside the live version, and its figures. */
export interface ShadowRecord {
  rule: string;
  /** Numbered per rule (1, 2, ...): "shadow 2 of x". */
  number: number;
  kind: RuleKind;
  content: string;
  checksum: string;
  /** The rule file's name when it was published (x.lua, x.rule.json), for re-running the gate. */
  fileName: string;
  /** The fixtures file text the gate ran, or null when the rule had none. */
  fixtures: string | null;
  contextSchema: StoredContextSchema | null;
  evidence: VersionEvidence | null;
  author: string;
  message: string | null;
  /** The live version when the shadow started. */
  liveVersion: number | null;
  startedAt: string;
  endedAt: string | null;
  endedBy: string | null;
  endReason: ShadowEndReason | null;
  /** For a promoted shadow: the version it became. */
  promotedTo: number | null;
  /** Evaluations compared (all engines) and how many agreed. */
  compared: number;
  agreed: number;
}

/** What a promoted version's evidence says about the shadow run it came from. */
export interface ShadowEvidence {
  number: number;
  startedAt: string;
  compared: number;
  agreed: number;
  /** The live version when the shadow started. */
  against: number | null;
}

export interface ShadowStartOptions {
  author: string;
  message?: string;
  gate?: PublishGate;
  fileName: string;
  fixtures?: string | null;
  contextSchema?: StoredContextSchema | null;
}

export interface ShadowStartOutcome {
  shadow: ShadowRecord;
  /** False when the running shadow already has this content (it is returned, nothing written). */
  created: boolean;
  /** The shadow this one replaced, if one was running. */
  replaced: number | null;
}

/** A running shadow as engines load it. */
export interface LiveShadow {
  rule: string;
  number: number;
  definition: RuleDefinition;
  checksum: string;
}

/** One side of a comparison. */
export interface ShadowAnswer {
  decision: Decision;
  confidence: number;
  errorCode: string | null;
}

/** One evaluation where the shadow and the live version disagreed (decision, or exactly one failed). */
export interface ShadowDisagreement {
  rule: string;
  shadow: number;
  liveVersion: number;
  live: ShadowAnswer;
  shadowAnswer: ShadowAnswer;
  /** The evaluation's context, when captured (null: not captured or too large). */
  context: unknown;
  correlationId: string | null;
  engineId: string | null;
  at: string;
}

/** What an engine reports in one write: counts per shadow and the disagreements themselves. */
export interface ShadowResultBatch {
  engineId: string;
  counts: { rule: string; shadow: number; compared: number; agreed: number }[];
  disagreements: ShadowDisagreement[];
}

/** The shadow runs seam; part of `Store`. */
export interface ShadowRuns {
  /** Starts (or replaces) the rule's shadow; the rule must have a live version. No approvals: a shadow serves no answers. */
  startShadow(definition: RuleDefinition, options: ShadowStartOptions): Promise<ShadowStartOutcome>;
  /** Ends the running shadow (NoShadowError when none). */
  stopShadow(rule: string, by: string): Promise<ShadowRecord>;
  /**
   * Writes the running shadow as a new version (through `gate`, like publish; consensus
   * rules get it pending) and ends the shadow as promoted, in one transaction.
   */
  promoteShadow(rule: string, options: { author: string; message?: string; gate?: PublishGate }): Promise<PublishOutcome & { shadow: ShadowRecord }>;
  /** The rule's shadow runs, newest first (UnknownRuleError when no such rule). */
  shadows(rule: string): Promise<ShadowRecord[]>;
  /** The running shadows (of these rules, or all), for engines. */
  runningShadows(names?: string[]): Promise<LiveShadow[]>;
  recordShadowResults(batch: ShadowResultBatch): Promise<void>;
  /** A shadow's recorded disagreements, newest first (at most the newest `DISAGREEMENTS_KEPT` are kept). */
  shadowDisagreements(rule: string, shadow: number, limit?: number): Promise<ShadowDisagreement[]>;
}

// --- end of issue 13 (h13-shadow) ---

/** What `openStore()` returns: the three seams over one database connection. */
export type Store = RuleStore & DecisionLog & Heartbeats & ShadowRuns;
