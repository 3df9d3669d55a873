import type { SettingsTable } from '../../protocol/src/settings';
import { booleanSetting, defaultsOf, lookup, numberSetting, optionalPathSetting, readSettings, RULE_GLOBS_SETTING } from '../../protocol/src/settings';

/**
 * The language server's settings, in one place: each one's default, bounds and
 * manifest schema (`SERVER_SETTINGS`), the settings object the server works with, and
 * the defensive reader. The client's settings are in client/src/settings.ts; the
 * manifest test checks package.json against both.
 */
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

/** In the order problems are reported. The two delays are internal (tests shorten them), not in the manifest. */
export const SERVER_SETTINGS: SettingsTable<LuaRulesSettings> = {
  ruleGlobs: RULE_GLOBS_SETTING,
  instructionBudget: numberSetting('instructionBudget', 1_000_000, { minimum: 1_000, maximum: 100_000_000 }),
  diagnosticsDelayMs: numberSetting('diagnosticsDelayMs', 150, { minimum: 0, maximum: 5_000 }, { internal: true }),
  fixturesDelayMs: numberSetting('fixturesDelayMs', 400, { minimum: 0, maximum: 10_000 }, { internal: true }),
  schemaPath: optionalPathSetting('schemaPath', 'the nearest context.schema.json'),
  runFixtures: booleanSetting('runFixtures', true),
};

export const DEFAULT_SETTINGS: Readonly<LuaRulesSettings> = Object.freeze(defaultsOf(SERVER_SETTINGS));

export interface ParsedSettings {
  settings: LuaRulesSettings;
  /** One line per setting that was ignored, for the client's log. */
  problems: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads settings from whatever the client sends (`workspace/configuration`, or the
 * initialization options of a client without it), never trusting its shape: a
 * setting of the wrong type keeps its default and is reported, unknown keys are
 * ignored, numbers are kept within their bounds.
 */
export function parseSettings(raw: unknown): ParsedSettings {
  if (raw === undefined || raw === null) return { settings: defaultsOf(SERVER_SETTINGS), problems: [] };
  if (!isRecord(raw)) return { settings: defaultsOf(SERVER_SETTINGS), problems: [`luaRules settings must be an object, got ${typeof raw}; using defaults`] };
  return readSettings(SERVER_SETTINGS, (key) => lookup(raw, key));
}

/** A glob (`**`, `*`, `?`, `{a,b}`) as a regular expression over `/`-separated relative paths. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) out += '\\{';
      else {
        out += '(?:' + glob.slice(i + 1, end).split(',').map(escapeRegExp).join('|') + ')';
        i = end;
      }
    } else out += escapeRegExp(ch);
  }
  return new RegExp(`^${out}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}
