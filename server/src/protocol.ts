/**
 * What the Lua Rules language server and its clients (the VS Code extension, any
 * LSP client) share beyond LSP itself: the settings section and its shape, and the
 * custom notifications. One module, imported by both sides, so they cannot drift.
 */

/** The configuration section the server asks for (`workspace/configuration`). */
export const SETTINGS_SECTION = 'luaRules';

export interface LuaRulesSettings {
  /** Globs (relative to the workspace folder) of the files the startup check covers. */
  ruleGlobs: string[];
  /** Lua instruction budget per fixture run in the editor. */
  instructionBudget: number;
  /** A context schema to use for every rule instead of the nearest `context.schema.json`; relative to the workspace folder. */
  schemaPath: string | null;
  /** Run fixtures after edits and show code lenses. */
  runFixtures: boolean;
  /** Milliseconds to wait after an edit before checking a document. */
  diagnosticsDelayMs: number;
  /** Milliseconds to wait after an edit before running fixtures. */
  fixturesDelayMs: number;
}

export const DEFAULT_SETTINGS: Readonly<LuaRulesSettings> = {
  ruleGlobs: ['**/*.lua', '**/*.rule.json', '**/*.fixtures.json'],
  instructionBudget: 1_000_000,
  schemaPath: null,
  runFixtures: true,
  diagnosticsDelayMs: 150,
  fixturesDelayMs: 400,
};

/** Sent by the server when a rule's fixtures have run (for tests and status bars). */
export const FIXTURES_RAN_NOTIFICATION = 'luaRules/fixturesRan';

export interface FixturesRanParams {
  uri: string;
  version: number;
  passed: number;
  failed: number;
  errors: number;
}

/** Sent by the server when the startup workspace check is done. */
export const WORKSPACE_CHECKED_NOTIFICATION = 'luaRules/workspaceChecked';

export interface WorkspaceCheckedParams {
  files: number;
  errors: number;
  warnings: number;
  durationMs: number;
}
