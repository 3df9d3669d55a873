import { parseLuaHeader } from '../model/lua-header';
import { ruleFileKind } from '../rules-folder/file-names';
import { checkLuaRule } from './check-lua-rule';
import type { RuleCheck } from './check-lua-rule';
import type { ContextSchema } from './context-schema';
import { findContextSchemaFile, loadContextSchema } from './context-schema';
import { checkJsonFile } from './json-files';
import type { Finding } from './types';

/** Caches schemas by path for one run (a workspace check reads each once). */
export class SchemaCache {
  private readonly cache = new Map<string, { schema?: ContextSchema; error?: Finding }>();

  /** The schema that applies to a rule file, or an error finding when the schema file is broken. */
  forRule(ruleFile: string, category?: string): { schema?: ContextSchema; error?: Finding } {
    const path = findContextSchemaFile(ruleFile, category);
    if (!path) return {};
    let entry = this.cache.get(path);
    if (!entry) {
      const loaded = loadContextSchema(path);
      entry = loaded.ok
        ? { schema: loaded.schema }
        : { error: { code: 'invalid-context-schema', severity: 'warning', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: `${loaded.message}; context fields are not checked` } };
      this.cache.set(path, entry);
    }
    return entry;
  }

  clear(): void {
    this.cache.clear();
  }
}

export interface FileCheck extends RuleCheck {
  schema?: ContextSchema;
}

/**
 * Checks one file of a rules folder: a Lua rule (with the context schema that
 * applies to it), a fixtures file or a pattern rule (against their JSON Schemas),
 * a context schema (valid JSON). Other files have no findings.
 */
export function checkRulesFile(path: string, text: string, schemas: SchemaCache = new SchemaCache()): FileCheck {
  switch (ruleFileKind(path)) {
    case 'lua': {
      const category = parseLuaHeader(text).metadata.category;
      const { schema, error } = schemas.forRule(path, category);
      const checked = checkLuaRule(text, schema ? { schema } : {});
      return { ...checked, findings: error ? [error, ...checked.findings] : checked.findings, ...(schema ? { schema } : {}) };
    }
    case 'fixtures':
      return { findings: checkJsonFile(text, 'fixtures').findings };
    case 'pattern':
      return { findings: checkJsonFile(text, 'pattern').findings };
    case 'context-schema': {
      try {
        JSON.parse(text);
        return { findings: [] };
      } catch (error) {
        return { findings: [{ code: 'invalid-context-schema', severity: 'warning', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: `the context schema is not valid JSON: ${(error as Error).message}` }] };
      }
    }
    default:
      return { findings: [] };
  }
}
