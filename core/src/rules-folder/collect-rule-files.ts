import { statSync } from 'node:fs';
import { isRuleFile, ruleFileKind, rulePathsFor } from './file-names';
import { rulesFolderFiles } from './walk-rules-folder';

export interface CollectedRuleFiles {
  /** Rule files (.lua, .rule.json), sorted, without duplicates. */
  rules: string[];
  /** Paths given that do not exist. */
  missing: string[];
  /** Files given explicitly that are not rules or fixtures. */
  notRules: string[];
}

/**
 * Expands the paths a user gives (`lua-rules test rules/ x.lua`) into rule files.
 * Folders are walked with the one rules-folder walk (./walk-rules-folder.ts); a
 * fixtures file stands for the rule beside it.
 */
export function collectRuleFiles(paths: readonly string[]): CollectedRuleFiles {
  const rules = new Set<string>();
  const missing: string[] = [];
  const notRules: string[] = [];
  for (const path of paths) {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      missing.push(path);
      continue;
    }
    if (stats.isDirectory()) {
      for (const file of rulesFolderFiles(path)) if (isRuleFile(file)) rules.add(file);
    } else if (isRuleFile(path)) rules.add(path);
    else if (ruleFileKind(path) === 'fixtures') {
      const rule = rulePathsFor(path).find((candidate) => {
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
  return { rules: [...rules].sort(), missing, notRules };
}
