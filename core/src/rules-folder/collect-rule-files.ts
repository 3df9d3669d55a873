import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_SUFFIX, LUA_RULE_SUFFIX, PATTERN_RULE_SUFFIX, ruleFileKind } from './rule-file';

export interface CollectedRuleFiles {
  /** Rule files (.lua, .rule.json), sorted, without duplicates. */
  rules: string[];
  /** Paths given that do not exist. */
  missing: string[];
  /** Files given explicitly that are not rules or fixtures. */
  notRules: string[];
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'out', 'dist']);

/**
 * Expands the paths a user gives (`lua-rules test rules/ x.lua`) into rule files.
 * Folders are walked recursively (skipping node_modules, build output and dot
 * folders); a fixtures file stands for the rule beside it.
 */
export function collectRuleFiles(paths: readonly string[]): CollectedRuleFiles {
  const rules = new Set<string>();
  const missing: string[] = [];
  const notRules: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRECTORIES.has(entry.name)) walk(path);
      } else if (ruleFileKind(path) === 'lua' || ruleFileKind(path) === 'pattern') rules.add(path);
    }
  };
  for (const path of paths) {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      missing.push(path);
      continue;
    }
    if (stats.isDirectory()) walk(path);
    else {
      const kind = ruleFileKind(path);
      if (kind === 'lua' || kind === 'pattern') rules.add(path);
      else if (kind === 'fixtures') {
        const stem = path.slice(0, -FIXTURES_SUFFIX.length);
        const rule = [stem + LUA_RULE_SUFFIX, stem + PATTERN_RULE_SUFFIX].find((candidate) => {
          try {
            return statSync(candidate).isFile();
          } catch {
            return false;
          }
        });
        if (rule) rules.add(rule);
        else notRules.push(path);
      } else notRules.push(path);
    }
  }
  return { rules: [...rules].sort(), missing, notRules };
}
