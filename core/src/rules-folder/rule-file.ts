import { isLuaCatsMetaFile, parseLuaHeader } from '../model/lua-header';
import type { LuaRuleDefinition, RuleDefinition } from '../model/rule';
import { parsePatternRule } from '../patterns/pattern-rule-file';
import { defaultRuleName, LUA_RULE_SUFFIX, PATTERN_RULE_SUFFIX, ruleFileKind } from './file-names';
import { readRuleSource, ruleSourceProblem } from './rule-source';

export type RuleFileLoad = { ok: true; definition: RuleDefinition; text: string } | { ok: false; errors: string[] };

/** Builds a Lua rule definition from source; header problems are load errors. */
export function luaRuleFromSource(source: string, origin: string, defaultName: string, maxSourceBytes?: number): RuleFileLoad {
  const tooLarge = ruleSourceProblem(source, maxSourceBytes);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  // The checker stays silent on definition files (an editor may open them), so they
  // must not pass for rules either: run, test and publish refuse them.
  if (isLuaCatsMetaFile(source)) return { ok: false, errors: ['a LuaCATS definition file (it starts with ---@meta), not a rule'] };
  const header = parseLuaHeader(source);
  if (header.problems.length > 0) return { ok: false, errors: header.problems.map((p) => `line ${p.line + 1}: ${p.message}`) };
  const definition: LuaRuleDefinition = { ...header.metadata, kind: 'lua', name: header.metadata.name ?? defaultName, source, origin };
  return { ok: true, definition, text: source };
}

/**
 * Reads a `.lua` or `.rule.json` file into a rule definition, or says what is wrong
 * with it (also: larger than `maxSourceBytes`, or not UTF-8, with the byte offset).
 */
export function loadRuleFile(path: string, maxSourceBytes?: number): RuleFileLoad {
  let text: string;
  try {
    const read = readRuleSource(path, maxSourceBytes);
    if (!read.ok) return { ok: false, errors: [read.error] };
    text = read.text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, errors: [code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a rule file' : `cannot read: ${(error as Error).message}`] };
  }
  const kind = ruleFileKind(path);
  if (kind === 'lua') return luaRuleFromSource(text, path, defaultRuleName(path), maxSourceBytes);
  if (kind === 'pattern') {
    const parsed = parsePatternRule(text, path, defaultRuleName(path));
    return parsed.ok ? { ok: true, definition: parsed.definition, text } : parsed;
  }
  return { ok: false, errors: [`not a rule file: rules are *${LUA_RULE_SUFFIX} or *${PATTERN_RULE_SUFFIX}`] };
}
