import type { LuaRulesSettings } from './protocol';
import { DEFAULT_SETTINGS } from './protocol';

export interface ParsedSettings {
  settings: LuaRulesSettings;
  /** One line per setting that was ignored, for the client's log. */
  problems: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads settings from whatever the client sends, never trusting its shape: a
 * setting of the wrong type keeps its default and is reported, unknown keys are
 * ignored, numbers are kept within sane bounds.
 */
export function parseSettings(raw: unknown): ParsedSettings {
  const settings: LuaRulesSettings = { ...DEFAULT_SETTINGS, ruleGlobs: [...DEFAULT_SETTINGS.ruleGlobs] };
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { settings, problems };
  if (!isRecord(raw)) return { settings, problems: [`luaRules settings must be an object, got ${typeof raw}; using defaults`] };

  const number = (key: keyof LuaRulesSettings, min: number, max: number): void => {
    const value = raw[key];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`luaRules.${key} must be a number; using ${String(settings[key])}`);
    else (settings[key] as number) = Math.min(max, Math.max(min, Math.round(value)));
  };

  if (raw.ruleGlobs !== undefined) {
    if (Array.isArray(raw.ruleGlobs) && raw.ruleGlobs.every((g) => typeof g === 'string' && g.trim() !== '')) settings.ruleGlobs = raw.ruleGlobs as string[];
    else problems.push('luaRules.ruleGlobs must be a list of glob strings; using the defaults');
  }
  number('instructionBudget', 1_000, 100_000_000);
  number('diagnosticsDelayMs', 0, 5_000);
  number('fixturesDelayMs', 0, 10_000);
  if (raw.schemaPath !== undefined) {
    if (raw.schemaPath === null || (typeof raw.schemaPath === 'string' && raw.schemaPath.trim() === '')) settings.schemaPath = null;
    else if (typeof raw.schemaPath === 'string') settings.schemaPath = raw.schemaPath;
    else problems.push('luaRules.schemaPath must be a path string; using the nearest context.schema.json');
  }
  if (raw.runFixtures !== undefined) {
    if (typeof raw.runFixtures === 'boolean') settings.runFixtures = raw.runFixtures;
    else problems.push('luaRules.runFixtures must be true or false; using true');
  }
  return { settings, problems };
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
