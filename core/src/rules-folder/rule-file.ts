import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isLuaCatsMetaFile, parseLuaHeader } from '../model/lua-header';
import type { LuaRuleDefinition, RuleDefinition } from '../model/rule';
import { parsePatternRule } from '../patterns/pattern-rule-file';
import { decodeUtf8 } from './utf8';

/** File names of the rules folder (CONTRACTS). */
export const LUA_RULE_SUFFIX = '.lua';
export const PATTERN_RULE_SUFFIX = '.rule.json';
export const FIXTURES_SUFFIX = '.fixtures.json';
export const CONTEXT_SCHEMA_FILE = 'context.schema.json';

export type RuleFileKind = 'lua' | 'pattern' | 'fixtures' | 'schema' | 'other';

export function ruleFileKind(path: string): RuleFileKind {
  const name = basename(path);
  if (name.endsWith(FIXTURES_SUFFIX)) return 'fixtures';
  if (name.endsWith(PATTERN_RULE_SUFFIX)) return 'pattern';
  if (name.endsWith(LUA_RULE_SUFFIX)) return 'lua';
  if (/^context(\.[\w-]+)?\.schema\.json$/.test(name)) return 'schema';
  return 'other';
}

/** `rules/epic.lua` and `rules/epic.rule.json` -> `rules/epic.fixtures.json`. */
export function fixturesPathFor(rulePath: string): string {
  const stem = rulePath.endsWith(PATTERN_RULE_SUFFIX) ? rulePath.slice(0, -PATTERN_RULE_SUFFIX.length) : rulePath.replace(/\.lua$/, '');
  return stem + FIXTURES_SUFFIX;
}

/** The rule name a file gets when its header or JSON does not name it. */
export function defaultRuleName(path: string): string {
  const name = basename(path);
  if (name.endsWith(PATTERN_RULE_SUFFIX)) return name.slice(0, -PATTERN_RULE_SUFFIX.length);
  return name.replace(/\.lua$/, '');
}

export type RuleFileLoad = { ok: true; definition: RuleDefinition; text: string } | { ok: false; errors: string[] };

/** Builds a Lua rule definition from source; header problems are load errors. */
export function luaRuleFromSource(source: string, origin: string, defaultName: string): RuleFileLoad {
  // The checker stays silent on definition files (an editor may open them), so they
  // must not pass for rules either: run, test and publish refuse them.
  if (isLuaCatsMetaFile(source)) return { ok: false, errors: ['a LuaCATS definition file (it starts with ---@meta), not a rule'] };
  const header = parseLuaHeader(source);
  if (header.problems.length > 0) return { ok: false, errors: header.problems.map((p) => `line ${p.line + 1}: ${p.message}`) };
  const definition: LuaRuleDefinition = { ...header.metadata, kind: 'lua', name: header.metadata.name ?? defaultName, source, origin };
  return { ok: true, definition, text: source };
}

/** Reads a `.lua` or `.rule.json` file into a rule definition, or says what is wrong with it. */
export function loadRuleFile(path: string): RuleFileLoad {
  let text: string;
  try {
    const decoded = decodeUtf8(readFileSync(path));
    if (!decoded.ok) return { ok: false, errors: [`not valid UTF-8: byte ${decoded.offset} (0-based) does not start or continue a UTF-8 character; save the file as UTF-8`] };
    text = decoded.text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, errors: [code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a rule file' : `cannot read: ${(error as Error).message}`] };
  }
  const kind = ruleFileKind(path);
  if (kind === 'lua') return luaRuleFromSource(text, path, defaultRuleName(path));
  if (kind === 'pattern') {
    const parsed = parsePatternRule(text, path, defaultRuleName(path));
    return parsed.ok ? { ok: true, definition: parsed.definition, text } : parsed;
  }
  return { ok: false, errors: [`not a rule file: rules are *${LUA_RULE_SUFFIX} or *${PATTERN_RULE_SUFFIX}`] };
}
