import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CONTEXT_SCHEMA_FILE, contextSchemaFileName, ruleFileKind } from '../../core/src/rules-folder/file-names';
import { findContextSchemaFile } from '../../core/src/checker';
import { isSkippedFolder } from '../../core/src/rules-folder/walk-rules-folder';
import { carriedOf, type CarriedVersion, type RuleStore, type StoredContextSchema } from '../../store/src';
import { describeFields, readBackVersion, UnsafeVersionFileError, versionFiles, type VersionFile } from './version-files';
import { lostFields } from './promote-version';

/**
 * Issue 14: `lua-rules export`: the live version of every rule, with everything it
 * carries (store/src/version-carries.ts: content, settings, fixtures, context schema),
 * as a folder `lua-rules publish` accepts. Planned first, written after: a file that
 * exists with other content is a conflict, and without `force` nothing at all is
 * written (a half-exported folder would mix two stores).
 *
 * Rules lie flat in the folder, with the context schemas they carry beside them. Rules
 * whose schema differs from the one written at the top for the same file name (they
 * were published when the schema said something else) each get a folder of their own,
 * `<rule>/`, with their schema in it: `publish` finds the nearest schema, so every rule
 * is checked against its own again. Each planned rule is read back (in memory) and
 * compared field by field with the store; a field the files would lose (settings a Lua
 * header does not say) makes the rule `unfaithful` and the export refuses.
 */
export type FileStatus = 'new' | 'same' | 'differs' | 'remove';

export interface PlannedFile {
  /** Relative to the export folder (`x.lua`, `x/context.schema.json`). */
  name: string;
  text: string | null;
  status: FileStatus;
}

export interface PlannedRule {
  rule: string;
  version: number;
  checksum: string;
  disabled: boolean;
  /** The folder it is written to, relative to the export folder ('' for the top). */
  folder: string;
  files: PlannedFile[];
  /** The version carries no context schema, but publishing the folder would find this one for it. */
  inheritsSchema: string | null;
}

export interface ExportPlan {
  rules: PlannedRule[];
  /** Context schemas written at the top, shared by the rules beside them. */
  schemas: PlannedFile[];
  /** Rules with no live version (only pending ones): nothing to export. */
  notLive: string[];
  /** Rules the files cannot reproduce, with why (nothing is written while there is one). */
  unfaithful: string[];
}

function existing(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

function planned(dir: string, name: string, text: string | null): PlannedFile {
  const now = existing(join(dir, name));
  const status: FileStatus = text === null ? (now === null ? 'same' : 'remove') : now === null ? 'new' : now === text ? 'same' : 'differs';
  return { name, text, status };
}

/** The folder of its own a rule gets when its schema cannot be the one at the top (never one the folder walk skips). */
function ownFolder(rule: string): string {
  return isSkippedFolder(rule) ? `_${rule}` : rule;
}

/** The schema `publish` would find for a rule of `category` at the top of `dir`, with the top's planned schemas in place. */
function schemaAtTop(dir: string, category: string | undefined, top: ReadonlyMap<string, string>): StoredContextSchema | null {
  for (const name of [...(category ? [contextSchemaFileName(category)] : []), CONTEXT_SCHEMA_FILE]) {
    const text = top.get(name);
    if (text !== undefined) return { fileName: name, text };
    const onDisk = existing(join(dir, name));
    if (onDisk !== null) return { fileName: name, text: onDisk };
  }
  // Above the folder, as publish walks up.
  const above = findContextSchemaFile(join(dirname(dir), 'x.lua'), category);
  return above === undefined ? null : { fileName: basename(above), text: readFileSync(above, 'utf8') };
}

/** Per schema file name, the text most of the rules carry (ties: the first rule's, by name): written at the top. */
function topSchemas(versions: readonly CarriedVersion[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const v of versions) {
    if (v.contextSchema === null) continue;
    const texts = counts.get(v.contextSchema.fileName) ?? new Map<string, number>();
    texts.set(v.contextSchema.text, (texts.get(v.contextSchema.text) ?? 0) + 1);
    counts.set(v.contextSchema.fileName, texts);
  }
  const top = new Map<string, string>();
  for (const [name, texts] of counts) {
    let best: [string, number] | undefined;
    for (const entry of texts) if (best === undefined || entry[1] > best[1]) best = entry;
    if (best !== undefined) top.set(name, best[0]);
  }
  return top;
}

export async function planExport(store: RuleStore, dir: string): Promise<ExportPlan> {
  const plan: ExportPlan = { rules: [], schemas: [], notLive: [], unfaithful: [] };
  const live: { carried: CarriedVersion; number: number; disabled: boolean; files: VersionFile[] }[] = [];
  for (const rule of await store.listRules()) {
    if (rule.liveVersion === null) {
      plan.notLive.push(rule.name);
      continue;
    }
    const v = await store.version(rule.name, rule.liveVersion);
    const carried = carriedOf(v);
    try {
      live.push({ carried, number: v.number, disabled: (rule.disabled ?? null) !== null, files: versionFiles(carried) });
    } catch (e) {
      if (!(e instanceof UnsafeVersionFileError)) throw e;
      plan.unfaithful.push(`${carried.rule} v${v.number}: ${e.message}`);
    }
  }
  const top = topSchemas(live.map((l) => l.carried));
  for (const [name, text] of top) plan.schemas.push(planned(dir, name, text));
  for (const { carried, number, disabled, files } of live) {
    const atTop = schemaAtTop(dir, carried.settings.category, top);
    const own = carried.contextSchema !== null && (atTop === null || atTop.fileName !== carried.contextSchema.fileName || atTop.text !== carried.contextSchema.text);
    const folder = own ? ownFolder(carried.rule) : '';
    const other = own ? '' : ownFolder(carried.rule);
    const ruleFile = files[0];
    const placed = [
      // A file where its folder must go is in the way: removed like any differing file (--force).
      ...(own && isFile(join(dir, folder)) ? [{ name: folder, text: null, status: 'remove' as const }] : []),
      // The rule and its fixtures where it goes; its schema only in a folder of its own (the top's are shared).
      ...files.filter((f) => own || ruleFileKind(f.name) !== 'context-schema').map((f) => planned(dir, join(folder, f.name), f.text)),
      // The other place must not hold it too (publish would see the rule twice).
      ...files.filter((f) => ruleFileKind(f.name) !== 'context-schema').map((f) => planned(dir, join(other, f.name), null)),
      // Schemas an earlier export left in its folder: all of them when it lies at the top now, the others when it has a folder.
      ...staleSchemas(dir, ownFolder(carried.rule), own ? carried.contextSchema?.fileName : undefined),
    ];
    const readBack = ruleFile?.text == null ? { error: 'no rule file' } : readBackVersion(carried.rule, carried.kind, ruleFile.text, carried.fixtures, own ? carried.contextSchema : atTop);
    if ('error' in readBack) plan.unfaithful.push(`${carried.rule} v${number}: its files do not read back as a rule: ${readBack.error}`);
    else {
      const lost = lostFields(carried, readBack);
      if (lost.length > 0) plan.unfaithful.push(`${carried.rule} v${number}: the files cannot carry its ${describeFields(lost)}`);
    }
    const inherits = carried.contextSchema === null && atTop !== null ? atTop.fileName : null;
    plan.rules.push({ rule: carried.rule, version: number, checksum: carried.checksum, disabled, folder, files: placed, inheritsSchema: inherits });
  }
  return plan;
}

/** Context schemas left in a rule's own folder by an earlier export (but `keep`): the nearest schema wins, so none may stay beside it. */
function staleSchemas(dir: string, folder: string, keep: string | undefined): PlannedFile[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, folder));
  } catch {
    return [];
  }
  return names.filter((n) => ruleFileKind(n) === 'context-schema' && n !== keep).map((n) => planned(dir, join(folder, n), null));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function allFiles(plan: ExportPlan): PlannedFile[] {
  return [...plan.schemas, ...plan.rules.flatMap((r) => r.files)];
}

/** Files whose content would be lost: they exist and differ from the store (or should not exist). */
export function conflictsOf(plan: ExportPlan): string[] {
  return allFiles(plan)
    .filter((f) => f.status === 'differs' || f.status === 'remove')
    .map((f) => f.name);
}

/** Writes the plan; the caller decided that conflicts may be overwritten. Returns the files written or removed. */
export function writeExport(plan: ExportPlan, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const touched: string[] = [];
  for (const f of allFiles(plan)) {
    if (f.status === 'same') continue;
    const path = join(dir, f.name);
    if (f.text === null) rmSync(path, { force: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
    }
    touched.push(f.name);
  }
  return touched;
}
