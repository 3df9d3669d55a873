import { fixturesPathFor, ruleFileKind, ruleFileName } from '../../core/src/rules-folder/file-names';
import { luaRuleFromSource } from '../../core/src/rules-folder/rule-file';
import { parsePatternRule } from '../../core/src/patterns/pattern-rule-file';
import { toStorable, InvalidRuleError, type CarriedVersion, type StoredContextSchema } from '../../store/src';

/**
 * Issue 14: a stored version as the rules-folder files `lua-rules publish` reads back,
 * so a store can be kept in git (`export`) and a version can go through another
 * store's gate (`promote`) exactly as a folder would. What is written is every field
 * of `CarriedVersion` (store/src/version-carries.ts): the rule file (its name, kind,
 * content and, in a Lua header or the pattern JSON, its settings), the fixtures file
 * and the context schema file. The names come from the one owner of rule file names
 * (core/src/rules-folder/file-names.ts).
 */
export interface VersionFile {
  /** A file name, relative to the folder it goes in. */
  name: string;
  /** The file's text; null: the file must not exist (a version without fixtures). */
  text: string | null;
}

/**
 * The rule file, its fixtures file and its context schema file (when it has one). A
 * Lua rule is its source as stored; a pattern rule is its canonical JSON
 * pretty-printed (same checksum once read back: the store compares pattern rules by
 * canonical JSON). The fixtures and the schema are the texts stored with the version,
 * byte for byte.
 */
export function versionFiles(v: Pick<CarriedVersion, 'rule' | 'kind' | 'content' | 'fixtures' | 'contextSchema'>): VersionFile[] {
  const rule = ruleFileName(v.rule, v.kind);
  // The names come from a store, which may be any file someone hands over (`--from`):
  // a name that is not one plain file name would write outside the folder.
  if (!isPlainFileName(rule)) throw new UnsafeVersionFileError(`rule "${v.rule}" has a name that is not a file name here; not written`);
  if (v.contextSchema && (!isPlainFileName(v.contextSchema.fileName) || ruleFileKind(v.contextSchema.fileName) !== 'context-schema')) {
    throw new UnsafeVersionFileError(`rule "${v.rule}" carries a context schema named ${JSON.stringify(v.contextSchema.fileName)}, which is not a context schema file name; not written`);
  }
  return [
    { name: rule, text: ruleFileText(v) },
    { name: fixturesPathFor(rule), text: v.fixtures ?? null },
    ...(v.contextSchema ? [{ name: v.contextSchema.fileName, text: v.contextSchema.text }] : []),
  ];
}

/** A stored version whose files would not be plain names in one folder (a crafted or damaged store). */
export class UnsafeVersionFileError extends Error {
  override name = 'UnsafeVersionFileError';
}

/** One file name with no folder in it (stored names become paths: they must stay in the folder they are written to). */
export function isPlainFileName(name: string): boolean {
  return name !== '' && !/[/\\\0]/.test(name) && name !== '.' && name !== '..';
}

function ruleFileText(v: Pick<CarriedVersion, 'kind' | 'content'>): string {
  return v.kind === 'lua' ? v.content : `${JSON.stringify(JSON.parse(v.content), null, 2)}\n`;
}

/**
 * What `publish` would store from a version's rule file text and the fixtures and
 * schema beside it (no gate: the fields only), or why it cannot be read as a rule. The
 * rule file is named as `versionFiles` names it, so its default rule name is the
 * version's.
 */
export function readBackVersion(rule: string, kind: CarriedVersion['kind'], text: string, fixtures: string | null, contextSchema: StoredContextSchema | null): CarriedVersion | { error: string } {
  const name = ruleFileName(rule, kind);
  const loaded = kind === 'lua' ? luaRuleFromSource(text, name, rule) : parsePatternRule(text, name, rule);
  if (!loaded.ok) return { error: loaded.errors.join('; ') };
  try {
    const s = toStorable(loaded.definition);
    return { rule: s.name, kind: s.kind, content: s.content, checksum: s.checksum, settings: s.metadata, fixtures, contextSchema };
  } catch (e) {
    if (e instanceof InvalidRuleError) return { error: e.message };
    throw e;
  }
}

/** `category`, `threshold 0.7`, ...: the carried fields two versions differ on, for messages. */
export function describeFields(fields: readonly string[]): string {
  const names: Record<string, string> = { settings: 'settings (not all in the Lua header)', contextSchema: 'context schema', fixtures: 'fixtures', checksum: 'content checksum' };
  return fields.map((f) => names[f] ?? f).join(', ');
}
