import * as crypto from 'node:crypto';
import type { ReadTree } from '../executor/context-reads';
import { childPath, CONTEXT_LIMITS, describeValue, InvalidContextError } from '../executor/push-context';

/**
 * A stable key for a context: JSON with object keys sorted, so `{a, b}` and `{b, a}`
 * share cached results. The walk also validates the context the way the executor
 * does (JSON values only, no cycles, bounded depth), so pattern rules, which never
 * reach the executor, reject the same bad contexts with the same messages.
 * The cache does not keep this key (it is as large as the context) but its digest:
 * see contextDigest.
 */
export function contextKey(context: unknown): string {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new InvalidContextError(`the context must be a JSON object, got ${Array.isArray(context) ? 'an array' : context === null ? 'null' : describeValue(context)}`);
  }
  // First without error paths: building "context.metrics.x" for every value cost more
  // than the rest of the walk on a cache hit. Only a context that is refused is walked
  // again, with paths, to name where the problem is.
  try {
    return write(context, null, 0, { values: 0, ancestors: [] });
  } catch (error) {
    if (!(error instanceof InvalidContextError)) throw error;
  }
  return write(context, 'context', 0, { values: 0, ancestors: [] });
}

/**
 * The result cache's key for a context. A canonical key of up to 256 characters is
 * used as it is (hashing would cost more than the rest of a cache hit: ~4 µs against
 * ~2 µs); a longer one is replaced by its SHA-256 (44 characters of base64), so a
 * cached 1 MB context costs 44 characters of key, not 1 MB. The two cannot collide: a
 * canonical key starts with `{`, base64 never does. The context is still walked whole
 * to compute it (that walk validates it too). A cryptographic hash, because a
 * collision would serve one context's cached result for another.
 */
export const MAX_PLAIN_KEY = 256;

export function contextDigest(context: unknown): string {
  const key = contextKey(context);
  return key.length <= MAX_PLAIN_KEY ? key : hashKey(key);
}

/**
 * The cache key of a context for a rule that observes only `reads` of it
 * (executor/context-reads.ts): the context pruned to those paths, written compactly.
 * Contexts that differ only where the rule cannot look share a key; contexts that
 * differ anywhere it can look do not, because the writing is one-to-one for a given
 * tree, and the tree is fixed for the rule: each child of the tree, in the tree's
 * order, writes one self-delimiting token, `_` (absent or null), `A` (an array read by
 * name), a scalar as JSON, `{...}` for an object read field by field, or a subtree
 * read whole as contextKey writes it. Field names are left out: the tree supplies them,
 * and a short key is cheaper to build and to look up (issue 16). The context must be
 * validated already (validateContext). Long keys are hashed as in contextDigest.
 */
export function readSetDigest(context: Record<string, unknown>, reads: ReadTree): string {
  const key = writerFor(reads)(context);
  return key.length <= MAX_PLAIN_KEY ? key : hashKey(key);
}

type KeyWriter = (value: unknown) => string;

/**
 * Each read tree's writer, compiled once into closures (the tree is fixed for a loaded
 * rule): no walk over the tree's arrays, no destructuring, on every cache lookup.
 */
const writers = new WeakMap<ReadTree, KeyWriter>();
function writerFor(tree: ReadTree): KeyWriter {
  let writer = writers.get(tree);
  if (writer === undefined) {
    writer = compileWriter(tree);
    writers.set(tree, writer);
  }
  return writer;
}

/** A scalar as write does it; undefined for an object or array. */
function scalarToken(value: unknown): string | undefined {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/** What `node` writes for a value: `_`, a scalar, `A`, `{...}` of its fields, or the whole subtree (see readSetDigest). */
function compileWriter(node: ReadTree): KeyWriter {
  if (node.full) {
    return (value) => {
      // A number first: the commonest leaf (a metric compared with a threshold).
      if (typeof value === 'number') return value === 0 && 1 / value < 0 ? '-0' : String(value);
      if (value === undefined || value === null) return '_';
      return scalarToken(value) ?? write(value, null, 0, { values: 0, ancestors: [] });
    };
  }
  const names = node.fields.map(([name]) => name);
  const children = node.fields.map(([, child]) => compileWriter(child));
  const count = names.length;
  return (value) => {
    if (value === undefined || value === null) return '_';
    if (typeof value !== 'object') return scalarToken(value) as string;
    if (Array.isArray(value)) return 'A';
    const record = value as Record<string, unknown>;
    let out = '{';
    for (let i = 0; i < count; i++) {
      const name = names[i] as string;
      // Own properties only, as the conversion sees them: `context.constructor` is nil, not Object's.
      out += (i > 0 ? ',' : '') + (children[i] as KeyWriter)(Object.hasOwn(record, name) ? record[name] : undefined);
    }
    return out + '}';
  };
}

/** One step of a cache key path (see readSetTokens): a read value itself, or a marker. */
export type KeyToken = string | number | boolean | symbol;
/** Markers: never equal to a value read from a context, so a path of tokens is one-to-one. */
const ABSENT = Symbol('absent');
const ARRAY = Symbol('array');
const OBJECT = Symbol('object');
const NEGATIVE_ZERO = Symbol('-0');
/** Followed by the SHA-256 of a string longer than MAX_PLAIN_KEY: never confused with a short string equal to that digest. */
const LONG_STRING = Symbol('long string');
/** Followed by the canonical JSON (or its digest) of a subtree read whole. */
const WHOLE = Symbol('whole');

type TokenWriter = (value: unknown, out: KeyToken[]) => void;

/**
 * The same key as readSetDigest, as a path of tokens instead of a string (issue 16):
 * the values the rule reads go into the path as they are (numbers, strings, booleans),
 * markers stand for absent, an array read by name, an object read field by field, -0,
 * and a subtree read whole (its canonical JSON, or that JSON's digest); a string longer
 * than MAX_PLAIN_KEY is replaced by its digest behind a marker of its own. The result
 * cache keeps a trie of Maps along these paths, so a cache hit builds no string and
 * hashes none: JSON.parse's strings carry their hash already, and numbers hash by value.
 * One-to-one for a given tree like the string (each node writes a prefix-free sequence,
 * the tree fixes the order); test/core/context-reads.test.ts checks that two contexts
 * get the same path exactly when they get the same string. Appends to `out`.
 */
export function readSetTokens(context: Record<string, unknown>, reads: ReadTree, out: KeyToken[]): void {
  const start = out.length;
  tokenWriterFor(reads)(context, out);
  // A rule that reads nothing of the context: one key for every context, not an empty path.
  if (out.length === start) out.push(OBJECT);
}



/** The whole-context key (contextDigest) as a path: the marker and the digest. */
export function contextTokens(context: unknown, out: KeyToken[]): void {
  out.push(WHOLE, contextDigest(context));
}

const tokenWriters = new WeakMap<ReadTree, TokenWriter>();
function tokenWriterFor(tree: ReadTree): TokenWriter {
  let writer = tokenWriters.get(tree);
  if (writer === undefined) {
    writer = compileTokenWriter(tree, true);
    tokenWriters.set(tree, writer);
  }
  return writer;
}

function scalarTokens(value: unknown, out: KeyToken[]): boolean {
  switch (typeof value) {
    case 'number':
      out.push(value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value);
      return true;
    case 'string':
      if (value.length <= MAX_PLAIN_KEY) out.push(value);
      else out.push(LONG_STRING, hashKey(value));
      return true;
    case 'boolean':
      out.push(value);
      return true;
    default:
      return false;
  }
}

/** `root`: the context itself, always an object (validated), so its marker says nothing and is left out: one trie level fewer. */
function compileTokenWriter(node: ReadTree, root = false): TokenWriter {
  if (node.full) {
    return (value, out) => {
      if (typeof value === 'number') out.push(value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value);
      else if (value === undefined || value === null) out.push(ABSENT);
      else if (!scalarTokens(value, out)) {
        const json = write(value, null, 0, { values: 0, ancestors: [] });
        out.push(WHOLE, json.length <= MAX_PLAIN_KEY ? json : hashKey(json));
      }
    };
  }
  const names = node.fields.map(([name]) => name);
  const children = node.fields.map(([, child]) => compileTokenWriter(child));
  const count = names.length;
  return (value, out) => {
    if (value === undefined || value === null) out.push(ABSENT);
    else if (typeof value !== 'object') scalarTokens(value, out);
    else if (Array.isArray(value)) out.push(ARRAY);
    else {
      if (!root) out.push(OBJECT);
      const record = value as Record<string, unknown>;
      for (let i = 0; i < count; i++) {
        const name = names[i] as string;
        // Own properties only, as the conversion sees them: `context.constructor` is nil, not Object's.
        (children[i] as TokenWriter)(Object.hasOwn(record, name) ? record[name] : undefined, out);
      }
    }
  };
}

/** crypto.hash (Node 20.12+) is the one-shot form; createHash is the fallback. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;
function hashKey(key: string): string {
  return oneShot ? oneShot('sha256', key, 'base64') : crypto.createHash('sha256').update(key).digest('base64');
}

/** Context keys repeat from call to call: their JSON quoting is kept (bounded) rather than redone. */
const MAX_QUOTED_KEYS = 10_000;
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

interface WalkState {
  values: number;
  ancestors: object[];
}

/** `path` is null on the fast walk; errors then carry a placeholder and the caller walks again with paths. */
function write(value: unknown, path: string | null, depth: number, state: WalkState): string {
  if (++state.values > CONTEXT_LIMITS.maxValues) throw new InvalidContextError(`the context has more than ${CONTEXT_LIMITS.maxValues.toLocaleString('en-US')} values`);
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidContextError(`${path}: ${value} is not a finite number`);
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth >= CONTEXT_LIMITS.maxDepth) throw new InvalidContextError(`${path}: nested deeper than ${CONTEXT_LIMITS.maxDepth} levels`);
      if (state.ancestors.includes(value)) throw new InvalidContextError(`${path}: the context contains a cycle (a value that contains itself)`);
      state.ancestors.push(value);
      let out: string;
      if (Array.isArray(value)) {
        if (value.length > CONTEXT_LIMITS.maxArrayLength) throw new InvalidContextError(`${path}: array longer than ${CONTEXT_LIMITS.maxArrayLength.toLocaleString('en-US')} elements`);
        out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + write(value[i] ?? null, path === null ? null : childPath(path, i), depth + 1, state);
        out += ']';
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) throw new InvalidContextError(`${path}: ${describeValue(value)} cannot be passed to a rule (only plain JSON objects can)`);
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        out = '{';
        let first = true;
        for (const key of keys) {
          const item = record[key];
          if (item === undefined || item === null) continue; // absent and null are the same nil to a rule
          out += (first ? '' : ',') + quoteKey(key) + ':' + write(item, path === null ? null : childPath(path, key), depth + 1, state);
          first = false;
        }
        out += '}';
      }
      state.ancestors.pop();
      return out;
    }
    default:
      throw new InvalidContextError(`${path}: ${describeValue(value)} cannot be passed to a rule (only JSON values can)`);
  }
}

/** Reads a dotted path ("metrics.wsjf_score") from a context; undefined when any step is missing. */
export function readPath(context: unknown, path: readonly string[]): unknown {
  let current: unknown = context;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
