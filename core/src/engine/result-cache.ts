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
 * What one entry costs besides its strings: the Map slot, the entry and result
 * objects and the owner's key set. Measured roughly on Node 20 (a Map of small
 * objects: ~300 bytes an entry); rounded up so the estimate errs on the safe side.
 */
const ENTRY_OVERHEAD_BYTES = 400;

interface Entry {
  readonly owner: ResultCache;
  readonly result: RuleResult;
  readonly expiresAt: number;
  readonly bytes: number;
  /** Hit since it was last put at the back: spared once by eviction (second chance). */
  used: boolean;
}

/**
 * The memory every rule's cache shares: one bound in entries and one in bytes for the
 * whole engine, so no sequence of requests (say, thousands of distinct 1 MB
 * contexts) grows the process past it. Keys are digests of the context (see
 * context-key.ts), so a key costs at most 256 characters whatever the context's size; results are
 * counted by their strings. A Map keeps insertion order; eviction is "second chance"
 * (CLOCK), an approximation of least-recently-used: a hit only marks its entry, and
 * eviction moves a marked first entry to the back instead of dropping it. Why not
 * re-insert on every hit (exact LRU): the Map delete + set was the largest part of a
 * cache hit (issue 16).
 */
export class CacheMemory {
  private readonly entries = new Map<string, Entry>();
  private bytesUsed = 0;

  constructor(readonly options: CacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.bytesUsed;
  }

  get(key: string, now: number): RuleResult | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.remove(key, entry);
      return undefined;
    }
    entry.used = true;
    return entry.result;
  }

  /** False when the entry was not kept (too large for the bound). */
  set(owner: ResultCache, key: string, result: RuleResult, now: number): boolean {
    const bytes = ENTRY_OVERHEAD_BYTES + 2 * (key.length + result.reasoning.length + (result.error?.message.length ?? 0));
    // One entry may not take more than a sixteenth of the memory: a huge reasoning is
    // recomputed rather than evicting hundreds of ordinary entries.
    if (bytes > this.options.maxBytes / 16 || this.options.maxEntries < 1) return false;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    while (this.entries.size > 0 && (this.entries.size >= this.options.maxEntries || this.bytesUsed + bytes > this.options.maxBytes)) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      if (oldest.used && oldest.expiresAt > now) {
        // Each entry is spared at most once per pass: the loop ends.
        oldest.used = false;
        this.entries.delete(oldestKey);
        this.entries.set(oldestKey, oldest);
        continue;
      }
      this.remove(oldestKey, oldest);
    }
    this.entries.set(key, { owner, result, expiresAt: now + this.options.ttlMs, bytes, used: false });
    this.bytesUsed += bytes;
    owner.count++;
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry) this.remove(key, entry);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytesUsed -= entry.bytes;
    entry.owner.count--;
    entry.owner.forget(key);
  }
}

let nextCacheId = 0;

/**
 * The cache of ONE loaded version of one rule, a view on the engine's shared
 * CacheMemory. Its keys carry an id unique to the loaded version, so a hot reload's
 * new version can never be served the old one's results; `clear()` frees them when
 * the version is replaced.
 */
export class ResultCache {
  /** Entries of this view now in memory (kept by CacheMemory). */
  count = 0;
  /** Unique to this view; every key of it starts with it (the engine builds keys with it: no second concatenation). */
  readonly prefix = `${(nextCacheId++).toString(36)}:`;
  private readonly keys = new Set<string>();

  constructor(private readonly memory: CacheMemory) {}

  get size(): number {
    return this.count;
  }

  /** `digest` is the context's digest (contextDigest). */
  get(digest: string, now: number): RuleResult | undefined {
    return this.lookup(this.prefix + digest, now);
  }

  /** Stores a successful result when it is confident enough to cache. */
  offer(digest: string, result: RuleResult, now: number): void {
    if (this.wantsCaching(result)) this.store(this.prefix + digest, result, now);
  }

  /** `key` is `prefix` + the digest. */
  lookup(key: string, now: number): RuleResult | undefined {
    if (this.count === 0) return undefined;
    return this.memory.get(key, now);
  }

  /** `key` is `prefix` + the digest; stores whatever it is given. */
  store(key: string, result: RuleResult, now: number): void {
    if (this.memory.set(this, key, result, now)) this.keys.add(key);
  }

  wantsCaching(result: RuleResult): boolean {
    return result.error === null && result.confidence >= this.memory.options.minConfidence;
  }

  /** Drops every entry of this view (its version was replaced or removed). */
  clear(): void {
    for (const key of [...this.keys]) this.memory.delete(key);
    this.keys.clear();
  }

  /** Called by CacheMemory when it evicts one of this view's entries. */
  forget(key: string): void {
    this.keys.delete(key);
  }
}
