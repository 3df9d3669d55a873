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
  readonly key: string;
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
 * counted by their strings. Eviction follows one insertion order for every view (a
 * Set of entries) and is "second chance" (CLOCK), an approximation of least recently
 * used: a hit only marks its entry, and eviction moves a marked first entry to the
 * back instead of dropping it. Why not re-insert on every hit (exact LRU): the delete
 * + add was the largest part of a cache hit (issue 16). Each view looks its keys up in
 * a Map of its own, so a key needs no prefix naming the view: building and hashing
 * that longer string was a fifth of a cache hit (issue 16).
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

  get(owner: ResultCache, key: string, now: number): RuleResult | undefined {
    const entry = owner.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.remove(entry);
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
    const old = owner.entries.get(key);
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
    const entry: Entry = { owner, key, result, expiresAt: now + this.options.ttlMs, bytes, used: false };
    this.order.add(entry);
    owner.entries.set(key, entry);
    this.bytesUsed += bytes;
    return true;
  }

  /** Drops every entry of one view. */
  clear(owner: ResultCache): void {
    for (const entry of [...owner.entries.values()]) this.remove(entry);
  }

  private remove(entry: Entry): void {
    this.order.delete(entry);
    this.bytesUsed -= entry.bytes;
    entry.owner.entries.delete(entry.key);
  }
}

/**
 * The cache of ONE loaded version of one rule, a view on the engine's shared
 * CacheMemory. Its entries are its own (a hot reload's new version gets a new view,
 * so it can never be served the old one's results); `clear()` frees them when the
 * version is replaced.
 */
export class ResultCache {
  /** This view's entries, by key (kept and evicted by CacheMemory). */
  readonly entries = new Map<string, Entry>();

  constructor(private readonly memory: CacheMemory) {}

  get size(): number {
    return this.entries.size;
  }

  /** `digest` is the context's digest (contextDigest or readSetDigest). */
  get(digest: string, now: number): RuleResult | undefined {
    if (this.entries.size === 0) return undefined;
    return this.memory.get(this, digest, now);
  }

  /** Stores a successful result when it is confident enough to cache. */
  offer(digest: string, result: RuleResult, now: number): void {
    if (this.wantsCaching(result)) this.memory.set(this, digest, result, now);
  }

  wantsCaching(result: RuleResult): boolean {
    return result.error === null && result.confidence >= this.memory.options.minConfidence;
  }

  /** Drops every entry of this view (its version was replaced or removed). */
  clear(): void {
    this.memory.clear(this);
  }
}
