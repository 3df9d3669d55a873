import type { LuaState } from './fengari-runtime';
import { lua, lstr, to_luastring } from './fengari-runtime';
import type { ReadTree } from './context-reads';
import type { LuaTable, LuaTString } from './lua-values';
import { LUA_TAG, newString, newTable, popValue, pushValue, rawSetString } from './lua-values';

/** Limits on a context; the same numbers bound HTTP bodies and fixture contexts. */
export const CONTEXT_LIMITS = {
  maxDepth: 32,
  maxArrayLength: 100_000,
  maxValues: 1_000_000,
  maxStringBytes: 4 * 1024 * 1024,
} as const;

/** A context that cannot become a Lua table; the message names the path and the fix. */
export class InvalidContextError extends Error {
  override name = 'InvalidContextError';
}

/** How a value that cannot be passed is named in messages (shared with engine/context-key.ts). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object' && value !== null) return `a ${value.constructor?.name ?? 'non-plain'} object`;
  return typeof value;
}

/** `context.a[2]`, `context["odd key"]`: the path of a child in messages (shared with engine/context-key.ts). */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Distinct keys kept per Lua state; keys past this (say, ids used as keys) take the plain path. */
const MAX_INTERNED_KEYS = 10_000;
const MAX_INTERNED_KEY_LENGTH = 64;

/**
 * Object keys of contexts (and the executor's own names: `context`, `_G`, the result's
 * fields), kept as Lua strings of one Lua state.
 * Why: fengari hashes a string key by building a hex string of its bytes, once per
 * string object. A key pushed with lua_pushstring is a new string object every
 * time, so every context paid that hash again for "metrics", "wsjf_score", ...;
 * a key kept here is the same object, hash already computed. Lua strings are
 * immutable and rules cannot reach this map, so sharing is safe. (They were kept in
 * the registry and pushed with lua_rawgeti until the executor began building tables
 * without the stack, lua-values.ts.)
 */
export class InternedKeys {
  private readonly strings = new Map<string, LuaTString>();
  /** The executor's own names, fetched once: the environment's fields and the result's. */
  readonly context: LuaTString;
  readonly globals: LuaTString;
  readonly decision: LuaTString;
  readonly confidence: LuaTString;
  readonly reasoning: LuaTString;

  constructor(L: LuaState) {
    this.context = this.get(L, 'context');
    this.globals = this.get(L, '_G');
    this.decision = this.get(L, 'decision');
    this.confidence = this.get(L, 'confidence');
    this.reasoning = this.get(L, 'reasoning');
  }

  /** `key` as a Lua string of L's state: the same object every time while at most MAX_INTERNED_KEYS are kept. */
  get(L: LuaState, key: string): LuaTString {
    let string = this.strings.get(key);
    if (string === undefined) {
      string = newString(L, key);
      if (this.strings.size < MAX_INTERNED_KEYS && key.length <= MAX_INTERNED_KEY_LENGTH) this.strings.set(key, string);
    }
    return string;
  }

  /** Pushes `key` as a Lua string onto L (any thread of the state that owns these keys). */
  push(L: LuaState, key: string): void {
    pushValue(L, LUA_TAG.string, this.get(L, key));
  }
}

/** The message for a context that is not a JSON object at all (shared with engine/context-key.ts). */
export function notAnObject(context: unknown): InvalidContextError | undefined {
  if (typeof context === 'object' && context !== null && !Array.isArray(context) && isPlainObject(context)) return undefined;
  return new InvalidContextError(`the context must be a JSON object, got ${Array.isArray(context) ? 'an array' : context === null ? 'null' : describeValue(context)}`);
}

interface Walk {
  values: number;
  ancestors: object[];
}

/**
 * Checks that a context can become Lua tables, throwing the InvalidContextError the
 * full conversion would throw (same checks, same order, same message). Used where the
 * context is not converted whole: a rule that reads only part of it (context-reads.ts)
 * and the engine's cache keys. The walk builds no path strings; only a context that
 * is refused is walked again with them, to name where the problem is.
 */
export function validateContext(context: unknown): void {
  const refused = notAnObject(context);
  if (refused) throw refused;
  quickValues = 0;
  if (quickCheck(context, 0)) return;
  // Refused by the quick walk: walk again with the exact checks (cycles told apart
  // from depth, own keys only) and paths, which throws the message. The exact walk
  // decides: were it to pass (an enumerable property added to Object.prototype, which
  // for-in sees and Object.keys does not), the context is accepted as before.
  check(context, 'context', 0, { values: 0, ancestors: [] });
}

let quickValues = 0;

/**
 * The same checks as `check` without paths or a list of ancestors: a cycle shows as
 * nesting past the depth limit, which is refused all the same (and `check` then names
 * it). A walk of every value of the context on every evaluation and cache hit, so
 * it allocates nothing: for-in rather than Object.keys, whose array per object was
 * most of the cache hit's garbage and a quarter of the walk's time (issue 16).
 */
function quickCheck(value: unknown, depth: number): boolean {
  if (++quickValues > CONTEXT_LIMITS.maxValues) return false;
  switch (typeof value) {
    case 'string':
      return value.length <= CONTEXT_LIMITS.maxStringBytes;
    case 'number':
      return Number.isFinite(value);
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth >= CONTEXT_LIMITS.maxDepth) return false;
      if (Array.isArray(value)) {
        if (value.length > CONTEXT_LIMITS.maxArrayLength) return false;
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined || (item !== null && !quickCheck(item, depth + 1))) return false;
        }
        return true;
      }
      if (!isPlainObject(value)) return false;
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const item = record[key];
        if (item === undefined || item === null) continue;
        // Numbers, the commonest values, checked here rather than in a call of their own.
        if (typeof item === 'number') {
          if (++quickValues > CONTEXT_LIMITS.maxValues || !Number.isFinite(item)) return false;
          continue;
        }
        if (!quickCheck(item, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function check(value: unknown, path: string | null, depth: number, walk: Walk): void {
  if (++walk.values > CONTEXT_LIMITS.maxValues) {
    throw new InvalidContextError(`the context has more than ${CONTEXT_LIMITS.maxValues.toLocaleString('en-US')} values`);
  }
  switch (typeof value) {
    case 'string':
      if (value.length > CONTEXT_LIMITS.maxStringBytes) throw new InvalidContextError(`${path}: string longer than ${CONTEXT_LIMITS.maxStringBytes} characters`);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidContextError(`${path}: ${value} is not a finite number`);
      return;
    case 'boolean':
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= CONTEXT_LIMITS.maxDepth) throw new InvalidContextError(`${path}: nested deeper than ${CONTEXT_LIMITS.maxDepth} levels`);
      if (walk.ancestors.includes(value)) throw new InvalidContextError(`${path}: the context contains a cycle (a value that contains itself)`);
      walk.ancestors.push(value);
      if (Array.isArray(value)) {
        if (value.length > CONTEXT_LIMITS.maxArrayLength) throw new InvalidContextError(`${path}: array longer than ${CONTEXT_LIMITS.maxArrayLength.toLocaleString('en-US')} elements`);
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) throw new InvalidContextError(`${path === null ? null : childPath(path, i)}: undefined cannot be passed to a rule (use null)`);
          if (item !== null) check(item, path === null ? null : childPath(path, i), depth + 1, walk);
        }
      } else {
        if (!isPlainObject(value)) throw new InvalidContextError(`${path}: ${describeValue(value)} cannot be passed to a rule (only plain JSON objects can)`);
        const record = value as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          const item = record[key];
          if (item !== undefined && item !== null) check(item, path === null ? null : childPath(path, key), depth + 1, walk);
        }
      }
      walk.ancestors.pop();
      return;
    }
    default:
      throw new InvalidContextError(`${path}: ${describeValue(value)} cannot be passed to a rule (only JSON values can)`);
  }
}

/**
 * Converts a JSON-like value onto the Lua stack: objects become tables, arrays 1-based
 * sequences, null nil. An integer up to 2^53 is pushed as a Lua integer (our fengari's
 * integers are exact to 2^53, see patches/fengari/11-*), so `"x" .. n` prints `42`, not
 * `42.0`; anything else as a float.
 *
 * Given the rule's read tree (context-reads.ts), only the part of the context the rule
 * can observe is converted: on the seed's epic rule three numbers instead of the whole
 * context, which was most of a warm evaluation. The whole context is still validated
 * first, so a bad value anywhere is refused as before.
 *
 * Throws InvalidContextError before anything is half-pushed only at the top level;
 * the caller resets the stack on error.
 */
export class ContextPusher {
  private values = 0;
  private readonly ancestors: object[] = [];

  /** `keys` must belong to the same Lua state as L; without it keys are pushed as new strings. */
  constructor(
    private readonly L: LuaState,
    private readonly keys?: InternedKeys,
  ) {}

  /** `validated`: the caller ran validateContext on this context in the same synchronous call (the engine does, once per request). */
  pushContext(context: unknown, reads: ReadTree | null = null, validated = false): void {
    if (reads) {
      if (!validated) validateContext(context);
      pushValue(this.L, LUA_TAG.table, this.prunedTable(context as Record<string, unknown>, reads, 0));
      return;
    }
    const refused = notAnObject(context);
    if (refused) throw refused;
    this.values = 0;
    this.ancestors.length = 0;
    try {
      this.push(context, 0);
    } catch (error) {
      // Converted without path strings (building "context.metrics.x" for every value
      // cost more than pushing it); validation names the place.
      if (error instanceof InvalidContextError) validateContext(context);
      throw error;
    }
  }

  /**
   * The table of what `node` says the rule can observe of `record` (validated), built
   * without the stack (lua-values.ts); a subtree read whole is converted by `push`.
   */
  private prunedTable(record: Record<string, unknown>, node: ReadTree, depth: number): LuaTable {
    const L = this.L;
    const fields = node.fields;
    const table = newTable(L);
    const names = this.keys ? this.luaNames(node, this.keys) : null;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as [string, ReadTree];
      const key = field[0];
      // Own properties only, as the full conversion (Object.keys) sees them: a rule's
      // `context.constructor` or `context.__proto__` is nil, never something of Object's.
      const item = Object.hasOwn(record, key) ? record[key] : undefined;
      if (item === undefined || item === null) continue;
      const child = field[1];
      let type: number;
      let value: unknown;
      switch (typeof item) {
        case 'string':
          // Encoded afresh: caching context values (which vary without end) in lstr's map
          // measured slower than encoding them, and kept user data alive in a global map.
          type = LUA_TAG.string;
          value = newString(L, item);
          break;
        case 'number':
          type = Number.isSafeInteger(item) && !Object.is(item, -0) ? LUA_TAG.integer : LUA_TAG.float;
          value = item;
          break;
        case 'boolean':
          type = LUA_TAG.boolean;
          value = item;
          break;
        default:
          type = LUA_TAG.table;
          if (child.full) {
            this.values = 0;
            if (this.ancestors.length !== 0) this.ancestors.length = 0;
            this.push(item, depth + 1);
            const converted = popValue(L);
            type = converted.type;
            value = converted.value;
          } else if (Array.isArray(item)) {
            value = newTable(L); // an array read only by field names: every such field is nil, its items unobservable
          } else {
            value = this.prunedTable(item as Record<string, unknown>, child, depth + 1);
          }
      }
      rawSetString(L, table, names ? (names[i] as LuaTString) : newString(L, key), type, value);
    }
    return table;
  }

  /** The node's field names as Lua strings of `keys`' state, looked up once per node rather than once per field and evaluation. */
  private luaNames(node: ReadTree, keys: InternedKeys): LuaTString[] {
    const cached = node.luaNames;
    if (cached !== undefined && cached.owner === keys) return cached.names as LuaTString[];
    const names = node.fields.map(([name]) => keys.get(this.L, name));
    node.luaNames = { owner: keys, names };
    return names;
  }

  private pushScalar(value: unknown): void {
    const L = this.L;
    switch (typeof value) {
      case 'string':
        // Encoded afresh: caching context values (which vary without end) in lstr's map
        // measured slower than encoding them, and kept user data alive in a global map.
        lua.lua_pushstring(L, to_luastring(value));
        return;
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) lua.lua_pushinteger(L, value);
        else lua.lua_pushnumber(L, value);
        return;
      case 'boolean':
        lua.lua_pushboolean(L, value);
        return;
      default:
        lua.lua_pushnil(L);
    }
  }

  /** Throws a bare InvalidContextError (no path); pushContext replaces it with validation's message. */
  private push(value: unknown, depth: number): void {
    if (++this.values > CONTEXT_LIMITS.maxValues) throw new InvalidContextError('too many values');
    switch (typeof value) {
      case 'string':
        if (value.length > CONTEXT_LIMITS.maxStringBytes) throw new InvalidContextError('string too long');
        this.pushScalar(value);
        return;
      case 'number':
        if (!Number.isFinite(value)) throw new InvalidContextError('not a finite number');
        this.pushScalar(value);
        return;
      case 'boolean':
        this.pushScalar(value);
        return;
      case 'object':
        if (value === null) {
          lua.lua_pushnil(this.L);
          return;
        }
        this.pushTable(value, depth);
        return;
      default:
        throw new InvalidContextError('not a JSON value');
    }
  }

  private pushTable(value: object, depth: number): void {
    const L = this.L;
    if (depth >= CONTEXT_LIMITS.maxDepth) throw new InvalidContextError('too deep');
    if (this.ancestors.includes(value)) throw new InvalidContextError('a cycle');
    // Each level holds a key and a table on the stack; fengari only guarantees 20 free
    // slots, so deep contexts ask for room (shallow ones never pay for the check).
    if (depth >= 6 && !lua.lua_checkstack(L, 4)) throw new InvalidContextError('the context is nested too deeply to pass to a rule');
    this.ancestors.push(value);
    if (Array.isArray(value)) {
      if (value.length > CONTEXT_LIMITS.maxArrayLength) throw new InvalidContextError('array too long');
      lua.lua_createtable(L, value.length, 0);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === undefined) throw new InvalidContextError('undefined in an array');
        if (item === null) continue; // a hole, like nil in Lua
        this.push(item, depth + 1);
        lua.lua_rawseti(L, -2, i + 1);
      }
    } else {
      if (!isPlainObject(value)) throw new InvalidContextError('not a plain object');
      const keys = Object.keys(value);
      lua.lua_createtable(L, 0, keys.length);
      const record = value as Record<string, unknown>;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined || item === null) continue; // like JSON.stringify and Lua's nil
        if (this.keys) this.keys.push(L, key);
        else lua.lua_pushstring(L, lstr(key));
        this.push(item, depth + 1);
        lua.lua_rawset(L, -3);
      }
    }
    this.ancestors.pop();
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}
