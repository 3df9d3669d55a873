import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CONTEXT_SCHEMA_FILE, contextSchemaFileName } from '../rules-folder/file-names';

/** The parts of JSON Schema the checker reads; everything else is ignored. */
export interface SchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  patternProperties?: Record<string, SchemaNode>;
  items?: SchemaNode | SchemaNode[];
  enum?: unknown[];
  $ref?: string;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
}

export type PropertyLookup =
  | { kind: 'known'; schema: SchemaNode }
  /** The schema lists its fields and this is not one of them. */
  | { kind: 'unknown-field'; known: string[] }
  /** The schema says nothing useful here: stay silent. */
  | { kind: 'open' };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A loaded `context.schema.json`: answers "what is context.a.b?" for the checker,
 * completion and hover. Lookups never throw; a schema part it does not understand
 * makes the answer `open`, which reports nothing.
 */
export class ContextSchema {
  constructor(
    readonly root: SchemaNode,
    /** Where the schema came from, for messages. */
    readonly origin: string,
  ) {}

  /** Follows local `$ref`s (`#/definitions/x`, `#/$defs/x`), at most a few hops. */
  resolve(node: SchemaNode): SchemaNode {
    let current = node;
    for (let hops = 0; hops < 10 && typeof current.$ref === 'string'; hops++) {
      const target = this.pointer(current.$ref);
      if (!target) return {};
      current = target;
    }
    return current;
  }

  private pointer(ref: string): SchemaNode | undefined {
    if (!ref.startsWith('#')) return undefined;
    let node: unknown = this.root;
    for (const raw of ref.slice(1).split('/').filter((part) => part !== '')) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(node)) return undefined;
      node = node[part];
    }
    return isObject(node) ? (node as SchemaNode) : undefined;
  }

  /** The schema and its allOf/anyOf/oneOf parts, resolved. */
  private parts(node: SchemaNode, depth = 0): SchemaNode[] {
    const resolved = this.resolve(node);
    const out = [resolved];
    if (depth > 5) return out;
    for (const list of [resolved.allOf, resolved.anyOf, resolved.oneOf]) {
      if (Array.isArray(list)) for (const part of list) if (isObject(part)) out.push(...this.parts(part, depth + 1));
    }
    return out;
  }

  /** Every declared property of an object schema, for completion. */
  properties(node: SchemaNode): Map<string, SchemaNode> {
    const out = new Map<string, SchemaNode>();
    for (const part of this.parts(node)) {
      if (isObject(part.properties)) for (const [name, schema] of Object.entries(part.properties)) if (!out.has(name) && isObject(schema)) out.set(name, schema);
    }
    return out;
  }

  property(node: SchemaNode, name: string): PropertyLookup {
    const parts = this.parts(node);
    for (const part of parts) {
      const schema = isObject(part.properties) ? part.properties[name] : undefined;
      if (isObject(schema)) return { kind: 'known', schema };
    }
    for (const part of parts) {
      if (isObject(part.patternProperties)) {
        for (const [pattern, schema] of Object.entries(part.patternProperties)) {
          try {
            if (new RegExp(pattern, 'u').test(name)) return isObject(schema) ? { kind: 'known', schema } : { kind: 'open' };
          } catch {
            return { kind: 'open' };
          }
        }
      }
    }
    for (const part of parts) {
      if (isObject(part.additionalProperties)) return { kind: 'known', schema: part.additionalProperties };
      if (part.additionalProperties === true) return { kind: 'open' };
    }
    // Only a schema that lists fields can say a field is unknown; a bare {} or {"type": "object"} stays silent.
    const declared = [...this.properties(node).keys()];
    const describesObject = parts.some((part) => isObject(part.properties));
    const someOpenAlternative = (this.resolve(node).anyOf ?? this.resolve(node).oneOf ?? []).some((alt) => isObject(alt) && !isObject(this.resolve(alt).properties));
    if (!describesObject || someOpenAlternative) return { kind: 'open' };
    return { kind: 'unknown-field', known: declared };
  }

  /** The schema of an array element or map value reached with `[i]`. */
  element(node: SchemaNode): SchemaNode | undefined {
    for (const part of this.parts(node)) {
      if (isObject(part.items)) return part.items;
      if (isObject(part.additionalProperties)) return part.additionalProperties;
    }
    return undefined;
  }

  /** A short type label for hovers: "number", "string | null", "array of object". */
  typeLabel(node: SchemaNode): string {
    const resolved = this.resolve(node);
    if (Array.isArray(resolved.enum)) return resolved.enum.map((v) => JSON.stringify(v)).join(' | ');
    const type = resolved.type;
    if (typeof type === 'string') {
      if (type === 'array') {
        const element = this.element(resolved);
        return element ? `array of ${this.typeLabel(element)}` : 'array';
      }
      return type;
    }
    if (Array.isArray(type)) return type.join(' | ');
    if (isObject(resolved.properties)) return 'object';
    return 'any';
  }

  /** The Lua type names a value of this schema can have, or undefined when it may be anything. */
  luaTypes(node: SchemaNode): Set<string> | undefined {
    const resolved = this.resolve(node);
    const types = typeof resolved.type === 'string' ? [resolved.type] : Array.isArray(resolved.type) ? resolved.type : undefined;
    if (!types) return undefined;
    const out = new Set<string>();
    for (const t of types) {
      if (t === 'integer' || t === 'number') out.add('number');
      else if (t === 'object' || t === 'array') out.add('table');
      else if (t === 'null') out.add('nil');
      else out.add(t);
    }
    return out;
  }
}

export type SchemaLoad = { ok: true; schema: ContextSchema } | { ok: false; message: string; path: string };

/** Reads and parses a schema file; a bad file is one clear message, never an exception. */
export function loadContextSchema(path: string): SchemaLoad {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, path, message: `cannot read the context schema ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  return parseContextSchema(text, path);
}

export function parseContextSchema(text: string, origin: string): SchemaLoad {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, path: origin, message: `the context schema ${origin} is not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { ok: false, path: origin, message: `the context schema ${origin} must be a JSON object (a JSON Schema)` };
  return { ok: true, schema: new ContextSchema(value as SchemaNode, origin) };
}

/** A context schema file as a version stores it (the store's `StoredContextSchema`): its name and its text. */
export interface ContextSchemaFile {
  fileName: string;
  text: string;
}

/**
 * The context schema file the checks of a rule file read (`findContextSchemaFile`),
 * with its name and text, so a published version can keep it; null when none applies.
 */
export function readContextSchemaFor(ruleFile: string, category?: string): ContextSchemaFile | null {
  const path = findContextSchemaFile(ruleFile, category);
  return path === undefined ? null : { fileName: basename(path), text: readFileSync(path, 'utf8') };
}

/**
 * The context schema that applies to a rule file: `context.<category>.schema.json`
 * if the rule has a category and that file exists, else `context.schema.json`, found
 * in the rule's folder or the nearest folder above it (the rules root).
 */
export function findContextSchemaFile(ruleFile: string, category?: string): string | undefined {
  let dir = dirname(ruleFile);
  for (let i = 0; i < 20; i++) {
    if (category) {
      const specific = join(dir, contextSchemaFileName(category));
      if (existsSync(specific)) return specific;
    }
    const general = join(dir, CONTEXT_SCHEMA_FILE);
    if (existsSync(general)) return general;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
