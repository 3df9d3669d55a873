import type { FunctionDeclaration, Node } from 'luaparse';
import type { SchemaNode } from './context-schema';
import type { Range } from './types';

/**
 * What the contract analysis knows about a Lua value. `unknown` is the honest
 * answer for anything it cannot follow; checks never report on it.
 */
export type Value =
  | { kind: 'unknown' }
  /** Produced by error(...): the path ends here. */
  | { kind: 'never' }
  | { kind: 'nil'; node?: Node; implicit?: ImplicitEnd }
  | { kind: 'string'; value?: string; node?: Node }
  | { kind: 'number'; value?: number; node?: Node }
  | { kind: 'boolean'; value?: boolean; node?: Node }
  | { kind: 'function'; fn: FunctionDeclaration; name: string; /** The analysis' own record of where it was defined. */ closure: unknown }
  | { kind: 'table'; shape: TableShape; node?: Node }
  /** The context global or a part of it; `schema` is where it sits in the context schema, if known. */
  | { kind: 'context'; path: string[]; schema?: SchemaNode; node?: Node }
  | { kind: 'union'; options: Value[] }
  /** What a call to a function of the chunk returns: its return sites, kept for precise ranges. */
  | { kind: 'returns'; facts: ReturnFact[] };

/** A place where a function or the chunk can end without `return`. */
export interface ImplicitEnd {
  range: Range;
  /** The function's name; undefined for the chunk itself. */
  functionName?: string;
}

export interface FieldInfo {
  value: Value;
  /** The key as written (`decision` in `decision = ...` or `r.decision = ...`). */
  keyNode?: Node;
  /** Set on some paths only. */
  maybe: boolean;
}

/**
 * A table the rule builds. Shapes are replaced, never changed, so branches can be
 * analysed separately and joined; `open` means fields may be added out of sight
 * (dynamic keys, passed to a function, stored elsewhere) so nothing is missing for sure.
 */
export interface TableShape {
  id: number;
  fields: Map<string, FieldInfo>;
  open: boolean;
  /** The constructor that made it, for fixes that insert a field. */
  constructorNode?: Node;
}

/** One value a function or the chunk can return. */
export interface ReturnFact {
  value: Value;
  /** The expression after `return`, or the `return` statement itself when it returns nothing. */
  expr?: Node;
}

export const UNKNOWN: Value = { kind: 'unknown' };
export const NEVER: Value = { kind: 'never' };

const MAX_UNION = 24;

/** A value that is one of several; nested unions are flattened, duplicates dropped. */
export function union(values: Value[]): Value {
  const options: Value[] = [];
  const add = (value: Value): void => {
    if (value.kind === 'union') value.options.forEach(add);
    else if (value.kind === 'never') return;
    else if (!options.includes(value)) options.push(value);
  };
  values.forEach(add);
  if (options.length === 0) return NEVER;
  if (options.length === 1) return options[0]!;
  if (options.length > MAX_UNION) return UNKNOWN;
  return { kind: 'union', options };
}

/** Every single value a value can be, with the return expression it came from when it is a call result. */
export function alternatives(value: Value, expr?: Node, depth = 0): ReturnFact[] {
  if (depth > 20) return [{ value: UNKNOWN, ...(expr ? { expr } : {}) }];
  switch (value.kind) {
    case 'union':
      return value.options.flatMap((option) => alternatives(option, expr, depth + 1));
    case 'returns':
      return value.facts.flatMap((fact) => alternatives(fact.value, fact.expr, depth + 1));
    case 'never':
      return [];
    default:
      return [{ value, ...(expr ? { expr } : {}) }];
  }
}

/** Joins what two paths know about one variable. */
export function join(a: Value, b: Value): Value {
  if (a === b) return a;
  if (a.kind === 'table' && b.kind === 'table' && a.shape.id === b.shape.id) {
    return { kind: 'table', shape: joinShapes(a.shape, b.shape), ...(a.node ? { node: a.node } : {}) };
  }
  if (a.kind === 'unknown' || b.kind === 'unknown') return UNKNOWN;
  return union([a, b]);
}

function joinShapes(a: TableShape, b: TableShape): TableShape {
  if (a === b) return a;
  const fields = new Map<string, FieldInfo>();
  for (const [name, field] of a.fields) {
    const other = b.fields.get(name);
    if (other) fields.set(name, { value: join(field.value, other.value), maybe: field.maybe || other.maybe, ...keyOf(field, other) });
    else fields.set(name, { ...field, maybe: true });
  }
  for (const [name, field] of b.fields) if (!a.fields.has(name)) fields.set(name, { ...field, maybe: true });
  return { id: a.id, fields, open: a.open || b.open, ...(a.constructorNode ? { constructorNode: a.constructorNode } : {}) };
}

function keyOf(a: FieldInfo, b: FieldInfo): { keyNode?: Node } {
  const keyNode = a.keyNode ?? b.keyNode;
  return keyNode ? { keyNode } : {};
}

/** The values of `v` that are truthy (what `v or x` keeps of v). */
export function truthyPart(value: Value): Value {
  if (value.kind === 'union') return union(value.options.map(truthyPart));
  if (value.kind === 'nil') return NEVER;
  if (value.kind === 'boolean') return value.value === false ? NEVER : { kind: 'boolean', value: true, ...(value.node ? { node: value.node } : {}) };
  return value;
}

/** The values of `v` that are falsy (what `v and x` keeps of v). */
export function falsyPart(value: Value): Value {
  if (value.kind === 'union') return union(value.options.map(falsyPart));
  switch (value.kind) {
    case 'nil':
      return value;
    case 'boolean':
      return value.value === true ? NEVER : { kind: 'boolean', value: false, ...(value.node ? { node: value.node } : {}) };
    case 'unknown':
    case 'context':
    case 'returns':
      return { kind: 'boolean', value: false };
    default:
      return NEVER;
  }
}

/** The Lua type of a value when it is certain: "string", "number", "table", ...; undefined when not. */
export function luaTypeOf(value: Value): string | undefined {
  switch (value.kind) {
    case 'nil':
      return 'nil';
    case 'string':
    case 'number':
    case 'boolean':
    case 'function':
    case 'table':
      return value.kind;
    default:
      return undefined;
  }
}
