/**
 * The one owner of rules-folder file names (docs/architecture.md, "Where each concept
 * lives"): which kind a file is, the suffixes, and the rule <-> fixtures mapping.
 * Everything that asks "is this a rule?" or "where are its fixtures?" (the CLI, the
 * checker, the language server, the extension) asks here, so the editor and
 * `lua-rules check` can never disagree on a name.
 *
 * Plain string work with no imports: it takes paths and URIs alike (`/r/x.lua`,
 * `file:///r/x.lua`) and loads nothing, so the extension can use it too.
 * test/core/one-owner.test.ts fails if another module defines these suffixes.
 */

export const LUA_RULE_SUFFIX = '.lua';
export const PATTERN_RULE_SUFFIX = '.rule.json';
export const FIXTURES_SUFFIX = '.fixtures.json';
export const CONTEXT_SCHEMA_FILE = 'context.schema.json';

/** `context.schema.json`, or `context.<category>.schema.json` (the schema of one category). */
const CONTEXT_SCHEMA_NAME = /^context(?:\.([^.]+))?\.schema\.json$/;

/** What a rules-folder file is, by its name; `undefined` for any other file. */
export type RuleFileKind = 'lua' | 'pattern' | 'fixtures' | 'context-schema';

/** The last segment of a path or URI (either separator). */
function fileName(pathOrUri: string): string {
  return pathOrUri.slice(Math.max(pathOrUri.lastIndexOf('/'), pathOrUri.lastIndexOf('\\')) + 1);
}

export function ruleFileKind(pathOrUri: string): RuleFileKind | undefined {
  const name = fileName(pathOrUri);
  if (name.endsWith(FIXTURES_SUFFIX)) return 'fixtures';
  if (name.endsWith(PATTERN_RULE_SUFFIX)) return 'pattern';
  if (CONTEXT_SCHEMA_NAME.test(name)) return 'context-schema';
  if (name.endsWith(LUA_RULE_SUFFIX)) return 'lua';
  return undefined;
}

/** A rule (`.lua` or `.rule.json`), as opposed to fixtures, schemas and other files. */
export function isRuleFile(pathOrUri: string): boolean {
  const kind = ruleFileKind(pathOrUri);
  return kind === 'lua' || kind === 'pattern';
}

/** The category of a `context.<category>.schema.json` name; undefined for `context.schema.json` and other names. */
export function contextSchemaCategory(pathOrUri: string): string | undefined {
  return CONTEXT_SCHEMA_NAME.exec(fileName(pathOrUri))?.[1];
}

/** `context.schema.json`, or `context.<category>.schema.json` when a category is given. */
export function contextSchemaFileName(category?: string): string {
  return category ? `context.${category}.schema.json` : CONTEXT_SCHEMA_FILE;
}

/** The path or URI without its rule suffix (`rules/epic.rule.json` -> `rules/epic`); other names unchanged. */
function ruleStem(rule: string): string {
  if (rule.endsWith(PATTERN_RULE_SUFFIX)) return rule.slice(0, -PATTERN_RULE_SUFFIX.length);
  if (rule.endsWith(LUA_RULE_SUFFIX)) return rule.slice(0, -LUA_RULE_SUFFIX.length);
  return rule;
}

/** What a rule and its fixtures share: `rules/epic` for `rules/epic.lua`, `.rule.json` and `.fixtures.json`; other names unchanged. */
export function ruleFileStem(pathOrUri: string): string {
  return pathOrUri.endsWith(FIXTURES_SUFFIX) ? pathOrUri.slice(0, -FIXTURES_SUFFIX.length) : ruleStem(pathOrUri);
}

/** `rules/epic.lua` and `rules/epic.rule.json` -> `rules/epic.fixtures.json` (paths or URIs). */
export function fixturesPathFor(rule: string): string {
  return ruleStem(rule) + FIXTURES_SUFFIX;
}

/** `rules/epic.fixtures.json` -> the rules it may belong to, Lua first: `rules/epic.lua`, `rules/epic.rule.json`. */
export function rulePathsFor(fixtures: string): string[] {
  if (!fixtures.endsWith(FIXTURES_SUFFIX)) return [];
  const stem = fixtures.slice(0, -FIXTURES_SUFFIX.length);
  return [stem + LUA_RULE_SUFFIX, stem + PATTERN_RULE_SUFFIX];
}

/** The file names a rule called `name` can have: `name.lua`, `name.rule.json`. */
export function ruleFileNames(name: string): string[] {
  return [name + LUA_RULE_SUFFIX, name + PATTERN_RULE_SUFFIX];
}

/** The file a stored rule of this kind is written to (`lua-rules export`, `promote`): `name.lua` or `name.rule.json`. */
export function ruleFileName(name: string, kind: 'lua' | 'pattern'): string {
  return name + (kind === 'lua' ? LUA_RULE_SUFFIX : PATTERN_RULE_SUFFIX);
}

/** The rule name a file gets when its header or JSON does not name it. */
export function defaultRuleName(pathOrUri: string): string {
  return ruleStem(fileName(pathOrUri));
}
