import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Node as JsonNode, ParseError } from 'jsonc-parser';
import { findNodeAtLocation, parseTree, printParseErrorCode } from 'jsonc-parser';
import { validateFixtureFile } from '../fixtures/fixture-file';
import { validatePatternRule } from '../patterns/pattern-rule-file';
import type { RuleFileKind } from '../rules-folder/file-names';
import type { Finding, Position, Range, Severity } from './types';
import { sortFindings } from './types';
import { didYouMean, didYouMeanSuffix, suggestionText } from '../util/did-you-mean';

/** Maps offsets of a text to LSP positions. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): Position {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: offset - this.starts[low]! };
  }
  range(offset: number, length: number): Range {
    return { start: this.position(offset), end: this.position(offset + length) };
  }
}

/** The rules-folder files checked against a JSON Schema (schemas/). */
export type JsonFileKind = Extract<RuleFileKind, 'fixtures' | 'pattern'>;

const SCHEMA_FILES: Record<JsonFileKind, string> = { fixtures: 'fixtures.schema.json', pattern: 'rule.schema.json' };
/** The finding code for a file that breaks its schema. */
export const JSON_FILE_CODES: Record<JsonFileKind, string> = { fixtures: 'fixture-error', pattern: 'invalid-pattern-rule' };

/** `schemas/` of the repository or package, found upwards from this module (source and build output sit at different depths). */
export function schemasFolder(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'schemas', 'fixtures.schema.json'))) return join(dir, 'schemas');
    dir = dirname(dir);
  }
  throw new Error(`cannot find the schemas folder above ${__dirname}`);
}

const validators = new Map<JsonFileKind, ValidateFunction>();
function validator(kind: JsonFileKind): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(schemasFolder(), SCHEMA_FILES[kind]), 'utf8')) as object;
    validate = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
    validators.set(kind, validate);
  }
  return validate;
}

export interface JsonCheck {
  findings: Finding[];
  /** The parsed value when the text is JSON (even if it breaks the schema). */
  value?: unknown;
  tree?: JsonNode;
}

/**
 * Checks a fixtures file or a pattern rule: JSON syntax first (jsonc-parser, so
 * the position of the error is exact), then the JSON Schema (ajv), each problem at
 * the narrowest range: the offending value, or the key of an unexpected property.
 */
export function checkJsonFile(text: string, kind: JsonFileKind): JsonCheck {
  const code = JSON_FILE_CODES[kind];
  const severity: Severity = 'error';
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || !tree) {
    const first = errors[0];
    const range = first ? lines.range(first.offset, Math.max(1, first.length)) : lines.range(0, 0);
    return { findings: [{ code, severity, range, message: `not valid JSON: ${first ? describeParseError(printParseErrorCode(first.error)) : 'empty file'}` }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { findings: [{ code, severity, range: lines.range(0, 0), message: `not valid JSON: ${(error as Error).message}` }] };
  }
  const validate = validator(kind);
  if (validate(value)) return { findings: sortFindings(semanticProblems(kind, value, tree, lines)), value, tree };
  const findings: Finding[] = [];
  const seenPaths = new Set<string>();
  const schemaErrors = validate.errors ?? [];
  for (const error of schemaErrors) {
    if (['if', 'oneOf', 'anyOf', 'allOf'].includes(error.keyword)) continue;
    // A value that may be a number or an object fails both branches: the error inside
    // the object it is says more than "must be number" about the object itself.
    if (error.keyword === 'type' && schemaErrors.some((other) => other.instancePath.startsWith(`${error.instancePath}/`))) continue;
    const key = error.instancePath + (error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : '');
    if (seenPaths.has(key)) continue;
    seenPaths.add(key);
    findings.push({ code, severity, range: errorRange(tree, error, lines), message: describeSchemaError(error) });
  }
  return { findings: sortFindings(findings), value, tree };
}

function segments(instancePath: string): Array<string | number> {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function errorRange(tree: JsonNode, error: ErrorObject, lines: LineIndex): Range {
  const path = segments(error.instancePath);
  const node = findNodeAtLocation(tree, path) ?? tree;
  if (error.keyword === 'additionalProperties' && node.type === 'object') {
    const property = node.children?.find((child) => child.children?.[0]?.value === error.params.additionalProperty);
    const keyNode = property?.children?.[0];
    if (keyNode) return lines.range(keyNode.offset, keyNode.length);
  }
  if ((node.type === 'object' || node.type === 'array') && node.parent?.type === 'property') {
    const keyNode = node.parent.children?.[0];
    if (keyNode) return lines.range(keyNode.offset, keyNode.length);
  }
  if (node.type === 'object' || node.type === 'array') return lines.range(node.offset, 1);
  return lines.range(node.offset, node.length);
}

function pathText(instancePath: string): string {
  const parts = segments(instancePath);
  if (parts.length === 0) return 'the file';
  return parts.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

/**
 * One schema problem in the words `lua-rules test` uses for the same file: what the
 * value must be, what it is (`got …`) and, for a misspelt word, the likely one. Ajv
 * runs with `verbose`, so each error carries the value (`data`) and its schema.
 */
function describeSchemaError(error: ErrorObject): string {
  const where = pathText(error.instancePath);
  switch (error.keyword) {
    case 'required':
      return `${where} is missing "${String(error.params.missingProperty)}"`;
    case 'additionalProperties': {
      const name = String(error.params.additionalProperty);
      const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      const suggestion = properties ? didYouMean(name, Object.keys(properties)) : undefined;
      return `${where} has an unknown property "${name}"${suggestion !== undefined ? suggestionText(suggestion, '"') : '; remove it or check its spelling'}`;
    }
    case 'enum': {
      const allowed = error.params.allowedValues as unknown[];
      const suffix = typeof error.data === 'string' ? didYouMeanSuffix(error.data, allowed.filter((v): v is string => typeof v === 'string')) : '';
      return `${where} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${got(error.data)}${suffix}`;
    }
    case 'const':
      return `${where} must be ${JSON.stringify(error.params.allowedValue)}${got(error.data)}`;
    default:
      // "must be object, got an array" says something; "must NOT have fewer than 1 items, got an array" does not.
      return `${where} ${error.message ?? 'is invalid'}${error.keyword === 'type' || error.data === null || typeof error.data !== 'object' ? got(error.data) : ''}`;
  }
}

/** ", got 1.5" for a value short enough to quote in one line; objects and arrays are named by their kind. */
function got(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return ', got an array';
  if (value !== null && typeof value === 'object') return ', got an object';
  const text = JSON.stringify(value);
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function describeParseError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * What a JSON Schema cannot say (duplicate fixture names, a regex that does not
 * compile), from the same validators `lua-rules test` and the engine use, so the
 * editor and the CLI never disagree about a file.
 */
function semanticProblems(kind: JsonFileKind, value: unknown, tree: JsonNode, lines: LineIndex): Finding[] {
  const errors = kind === 'fixtures' ? resultErrors(validateFixtureFile(value)) : resultErrors(validatePatternRule(value, 'rule', 'rule'));
  return errors.map((message) => ({ code: JSON_FILE_CODES[kind], severity: 'error' as const, range: pathRange(tree, message, lines), message }));
}

function resultErrors(result: { ok: true } | { ok: false; errors: string[] }): string[] {
  return result.ok ? [] : result.errors;
}

/** The range of the JSON path a message starts with (`fixtures[2].name ...`), else the start of the file. */
function pathRange(tree: JsonNode, message: string, lines: LineIndex): Range {
  const match = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*)/.exec(message);
  const path: Array<string | number> = [];
  for (const part of match?.[1]?.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g) ?? []) path.push(part[2] !== undefined ? Number(part[2]) : part[1]!);
  while (path.length > 0) {
    const node = findNodeAtLocation(tree, path);
    if (node) return lines.range(node.offset, node.type === 'object' || node.type === 'array' ? 1 : node.length);
    path.pop();
  }
  return lines.range(0, 0);
}
