import { applyEdits, modify, parse, printParseErrorCode } from 'jsonc-parser';
import type { FormattingOptions, JSONPath, ParseError } from 'jsonc-parser';
import { SANDBOX_LUA_VERSION } from './sandbox-signatures';

/**
 * The Lua language server's workspace configuration (`.luarc.json`) for rules:
 * Lua 5.3, every LuaLS built-in library switched off (the generated meta file
 * defines exactly what the sandbox keeps instead), the meta folders on
 * `workspace.library`, and `context` a known global.
 *
 * An existing file is edited in place (jsonc-parser edits, so the user's comments,
 * order and formatting survive): only the keys below are set, arrays are extended,
 * never replaced, and every other setting is left as it was.
 */

/** Where LuaLS's settings schema says the file is described (also written as `$schema`). */
export const LUALS_SCHEMA_URL = 'https://raw.githubusercontent.com/LuaLS/vscode-lua/master/setting/schema.json';

/**
 * LuaLS's built-in libraries (`runtime.builtin` in its settings schema) except
 * `builtin`, which holds the basic types (`string`, `integer`...) and must stay.
 * A test compares this list with the schema kept in `schemas/luals/`.
 */
export const LUALS_BUILTIN_LIBRARIES = [
  'basic', 'bit', 'bit32', 'coroutine', 'debug', 'ffi', 'io', 'jit', 'jit.profile', 'jit.util',
  'math', 'os', 'package', 'string', 'string.buffer', 'table', 'table.clear', 'table.new', 'utf8',
] as const;

export const LUALS_VERSION_SETTING = SANDBOX_LUA_VERSION;

export class LuarcError extends Error {
  override name = 'LuarcError';
}

export interface LuarcOptions {
  /** Meta folders to put on `workspace.library`, relative to the `.luarc.json` folder, with `/`. */
  library: readonly string[];
}

type Setting = { path: readonly [string, string]; kind: 'value'; value: unknown } | { path: readonly [string, string]; kind: 'union'; values: readonly string[] } | { path: readonly [string, string]; kind: 'members'; members: Record<string, unknown> };

function ourSettings(options: LuarcOptions): Setting[] {
  return [
    { path: ['runtime', 'version'], kind: 'value', value: LUALS_VERSION_SETTING },
    { path: ['runtime', 'builtin'], kind: 'members', members: Object.fromEntries(LUALS_BUILTIN_LIBRARIES.map((lib) => [lib, 'disable'])) },
    { path: ['workspace', 'library'], kind: 'union', values: options.library },
    { path: ['diagnostics', 'globals'], kind: 'union', values: ['context'] },
  ];
}

/** A fresh `.luarc.json` (nested form, the one LuaLS's own docs show). */
export function newLuarc(options: LuarcOptions): string {
  const out: Record<string, unknown> = { $schema: LUALS_SCHEMA_URL };
  for (const setting of ourSettings(options)) {
    const [section, key] = setting.path;
    const group = (out[section] ??= {}) as Record<string, unknown>;
    group[key] = setting.kind === 'value' ? setting.value : setting.kind === 'union' ? [...setting.values] : { ...setting.members };
  }
  return JSON.stringify(out, null, 2) + '\n';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

function formatting(text: string): FormattingOptions {
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  return { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/**
 * Where a setting lives in the user's file: LuaLS accepts `"runtime.version"`,
 * `"Lua.runtime.version"` and `"runtime": {"version": ...}`; we edit the form the
 * user already has and add new settings in the nested form.
 */
function locate(root: Record<string, unknown>, path: readonly [string, string], file: string): { path: JSONPath; current: unknown } {
  const dotted = path.join('.');
  for (const key of [dotted, `Lua.${dotted}`]) if (key in root) return { path: [key], current: root[key] };
  const [section, key] = path;
  const group = root[section];
  if (group !== undefined && !isObject(group)) throw new LuarcError(`${file}: "${section}" must be an object to add "${key}" to it; fix it or remove it and run again`);
  return { path: [section, key], current: isObject(group) ? group[key] : undefined };
}

/** Our settings merged into the text of an existing `.luarc.json`/`.luarc.jsonc`; `file` names it in errors. */
export function mergeLuarc(existing: string, options: LuarcOptions, file = '.luarc.json'): string {
  // A byte-order mark (some Windows editors write one) is kept, and kept out of the parser's way.
  if (existing.startsWith('\uFEFF')) return '\uFEFF' + mergeLuarc(existing.slice(1), options, file);
  if (existing.trim() === '') return newLuarc(options);
  const errors: ParseError[] = [];
  const root = parse(existing, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  const first = errors[0];
  if (first) throw new LuarcError(`${file}:${lineOf(existing, first.offset)}: not valid JSON (${printParseErrorCode(first.error)}); fix it and run again (nothing was changed)`);
  if (!isObject(root)) throw new LuarcError(`${file}: must hold a JSON object; fix it and run again (nothing was changed)`);
  let text = existing;
  const edit = (path: JSONPath, value: unknown, first = false): void => {
    text = applyEdits(text, modify(text, path, value, { formattingOptions: formatting(text), ...(first ? { getInsertionIndex: () => 0 } : {}) }));
  };
  if (!('$schema' in root)) edit(['$schema'], LUALS_SCHEMA_URL, true);
  for (const setting of ourSettings(options)) {
    const { path, current } = locate(root, setting.path, file);
    const name = setting.path.join('.');
    if (setting.kind === 'value') {
      if (current !== setting.value) edit(path, setting.value);
    } else if (setting.kind === 'union') {
      if (current !== undefined && !Array.isArray(current)) throw new LuarcError(`${file}: "${name}" must be a list; fix it and run again (nothing was changed)`);
      const have = (current ?? []) as unknown[];
      const missing = setting.values.filter((v) => !have.includes(v));
      if (current === undefined) edit(path, [...setting.values]);
      else for (const value of missing) edit([...path, -1], value);
    } else {
      if (current !== undefined && !isObject(current)) throw new LuarcError(`${file}: "${name}" must be an object; fix it and run again (nothing was changed)`);
      for (const [member, value] of Object.entries(setting.members)) if (!isObject(current) || current[member] !== value) edit([...path, member], value);
    }
  }
  return text;
}
