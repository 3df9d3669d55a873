/**
 * Every custom message between the Lua Rules language server and its clients, beside
 * LSP itself: each request and notification as a typed `RequestType` /
 * `NotificationType` with its params and result (like vscode-eslint's
 * `customMessages.ts`). The server registers handlers with these objects and the
 * client sends with them, so a method name, its params and its result cannot drift
 * apart and nobody casts a string to a type.
 *
 * Types and message objects only: vscode-languageserver-protocol is the one runtime
 * import (both vscode-languageserver and vscode-languageclient already carry it), so
 * the client bundle can import this module without pulling in the server (or
 * better-sqlite3).
 *
 * Everything that touches the store runs in the server, because the server runs on
 * the configured Node runtime (`luaRules.runtime`), where better-sqlite3's native
 * module loads; the extension host may be Electron, where it does not.
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

export interface ResultSummary {
  decision: string;
  confidence: number;
  reasoning: string;
  error: { code: string; message: string } | null;
  /** The line of the `return` that produced the result (null: a pattern rule, or a failure before a return). */
  line: number | null;
}

export interface MismatchSummary {
  field: string;
  expected: string;
  actual: string;
  /** The mismatch as one sentence in the rule's terms. */
  text: string;
}

// ---------------------------------------------------------------- fixtures and runs

export const ListFixturesRequest = new RequestType<ListFixturesParams, ListFixturesResult, void>('luaRules/listFixtures');
export interface ListFixturesParams {
  /** A rule file (`.lua` / `.rule.json`) or its fixtures file. */
  uri: string;
}
export interface FixtureSummary {
  name: string;
  /** 0-based line of the fixture's name in the fixtures file, for test item ranges. */
  line: number;
  hasExpectations: boolean;
}
export interface ListFixturesResult {
  ruleUri: string;
  fixturesUri: string;
  ruleName: string;
  fixtures: FixtureSummary[];
  /** Problems with the fixtures file (invalid JSON, schema errors); empty when fine or absent. */
  problems: string[];
}

export const RunRuleRequest = new RequestType<RunRuleParams, RunRuleResult, void>('luaRules/runRule');
export interface RunRuleParams {
  /** The rule; its open editor text is used when it is open, so unsaved edits run. */
  uri: string;
  /** Run these fixtures of the rule's fixtures file (all when empty). Ignored when `context` is given. */
  fixtures?: string[];
  /** A custom context instead of fixtures. */
  context?: unknown;
  /** Also explain each run: the lines that ran, with the context values read (`lua-rules run --explain`). */
  explain?: boolean;
  /** Also return the line coverage of the rule by the fixtures run (Test Explorer's "Run with Coverage"). */
  coverage?: boolean;
}
export interface RunOutcome {
  /** The fixture's name, or "custom context". */
  name: string;
  result: ResultSummary;
  durationMs: number;
  instructions: number;
  /** Whether the fixture states any expectation. */
  hasExpectations: boolean;
  /** Empty when it passed (or has no expectations). */
  mismatches: MismatchSummary[];
  expected: Record<string, string>;
  /** With `explain`: the lines that ran, as text (see formatExplain). */
  explain?: string[];
}
/** Line coverage of a Lua rule: each line holding code with how often it ran. */
export interface RuleCoverage {
  lines: { line: number; hits: number }[];
}
export type RunRuleResult = { ok: true; ruleName: string; outcomes: RunOutcome[]; coverage?: RuleCoverage } | { ok: false; message: string };

export const ConvertRuleRequest = new RequestType<ConvertRuleParams, ConvertRuleResult, void>('luaRules/convertPatternRule');
export interface ConvertRuleParams {
  uri: string;
}
export type ConvertRuleResult = { ok: true; lua: string; ruleName: string } | { ok: false; message: string };

// ---------------------------------------------------------------- the store

export const StoreStatusRequest = new RequestType0<StoreStatus, void>('luaRules/storeStatus');
export interface StoreStatus {
  state: 'not-configured' | 'connected' | 'unavailable';
  /** The URL without its password. */
  display: string;
  backend?: 'sqlite' | 'postgres';
  /** Why it is unavailable, one line, without the password. */
  message?: string;
  /** The Node runtime the server runs on, e.g. "node v20.20.2 (modules 115)". */
  runtime: string;
}

/** Sent by the server when the store's change feed moved (publish, approve, rollback by anyone). */
export const StoreChangedNotification = new NotificationType0('luaRules/storeChanged');
/** Sent by the server when the store's state changes (opened, lost). */
export const StoreStatusNotification = new NotificationType<StoreStatus>('luaRules/storeStatusChanged');

export const StoreOverviewRequest = new RequestType0<StoreOverviewResult, void>('luaRules/storeOverview');
export interface StoreRuleSummary {
  name: string;
  category: string;
  kind: string;
  status: string;
  liveVersion: number | null;
  headVersion: number;
  description: string | null;
  pending: { version: number; approvalsMissing: number; author: string; message: string | null }[];
  /** Engines that reported this rule in their last heartbeat. */
  servedBy: { engineId: string; host: string; version: number; lastSeen: string; status: string }[];
  /** Issue 14: set while the rule is disabled (no engine evaluates it): who, when, why. */
  disabled?: { by: string; at: string; message: string | null } | null;
}
export type StoreOverviewResult = { ok: true; rules: StoreRuleSummary[]; engines: number } | { ok: false; message: string };

export const PublishRequest = new RequestType<PublishParams, PublishResult, void>('luaRules/publish');
export interface PublishParams {
  uri: string;
  author: string;
  message?: string;
  /** Issue 13: the impact summary shown before confirming, kept in the version's evidence (example contexts are dropped). */
  impact?: ImpactSummaryView;
}
export type PublishResult =
  | { ok: true; rule: string; version: number; state: string; created: boolean; approvalsMissing: number }
  | { ok: false; refused: boolean; message: string; problems: string[] };

/**
 * Everything publish checks, without publishing: can be stored, passes the gate
 * (checks and fixtures), and differs from the head version. The editor runs it
 * before asking for a message, so nobody types one for a rule that is refused or
 * unchanged.
 */
export const PublishCheckRequest = new RequestType<PublishCheckParams, PublishCheckResult, void>('luaRules/publishCheck');
export interface PublishCheckParams {
  uri: string;
}
export type PublishCheckResult =
  | { ok: true; rule: string; unchanged: boolean; headVersion: number | null; headState: string | null }
  | { ok: false; refused: boolean; message: string; problems: string[] };

export const HistoryRequest = new RequestType<HistoryParams, HistoryResult, void>('luaRules/history');
export interface HistoryParams {
  rule: string;
}
export interface VersionSummary {
  number: number;
  author: string;
  message: string | null;
  createdAt: string;
  state: string;
  kind: string;
  requiredApprovals: number;
  approvals: { approver: string; at: string }[];
  rollbackOf: number | null;
}
export type HistoryResult = { ok: true; rule: string; versions: VersionSummary[] } | { ok: false; message: string };

export const VersionContentRequest = new RequestType<VersionContentParams, VersionContentResult, void>('luaRules/versionContent');
export interface VersionContentParams {
  rule: string;
  version: number;
}
export type VersionContentResult = { ok: true; content: string; kind: string } | { ok: false; message: string };

export const RollbackRequest = new RequestType<RollbackParams, VersionChangeResult, void>('luaRules/rollback');
export interface RollbackParams {
  rule: string;
  toVersion: number;
  author: string;
  message?: string;
}
export const ApproveRequest = new RequestType<ApproveParams, VersionChangeResult, void>('luaRules/approve');
export interface ApproveParams {
  rule: string;
  version: number;
  author: string;
}
export type VersionChangeResult = { ok: true; rule: string; version: number; state: string; approvalsMissing: number } | { ok: false; message: string };

/** Issue 14: Disable Rule… / Enable Rule (`lua-rules disable` / `enable` from the editor). */
export const RuleSwitchRequest = new RequestType<RuleSwitchParams, RuleSwitchResult, void>('luaRules/ruleSwitch');
export interface RuleSwitchParams {
  rule: string;
  /** false: disable (then `message` is required); true: enable. */
  enabled: boolean;
  author: string;
  message?: string;
}
/** `changed: false`: the rule already was in that state (nothing written). */
export type RuleSwitchResult = { ok: true; rule: string; changed: boolean; disabled: { by: string; at: string; message: string | null } | null } | { ok: false; message: string };

// ---------------------------------------------------------------- impact analysis (issue 13)

/**
 * Replays the rule's captured decisions through the rule as the editor has it (the
 * draft) and its live version (docs/impact.md). The shapes repeat core's
 * ImpactReport (core/src/impact/impact-report.ts), which protocol cannot import; the
 * server assigns one to the other, so the compiler catches any drift.
 */
export const ImpactRequest = new RequestType<ImpactParams, ImpactResult, void>('luaRules/impact');
export interface ImpactParams {
  uri: string;
  /** ISO date-time; default: 7 days back. */
  since?: string;
  /** Newest captured decisions replayed at most; default 100,000. */
  limit?: number;
}
export type ImpactLabel = 'autonomous' | 'collaborative' | 'escalated' | 'error' | 'none';
export interface ImpactAnswerView {
  label: ImpactLabel;
  confidence: number;
  reasoning: string;
  error: { code: string; message: string } | null;
}
export interface ImpactExampleView {
  transition: string;
  at: string | null;
  correlationId: string | null;
  logged: { version: number; label: ImpactLabel; confidence: number };
  context: unknown;
  live: ImpactAnswerView;
  draft: ImpactAnswerView;
}
export interface ImpactSummaryView {
  rule: string;
  liveVersion: number | null;
  source: { kind: 'rule'; rule: string } | { kind: 'category'; category: string };
  read: number;
  skipped: number;
  replayed: number;
  changed: number;
  changedFraction: number;
  transitions: Record<string, number>;
  notReproduced: number;
  loggedByLive: number;
  confidence: { meanLive: number | null; meanDraft: number | null; mean: number | null; distribution: Record<string, number> };
  window: { since: string | null; limit: number | null };
  durationMs: number;
}
export interface ImpactReportView extends ImpactSummaryView {
  examples: ImpactExampleView[];
  notReproducedExamples: ImpactExampleView[];
}
export type ImpactResult =
  | { ok: true; report: ImpactReportView; store: string; headline: string; summaryLines: string[] }
  | { ok: false; message: string };

// ---------------------------------------------------------------- the language server's own reports

/** Sent by the server when a rule's fixtures have run (for tests and status bars). */
export const FixturesRanNotification = new NotificationType<FixturesRanParams>('luaRules/fixturesRan');
export interface FixturesRanParams {
  uri: string;
  version: number;
  passed: number;
  failed: number;
  errors: number;
}

/** Sent by the server when the startup workspace check is done. */
export const WorkspaceCheckedNotification = new NotificationType<WorkspaceCheckedParams>('luaRules/workspaceChecked');
export interface WorkspaceCheckedParams {
  files: number;
  errors: number;
  warnings: number;
  durationMs: number;
}
