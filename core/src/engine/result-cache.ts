import type { RuleResult } from '../model/result';

/** Seed: results with confidence >= 0.9 are cached for one hour. */
export interface CacheOptions {
  /** Results at or above this confidence are cached; set above 1 to turn caching off. */
  minConfidence: number;
  ttlMs: number;
  /** Entries kept in total, across every rule of the engine; the least recently used go first. */
  maxEntries: number;
  /** Bytes kept in total (keys, results and bookkeeping, estimated), across every rule of the engine. */
  maxBytes: number;
}

export const DEFAULT_CACHE: CacheOptions = { minConfidence: 0.9, ttlMs: 60 * 60 * 1000, maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };

/**
 * What one entry costs besides its strings: the entry and result objects and its
 * share of the trie's Maps. Measured roughly on Node 20 (a Map of small objects: ~300
 * bytes an entry); rounded up so the estimate errs on the safe side.
 */
const ENTRY_OVERHEAD_BYTES = 400;
/** Each step of a key path: a Map of its own at worst (a new branch of the trie). */
const STEP_BYTES = 160;

/** One step of a key: a value read from the context, or a marker (see context-key.ts readSetTokens). */
export type CacheKey = readonly (string | number | boolean | symbol)[];
type Trie = Map<string | number | boolean | symbol, Trie | Entry>;

class Entry {
  /** Hit since it was last put at the back: spared once by eviction (second chance). */
  used = false;
  /** An entry ends every path through it: a longer key finds nothing here (lookups need no type test per step). */
  get(): undefined {
    return undefined;
  }
  constructor(
    readonly owner: ResultCache,
    readonly key: CacheKey,
    readonly result: RuleResult,
    readonly expiresAt: number,
    readonly bytes: number,
  ) {}
}

function keyBytes(key: CacheKey): number {
  let bytes = 0;
  for (const step of key) bytes += STEP_BYTES + (typeof step === 'string' ? 2 * step.length : 0);
  return bytes;
}

/**
 * The memory every rule's cache shares: one bound in entries and one in bytes for the
 * whole engine, so no sequence of requests (say, thousands of distinct 1 MB
 * contexts) grows the process past it. Keys are paths of the values a rule reads
 * (context-key.ts), strings longer than 256 characters replaced by their digest, so a
 * key step costs at most that whatever the context's size; results are counted by
 * their strings. Eviction follows one insertion order for every view (a Set of
 * entries) and is "second chance" (CLOCK), an approximation of least recently used: a
 * hit only marks its entry, and eviction moves a marked first entry to the back instead
 * of dropping it. Why not re-insert on every hit (exact LRU): the delete + add was the
 * largest part of a cache hit (issue 16). Each view keeps its entries in a trie of Maps
 * along the key's steps, so a lookup builds no string and hashes none (a key string
 * had to be built, flattened and hashed on every hit: half of it, issue 16).
 */
export class CacheMemory {
  private readonly order = new Set<Entry>();
  private bytesUsed = 0;

  constructor(readonly options: CacheOptions) {}

  get size(): number {
    return this.order.size;
  }

  get bytes(): number {
    return this.bytesUsed;
  }

  get(owner: ResultCache, key: CacheKey, now: number): RuleResult | undefined {
    let node: Trie | Entry | undefined = owner.trie;
    for (let i = 0; i < key.length && node !== undefined; i++) node = node.get(key[i] as string);
    if (!(node instanceof Entry)) return undefined;
    if (node.expiresAt <= now) {
      this.remove(node);
      return undefined;
    }
    node.used = true;
    return node.result;
  }

  /** False when the entry was not kept (too large for the bound). `key` is copied. */
  set(owner: ResultCache, key: CacheKey, result: RuleResult, now: number): boolean {
    const bytes = ENTRY_OVERHEAD_BYTES + keyBytes(key) + 2 * (result.reasoning.length + (result.error?.message.length ?? 0));
    // One entry may not take more than a sixteenth of the memory: a huge reasoning is
    // recomputed rather than evicting hundreds of ordinary entries.
    if (bytes > this.options.maxBytes / 16 || this.options.maxEntries < 1 || key.length === 0) return false;
    const old = this.find(owner, key);
    if (old) this.remove(old);
    while (this.order.size > 0 && (this.order.size >= this.options.maxEntries || this.bytesUsed + bytes > this.options.maxBytes)) {
      const oldest = this.order.values().next().value as Entry;
      if (oldest.used && oldest.expiresAt > now) {
        // Each entry is spared at most once per pass: the loop ends.
        oldest.used = false;
        this.order.delete(oldest);
        this.order.add(oldest);
        continue;
      }
      this.remove(oldest);
    }
    const entry = new Entry(owner, [...key], result, now + this.options.ttlMs, bytes);
    let node = owner.trie;
    for (let i = 0; i < key.length - 1; i++) {
      let next = node.get(key[i] as string);
      if (!(next instanceof Map)) {
        // A prefix never holds an entry (the paths are prefix-free); a new branch otherwise.
        next = new Map();
        node.set(key[i] as string, next);
      }
      node = next;
    }
    node.set(key[key.length - 1] as string, entry);
    this.order.add(entry);
    owner.entries.add(entry);
    this.bytesUsed += bytes;
    return true;
  }

  /** Drops every entry of one view. */
  clear(owner: ResultCache): void {
    for (const entry of [...owner.entries]) this.remove(entry);
  }

  private find(owner: ResultCache, key: CacheKey): Entry | undefined {
    let node: Trie | Entry | undefined = owner.trie;
    for (let i = 0; i < key.length; i++) {
      if (!(node instanceof Map)) return undefined;
      node = node.get(key[i] as string);
    }
    return node instanceof Entry ? node : undefined;
  }

  /** Takes the entry out of the order and the trie, and prunes the branches it leaves empty. */
  private remove(entry: Entry): void {
    this.order.delete(entry);
    this.bytesUsed -= entry.bytes;
    entry.owner.entries.delete(entry);
    const path: Trie[] = [];
    let node: Trie | Entry | undefined = entry.owner.trie;
    for (let i = 0; i < entry.key.length - 1 && node instanceof Map; i++) {
      path.push(node);
      node = node.get(entry.key[i] as string);
    }
    if (!(node instanceof Map) || node.get(entry.key[entry.key.length - 1] as string) !== entry) return;
    node.delete(entry.key[entry.key.length - 1] as string);
    for (let i = path.length - 1; i >= 0 && node.size === 0; i--) {
      const parent = path[i] as Trie;
      parent.delete(entry.key[i] as string);
      node = parent;
    }
  }
}

/**
 * The cache of ONE loaded version of one rule, a view on the engine's shared
 * CacheMemory. Its entries are its own (a hot reload's new version gets a new view,
 * so it can never be served the old one's results); `clear()` frees them when the
 * version is replaced.
 */
export class ResultCache {
  /** This view's entries along their key paths (kept and evicted by CacheMemory). */
  readonly trie: Trie = new Map();
  /** This view's entries now in memory (for clear). */
  readonly entries = new Set<Entry>();

  constructor(private readonly memory: CacheMemory) {}

  get size(): number {
    return this.entries.size;
  }

  /** `key`: a digest string (contextDigest) or a key path (readSetTokens). */
  get(key: string | CacheKey, now: number): RuleResult | undefined {
    if (this.entries.size === 0) return undefined;
    return this.memory.get(this, typeof key === 'string' ? [key] : key, now);
  }

  /** Stores a successful result when it is confident enough to cache. */
  offer(key: string | CacheKey, result: RuleResult, now: number): void {
    if (this.wantsCaching(result)) this.memory.set(this, typeof key === 'string' ? [key] : key, result, now);
  }

  wantsCaching(result: RuleResult): boolean {
    return result.error === null && result.confidence >= this.memory.options.minConfidence;
  }

  /** Drops every entry of this view (its version was replaced or removed). */
  clear(): void {
    this.memory.clear(this);
  }
}
