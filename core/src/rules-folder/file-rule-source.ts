import { createHash } from 'node:crypto';
import type { RuleSource, VersionedRule } from '../engine/rule-source';
import { collectRuleFiles } from './collect-rule-files';
import { loadRuleFile } from './rule-file';

/** A problem with one file of a folder, reported instead of failing the whole load. */
export interface RuleFileProblem {
  path: string;
  errors: string[];
}

/**
 * Rules from files on disk, for `lua-rules test`, the demo and tests. Every file is
 * version 1; the checksum tells versions of the same name apart. Files that do not
 * load are skipped and listed in `problems`, so one bad file does not stop the rest.
 */
export class FileRuleSource implements RuleSource {
  problems: RuleFileProblem[] = [];

  constructor(private readonly paths: readonly string[]) {}

  async load(): Promise<VersionedRule[]> {
    return this.loadSync();
  }

  loadSync(): VersionedRule[] {
    const collected = collectRuleFiles(this.paths);
    this.problems = collected.missing.map((path) => ({ path, errors: ['file or folder not found'] }));
    const rules: VersionedRule[] = [];
    const names = new Map<string, string>();
    for (const path of collected.rules) {
      const loaded = loadRuleFile(path);
      if (!loaded.ok) {
        this.problems.push({ path, errors: loaded.errors });
        continue;
      }
      const clash = names.get(loaded.definition.name);
      if (clash) {
        this.problems.push({ path, errors: [`rule name '${loaded.definition.name}' is also used by ${clash}`] });
        continue;
      }
      names.set(loaded.definition.name, path);
      rules.push({ definition: loaded.definition, version: 1, checksum: createHash('sha256').update(loaded.text).digest('hex') });
    }
    return rules;
  }
}
