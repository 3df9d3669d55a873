import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { checkLuaRule, checkRulesFile, loadContextSchema, SchemaCache } from '../../core/src/checker';
import { ruleFileKind } from '../../core/src/rules-folder/file-names';
import type { ContextSchema, ContractAnalysis, Finding, FixtureRun } from '../../core/src/checker';
import type { LuaRulesSettings } from './settings';
import { DEFAULT_SETTINGS } from './settings';

/** The file path of a `file:` URI; undefined for other schemes (untitled documents). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** What the server remembers about a rule document between requests. */
export interface DocumentAnalysis {
  version: number;
  findings: Finding[];
  schema?: ContextSchema;
  /** The analysis of the last version that parsed (kept while the user types broken code). */
  lastContract?: ContractAnalysis;
  fixtureRun?: FixtureRun;
  /** The document version the fixture run belongs to. */
  fixtureVersion?: number;
}

/**
 * The server's view of rule files: checks a document with the schema that applies
 * to it (the nearest `context.schema.json`, or the configured `schemaPath`), keeps
 * the last analysis for completion and hover, and reads a file from the editor when
 * it is open there, else from disk.
 */
export class RuleDocuments {
  settings: LuaRulesSettings = { ...DEFAULT_SETTINGS };
  workspaceRoots: string[] = [];
  private readonly schemas = new SchemaCache();
  private configuredSchema: { path: string; schema?: ContextSchema; error?: Finding } | undefined;
  private readonly analyses = new Map<string, DocumentAnalysis>();

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  /** Forget cached schemas (a schema file changed, or the settings did). */
  schemasChanged(): void {
    this.schemas.clear();
    this.configuredSchema = undefined;
  }

  analysis(uri: string): DocumentAnalysis | undefined {
    return this.analyses.get(uri);
  }

  forget(uri: string): void {
    this.analyses.delete(uri);
  }

  /** The text of a file: the open document's, else the disk's; undefined if neither exists. */
  text(uri: string): string | undefined {
    const open = this.documents.get(uri);
    if (open) return open.getText();
    const path = uriToPath(uri);
    if (!path || !existsSync(path)) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Runs the checks on one document and remembers the result. */
  check(uri: string, text: string, version: number, remember = true): DocumentAnalysis {
    const path = uriToPath(uri) ?? uri;
    const previous = this.analyses.get(uri);
    let findings: Finding[];
    let contract: ContractAnalysis | undefined;
    let schema: ContextSchema | undefined;
    const configured = this.configuredSchemaFor();
    if (configured && ruleFileKind(path) === 'lua') {
      schema = configured.schema;
      const checked = checkLuaRule(text, schema ? { schema } : {});
      findings = configured.error ? [configured.error, ...checked.findings] : checked.findings;
      contract = checked.contract;
    } else if (ruleFileKind(path) === undefined && uri.startsWith('untitled:')) {
      const checked = checkLuaRule(text);
      findings = checked.findings;
      contract = checked.contract;
    } else {
      const checked = checkRulesFile(path, text, this.schemas);
      findings = checked.findings;
      contract = checked.contract;
      schema = checked.schema;
    }
    const analysis: DocumentAnalysis = {
      version,
      findings,
      ...(schema ? { schema } : {}),
      ...(contract ? { lastContract: contract } : previous?.lastContract ? { lastContract: previous.lastContract } : {}),
      ...(previous?.fixtureRun ? { fixtureRun: previous.fixtureRun, fixtureVersion: previous.fixtureVersion! } : {}),
    };
    if (remember) this.analyses.set(uri, analysis);
    return analysis;
  }

  /** The schema for completion and hover in a document that may not have been checked yet. */
  schemaFor(uri: string): ContextSchema | undefined {
    const known = this.analyses.get(uri)?.schema;
    if (known) return known;
    const configured = this.configuredSchemaFor();
    if (configured) return configured.schema;
    const path = uriToPath(uri);
    return path ? this.schemas.forRule(path).schema : undefined;
  }

  private configuredSchemaFor(): { schema?: ContextSchema; error?: Finding } | undefined {
    const setting = this.settings.schemaPath;
    if (!setting) return undefined;
    const path = isAbsolute(setting) ? setting : resolve(this.workspaceRoots[0] ?? process.cwd(), setting);
    if (this.configuredSchema?.path !== path) {
      const loaded = loadContextSchema(path);
      this.configuredSchema = loaded.ok
        ? { path, schema: loaded.schema }
        : { path, error: { code: 'invalid-context-schema', severity: 'warning', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: `${loaded.message} (setting luaRules.schemaPath); context fields are not checked` } };
    }
    return this.configuredSchema;
  }
}
