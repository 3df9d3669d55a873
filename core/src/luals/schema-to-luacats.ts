import type { ContextSchema, SchemaNode } from '../checker/context-schema';

/**
 * Turns a context schema into LuaCATS classes and aliases: an object with declared
 * properties becomes a `---@class` (nested objects become classes named by their
 * path, `Context.metrics`), an enum becomes an `---@alias` of its literals, an array
 * `T[]`, a map `table<string, T>`. Whatever the schema leaves open is `any`, so the
 * definitions never claim more than the schema says.
 */

/** A Lua name usable after `---@field` as is; other keys are written `["key"]`. */
const LUA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LUA_KEYWORDS = new Set([
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'goto', 'if', 'in',
  'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while',
]);

/** How deep nested objects become classes; deeper ones are `table` (a schema can nest without end through `$ref`). */
const MAX_DEPTH = 12;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line of description text: LuaCATS reads a field's description up to the end of the line. */
export function oneLine(text: unknown): string {
  return typeof text === 'string' ? text.replace(/\s+/g, ' ').trim() : '';
}

/** A class-name segment from any text: `my-field` -> `my_field`. */
export function nameSegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned || '_';
}

function fieldKey(name: string): string {
  return LUA_NAME.test(name) && !LUA_KEYWORDS.has(name) ? name : `[${JSON.stringify(name)}]`;
}

function literal(value: unknown): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null) return 'nil';
  return undefined;
}

export class LuaCatsWriter {
  /** Blocks of LuaCATS text (a class with its fields, an alias), in the order they were made. */
  private readonly blocks: string[] = [];
  private readonly named = new Map<SchemaNode, string>();
  private readonly usedNames = new Set<string>();

  constructor(private readonly schema: ContextSchema) {}

  text(): string {
    return this.blocks.join('\n');
  }

  private reserve(name: string): string {
    let candidate = name;
    for (let i = 2; this.usedNames.has(candidate); i++) candidate = `${name}${i}`;
    this.usedNames.add(candidate);
    return candidate;
  }

  /** The LuaCATS type of a schema node; makes the classes and aliases it needs, named after `name`. */
  typeOf(node: SchemaNode, name: string, depth = 0): string {
    const resolved = this.schema.resolve(node);
    // A `$ref` names a definition: one class for it however often it is used (and no endless recursion).
    const existing = this.named.get(resolved);
    if (existing) return existing;
    if (typeof node.$ref === 'string' && /^#\/(definitions|\$defs)\/[^/]+$/.test(node.$ref)) {
      name = `Context.${nameSegment(decodeURIComponent(node.$ref.split('/').pop() ?? 'ref'))}`;
    }
    if (Array.isArray(resolved.enum)) return this.enumAlias(resolved, name);
    const alternatives = [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])].filter(isObject);
    if (alternatives.length > 0 && !isObject(resolved.properties)) {
      const types = alternatives.map((alt, i) => this.typeOf(alt, `${name}.${i + 1}`, depth + 1));
      return union(types);
    }
    const declared = typeof resolved.type === 'string' ? [resolved.type] : Array.isArray(resolved.type) ? resolved.type.filter((t): t is string => typeof t === 'string') : [];
    const hasProperties = this.schema.properties(resolved).size > 0;
    if (declared.length === 0) return hasProperties ? this.objectType(resolved, name, depth) : 'any';
    const types = declared.map((t) => this.primitive(t, resolved, name, depth));
    return union(types);
  }

  private primitive(type: string, node: SchemaNode, name: string, depth: number): string {
    switch (type) {
      case 'string':
      case 'boolean':
      case 'integer':
      case 'number':
        return type;
      case 'null':
        return 'nil';
      case 'array': {
        const items = node.items;
        if (isObject(items)) return arrayOf(this.typeOf(items, `${name}.item`, depth + 1));
        return 'any[]';
      }
      case 'object':
        return this.objectType(node, name, depth);
      default:
        return 'any';
    }
  }

  private objectType(node: SchemaNode, name: string, depth: number): string {
    const properties = this.schema.properties(node);
    const extra = node.additionalProperties;
    if (properties.size === 0) {
      if (isObject(extra)) return `table<string, ${this.typeOf(extra, `${name}.value`, depth + 1)}>`;
      return 'table<string, any>';
    }
    if (depth > MAX_DEPTH) return 'table<string, any>';
    const className = this.reserve(name);
    this.named.set(node, className);
    const required = new Set(requiredOf(node));
    const lines: string[] = [];
    const description = oneLine(node.description) || oneLine(node.title);
    if (description) lines.push(`---${description}`);
    lines.push(`---@class ${className}`);
    // Fields are written after the class line; the nested classes they need go in blocks of their own.
    const index = this.blocks.push('') - 1;
    for (const [field, schema] of properties) {
      const type = this.typeOf(schema, `${className}.${nameSegment(field)}`, depth + 1);
      const optional = required.has(field) ? '' : '?';
      const doc = fieldDoc(this.schema.resolve(schema));
      lines.push(`---@field ${fieldKey(field)}${optional} ${type}${doc ? ` ${doc}` : ''}`);
    }
    // Like the checker's unknown-context-field: a schema that lists its fields and says
    // nothing of others gets no index field, so LuaLS flags a misspelt field too.
    if (isObject(extra)) lines.push(`---@field [string] ${this.typeOf(extra, `${className}.value`, depth + 1)}`);
    else if (extra === true || isObject(node.patternProperties)) lines.push('---@field [string] any');
    this.blocks[index] = lines.join('\n') + '\n';
    return className;
  }

  private enumAlias(node: SchemaNode, name: string): string {
    const values = (node.enum ?? []).map(literal).filter((v): v is string => v !== undefined);
    if (values.length === 0) return 'any';
    const aliasName = this.reserve(name);
    this.named.set(node, aliasName);
    const description = oneLine(node.description);
    const lines = [...(description ? [`---${description}`] : []), `---@alias ${aliasName}`, ...values.map((v) => `---| ${v}`)];
    this.blocks.push(lines.join('\n') + '\n');
    return aliasName;
  }
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  if (unique.includes('any')) return 'any';
  const withoutNil = unique.filter((t) => t !== 'nil');
  if (withoutNil.length === 0) return 'nil';
  const joined = withoutNil.join('|');
  return withoutNil.length < unique.length ? (withoutNil.length === 1 ? `${joined}?` : `(${joined})?`) : joined;
}

function arrayOf(type: string): string {
  return /^[\w.]+$/.test(type) ? `${type}[]` : `(${type})[]`;
}

function requiredOf(node: SchemaNode): string[] {
  const required = (node as { required?: unknown }).required;
  return Array.isArray(required) ? required.filter((r): r is string => typeof r === 'string') : [];
}

/** A field's hover text: its description plus the bounds the schema gives. */
function fieldDoc(node: SchemaNode): string {
  const bounds: string[] = [];
  if (typeof node.minimum === 'number') bounds.push(`minimum ${node.minimum}`);
  if (typeof node.maximum === 'number') bounds.push(`maximum ${node.maximum}`);
  const description = oneLine(node.description) || oneLine(node.title);
  return [description, bounds.length > 0 ? `(${bounds.join(', ')})` : ''].filter(Boolean).join(' ');
}
