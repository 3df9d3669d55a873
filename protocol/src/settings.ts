/**
 * How a Lua Rules setting is described, once: its key, its default, the JSON schema
 * that package.json `contributes.configuration` declares for it, and how to read a
 * value of unknown shape. Each side keeps one table of its settings built from these
 * (server/src/settings.ts, client/src/settings.ts); test/client/manifest.test.ts checks
 * the manifest against both tables, so defaults, bounds and the schema cannot drift.
 *
 * Reading is defensive (as vscode-eslint reads its settings): settings.json is edited
 * by hand, so a value of the wrong type keeps the default and says so in one line,
 * and a number out of bounds is brought within them.
 */

/** The configuration section (`luaRules.*`). */
export const SETTINGS_SECTION = 'luaRules';

/** A setting's schema as the manifest declares it, without its description. */
export interface SettingSchema {
  type: 'string' | 'number' | 'boolean' | 'array' | ['string', 'null'];
  default: unknown;
  minimum?: number;
  maximum?: number;
  items?: { type: 'string' };
  enum?: string[];
  scope?: 'machine-overridable';
}

export interface Setting<T> {
  /** The key below `luaRules.`, e.g. `store.url`. */
  key: string;
  default: T;
  /** What the manifest declares; undefined for an internal setting (tuning for tests) that is not contributed. */
  schema: SettingSchema | undefined;
  /** The value, or undefined when its shape is wrong (the setting then keeps its default). */
  read(value: unknown): T | undefined;
  /** Why a value was refused and what is used instead, after `luaRules.<key> `. */
  problem: string;
}

/** A table of settings: one `Setting` per field of the settings object `T`. */
export type SettingsTable<T> = { [K in keyof T]: Setting<T[K]> };

export function numberSetting(key: string, defaultValue: number, bounds: { minimum: number; maximum: number }, options: { internal?: boolean } = {}): Setting<number> {
  return {
    key,
    default: defaultValue,
    schema: options.internal ? undefined : { type: 'number', default: defaultValue, minimum: bounds.minimum, maximum: bounds.maximum },
    read: (value) => (typeof value === 'number' && Number.isFinite(value) ? Math.min(bounds.maximum, Math.max(bounds.minimum, Math.round(value))) : undefined),
    problem: `must be a number; using ${String(defaultValue)}`,
  };
}

/** A string setting; empty means "not set" (null counts as empty, surrounding blanks are dropped). */
export function textSetting(key: string, options: { scope?: 'machine-overridable' } = {}): Setting<string> {
  return {
    key,
    default: '',
    schema: { type: 'string', default: '', ...(options.scope ? { scope: options.scope } : {}) },
    read: (value) => (value === null ? '' : typeof value === 'string' ? value.trim() : undefined),
    problem: 'must be a string; ignored',
  };
}

export function booleanSetting(key: string, defaultValue: boolean): Setting<boolean> {
  return {
    key,
    default: defaultValue,
    schema: { type: 'boolean', default: defaultValue },
    read: (value) => (typeof value === 'boolean' ? value : undefined),
    problem: `must be true or false; using ${String(defaultValue)}`,
  };
}

/** A list of globs: every entry a non-blank string, or the whole list is refused. */
export function globsSetting(key: string, defaultValue: readonly string[]): Setting<string[]> {
  return {
    key,
    default: [...defaultValue],
    schema: { type: 'array', items: { type: 'string' }, default: [...defaultValue] },
    read: (value) => (Array.isArray(value) && value.every((g) => typeof g === 'string' && g.trim() !== '') ? [...(value as string[])] : undefined),
    problem: 'must be a list of glob strings; using the defaults',
  };
}

/** A path or nothing (null or blank). */
export function optionalPathSetting(key: string, whenAbsent: string): Setting<string | null> {
  return {
    key,
    default: null,
    schema: { type: ['string', 'null'], default: null },
    read: (value) => (value === null || (typeof value === 'string' && value.trim() === '') ? null : typeof value === 'string' ? value : undefined),
    problem: `must be a path string; using ${whenAbsent}`,
  };
}

export function choiceSetting<C extends string>(key: string, choices: readonly C[], defaultValue: C): Setting<C> {
  return {
    key,
    default: defaultValue,
    schema: { type: 'string', enum: [...choices], default: defaultValue },
    read: (value) => (typeof value === 'string' && (choices as readonly string[]).includes(value) ? (value as C) : undefined),
    problem: `must be one of ${choices.join(', ')}; using ${defaultValue}`,
  };
}

/** The defaults of a table, as a fresh settings object (arrays copied, so nobody edits a default). */
export function defaultsOf<T>(table: SettingsTable<T>): T {
  const out = {} as T;
  for (const name of Object.keys(table) as (keyof T)[]) {
    const value = table[name].default;
    out[name] = (Array.isArray(value) ? [...(value as unknown[])] : value) as T[keyof T];
  }
  return out;
}

/**
 * Reads every setting of a table through `get` (which answers the raw value of a key,
 * or undefined when it is not set). A refused value keeps its default and adds one
 * `luaRules.<key> <problem>` line; keys not in the table are never looked at.
 */
export function readSettings<T>(table: SettingsTable<T>, get: (key: string) => unknown): { settings: T; problems: string[] } {
  const settings = defaultsOf(table);
  const problems: string[] = [];
  for (const name of Object.keys(table) as (keyof T)[]) {
    const setting = table[name];
    const raw = get(setting.key);
    if (raw === undefined) continue;
    const value = setting.read(raw);
    if (value === undefined) problems.push(`${SETTINGS_SECTION}.${setting.key} ${setting.problem}`);
    else settings[name] = value;
  }
  return { settings, problems };
}

/** A dotted key (`store.url`) looked up in a nested settings object, as `workspace/configuration` returns it. */
export function lookup(raw: Record<string, unknown>, key: string): unknown {
  let value: unknown = raw;
  for (const part of key.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The globs of rule files, read by both sides: the server checks these files, the client syncs and selects them. */
export const RULE_GLOBS_SETTING = globsSetting('ruleGlobs', ['**/*.lua', '**/*.rule.json', '**/*.fixtures.json']);
