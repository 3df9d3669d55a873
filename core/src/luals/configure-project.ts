import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { loadContextSchema } from '../checker/context-schema';
import type { ContextSchema } from '../checker/context-schema';
import { CONTEXT_SCHEMA_FILE, contextSchemaCategory, isRuleFile } from '../rules-folder/file-names';
import { rulesFolderFiles } from '../rules-folder/walk-rules-folder';
import { generateMeta } from './meta-file';
import { LuarcError, mergeLuarc } from './luarc';

/**
 * Sets a project up for the Lua language server: a meta file per rules folder and
 * the project's `.luarc.json`. Shared by `lua-rules luals`, `lua-rules init` and the
 * VS Code extension, so all three write the same files.
 *
 * Everything is computed before anything is written, so a broken schema or
 * `.luarc.json` is one error and no half-configured project.
 */

/** The meta file of a rules folder, relative to it. In a dot folder: rule walkers skip it. */
export const META_FOLDER = '.luals';
export const META_FILE = 'lua-rules.lua';

export function metaFileOf(folder: RulesFolder): string {
  return join(folder.dir, META_FOLDER, META_FILE);
}

export class LualsError extends Error {
  override name = 'LualsError';
}

export interface RulesFolder {
  dir: string;
  /** Its `context.schema.json`, when it has one. */
  schemaFile?: string;
  /** Its `context.<category>.schema.json` files. */
  categorySchemaFiles: Map<string, string>;
}

export interface PlannedFile {
  path: string;
  text: string;
  /** False when the file already holds exactly this text. */
  changed: boolean;
}

/** Folders read, at most: the editor walks the workspace on start, and a huge one must not stall it. */
const MAX_FOLDERS = 10_000;

/**
 * The rules folders under a project: every folder holding a `context.schema.json`;
 * when there is none, the topmost folders holding rules (their `context` is untyped).
 */
export function findRulesFolders(projectDir: string): RulesFolder[] {
  const withSchema = new Set<string>();
  const withRules = new Set<string>();
  const categorySchemas = new Map<string, Map<string, string>>();
  for (const file of rulesFolderFiles(projectDir, { maxDepth: 12, maxFolders: MAX_FOLDERS })) {
    const dir = dirname(file);
    const name = file.slice(dir.length + 1);
    if (name === CONTEXT_SCHEMA_FILE) withSchema.add(dir);
    else if (isRuleFile(name)) withRules.add(dir);
    const category = contextSchemaCategory(name);
    if (category !== undefined) {
      const byCategory = categorySchemas.get(dir) ?? new Map<string, string>();
      byCategory.set(category, file);
      categorySchemas.set(dir, byCategory);
    }
  }
  const rulesDirs = [...withRules];
  const dirs = withSchema.size > 0 ? [...withSchema] : rulesDirs.filter((d) => !rulesDirs.some((other) => other !== d && d.startsWith(other + sep)));
  return dirs.sort().map((dir) => {
    const schemaFile = join(dir, CONTEXT_SCHEMA_FILE);
    return { dir, ...(existsSync(schemaFile) ? { schemaFile } : {}), categorySchemaFiles: categorySchemas.get(dir) ?? new Map<string, string>() };
  });
}

function posix(path: string): string {
  return path.split(sep).join('/');
}

function schemaOrThrow(path: string): ContextSchema {
  const load = loadContextSchema(path);
  if (!load.ok) throw new LualsError(load.message);
  return load.schema;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LualsError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** `.luarc.json`, or the user's `.luarc.jsonc` when that is the one they have (LuaLS reads either). */
export function luarcPath(projectDir: string): string {
  const json = join(projectDir, '.luarc.json');
  const jsonc = join(projectDir, '.luarc.jsonc');
  return !existsSync(json) && existsSync(jsonc) ? jsonc : json;
}

export interface PlanOptions {
  /** The rules folders (default: found under the project). */
  folders?: RulesFolder[];
  /**
   * False: the meta files only. The editor regenerates the meta files it finds by
   * itself, but touches `.luarc.json`, which holds the user's settings, only after
   * the user said yes.
   */
  luarc?: boolean;
}

/** The files `lua-rules luals` would write for a project, with their new text. */
export function planLualsFiles(projectDir: string, options: PlanOptions = {}): PlannedFile[] {
  const folders = options.folders ?? findRulesFolders(projectDir);
  if (folders.length === 0) throw new LualsError(`no rules folder under ${projectDir}: no ${CONTEXT_SCHEMA_FILE} and no *.lua or *.rule.json rules`);
  const planned: PlannedFile[] = [];
  const add = (path: string, text: string): void => void planned.push({ path, text, changed: readIfExists(path) !== text });
  const library: string[] = [];
  for (const folder of folders) {
    const categorySchemas = new Map([...folder.categorySchemaFiles].map(([category, file]) => [category, schemaOrThrow(file)] as const));
    const metaDir = join(folder.dir, META_FOLDER);
    add(metaFileOf(folder), generateMeta({
      ...(folder.schemaFile ? { schema: schemaOrThrow(folder.schemaFile), schemaFile: posix(relative(projectDir, folder.schemaFile)) } : {}),
      categorySchemas,
    }));
    library.push(posix(relative(projectDir, metaDir)));
  }
  if (options.luarc === false) return planned;
  const rc = luarcPath(projectDir);
  const existing = readIfExists(rc);
  try {
    add(rc, existing === undefined ? mergeLuarc('', { library }) : mergeLuarc(existing, { library }, relative(projectDir, rc) || rc));
  } catch (error) {
    if (error instanceof LuarcError) throw new LualsError(error.message);
    throw error;
  }
  return planned;
}

/** Writes a file whole or not at all (a temporary file renamed over it). */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Plans and writes; returns every planned file (those with `changed` were written). */
export function configureLuals(projectDir: string, options: PlanOptions = {}): PlannedFile[] {
  const planned = planLualsFiles(projectDir, options);
  for (const file of planned) {
    if (!file.changed) continue;
    try {
      writeFileAtomic(file.path, file.text);
    } catch (error) {
      throw new LualsError(`cannot write ${file.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return planned;
}
