import { fixturesPathFor, ruleFileName } from '../../core/src/rules-folder/file-names';
import type { RuleKind } from '../../core/src/model/rule';

/**
 * Issue 14: a stored version as the rules-folder files `lua-rules publish` reads back,
 * so a store can be kept in git (`export`) and a version can go through another
 * store's gate (`promote`) exactly as a folder would. The names come from the one
 * owner of rule file names (core/src/rules-folder/file-names.ts).
 */
export interface VersionFile {
  /** A file name, relative to the folder it goes in. */
  name: string;
  /** The file's text; null: the file must not exist (a version without fixtures). */
  text: string | null;
}

export interface VersionContent {
  rule: string;
  kind: RuleKind;
  content: string;
  fixtures?: string | null;
}

/**
 * The rule file and its fixtures file. A Lua rule is its source as stored; a pattern
 * rule is its canonical JSON pretty-printed (same checksum once read back: the store
 * compares pattern rules by canonical JSON). The fixtures are the text stored with the
 * version, byte for byte.
 */
export function versionFiles(v: VersionContent): VersionFile[] {
  const rule = ruleFileName(v.rule, v.kind);
  const text = v.kind === 'lua' ? v.content : `${JSON.stringify(JSON.parse(v.content), null, 2)}\n`;
  return [
    { name: rule, text },
    { name: fixturesPathFor(rule), text: v.fixtures ?? null },
  ];
}
