/**
 * The custom requests the VS Code extension sends to the Lua Rules language server:
 * running a rule, the store (status, rules, publish, history, rollback, approve) and
 * conversion. Types and names only, no runtime imports, so the client bundle can
 * import this module without pulling in the server (or better-sqlite3).
 *
 * Everything that touches the store runs in the server, because the server runs on
 * the configured Node runtime (`luaRules.runtime`), where better-sqlite3's native
 * module loads; the extension host may be Electron, where it does not.
 */

/** Client-only settings (the server gets the store through its environment). */
export interface ClientSettings {
  /** Node executable that runs the server; empty: `node` from PATH, else the extension host's own runtime. */
  runtime: string;
  /** `sqlite:<path>` (relative to the first workspace folder) or `postgres://user@host/db` without a password. */
  storeUrl: string;
  /** Author recorded with publish, rollback and approve; empty: the OS user name. */
  author: string;
}

/** Environment variables the client sets for the server process. */
export const STORE_URL_ENV = 'LUA_RULES_STORE';
/** The PostgreSQL password from SecretStorage: passed in the environment, never in settings or LSP messages. */
export const STORE_PASSWORD_ENV = 'LUA_RULES_STORE_PASSWORD';
/** The folder a relative sqlite: path is resolved against. */
export const STORE_CWD_ENV = 'LUA_RULES_STORE_CWD';

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

export const LIST_FIXTURES_REQUEST = 'luaRules/listFixtures';
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

export const RUN_RULE_REQUEST = 'luaRules/runRule';
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

export const CONVERT_RULE_REQUEST = 'luaRules/convertPatternRule';
export interface ConvertRuleParams {
  uri: string;
}
export type ConvertRuleResult = { ok: true; lua: string; ruleName: string } | { ok: false; message: string };

// ---------------------------------------------------------------- the store

export const STORE_STATUS_REQUEST = 'luaRules/storeStatus';
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
export const STORE_CHANGED_NOTIFICATION = 'luaRules/storeChanged';
/** Sent by the server when the store's state changes (opened, lost). */
export const STORE_STATUS_NOTIFICATION = 'luaRules/storeStatusChanged';

export const STORE_OVERVIEW_REQUEST = 'luaRules/storeOverview';
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
}
export type StoreOverviewResult = { ok: true; rules: StoreRuleSummary[]; engines: number } | { ok: false; message: string };

export const PUBLISH_REQUEST = 'luaRules/publish';
export interface PublishParams {
  uri: string;
  author: string;
  message?: string;
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
export const PUBLISH_CHECK_REQUEST = 'luaRules/publishCheck';
export interface PublishCheckParams {
  uri: string;
}
export type PublishCheckResult =
  | { ok: true; rule: string; unchanged: boolean; headVersion: number | null; headState: string | null }
  | { ok: false; refused: boolean; message: string; problems: string[] };

export const HISTORY_REQUEST = 'luaRules/history';
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

export const VERSION_CONTENT_REQUEST = 'luaRules/versionContent';
export interface VersionContentParams {
  rule: string;
  version: number;
}
export type VersionContentResult = { ok: true; content: string; kind: string } | { ok: false; message: string };

export const ROLLBACK_REQUEST = 'luaRules/rollback';
export interface RollbackParams {
  rule: string;
  toVersion: number;
  author: string;
  message?: string;
}
export const APPROVE_REQUEST = 'luaRules/approve';
export interface ApproveParams {
  rule: string;
  version: number;
  author: string;
}
export type VersionChangeResult = { ok: true; rule: string; version: number; state: string; approvalsMissing: number } | { ok: false; message: string };
