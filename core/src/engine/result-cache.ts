import type { RuleResult } from '../model/result';

/** Seed: results with confidence >= 0.9 are cached for one hour. */
export interface CacheOptions {
  /** Results at or above this confidence are cached; set above 1 to turn caching off. */
  minConfidence: number;
  ttlMs: number;
  /** Entries kept per rule version; the oldest go first. */
  maxEntries: number;
}

export const DEFAULT_CACHE: CacheOptions = { minConfidence: 0.9, ttlMs: 60 * 60 * 1000, maxEntries: 10_000 };

interface Entry {
  result: RuleResult;
  expiresAt: number;
}

/**
 * The cache of ONE version of one rule, keyed by the context's canonical key. It
 * lives and dies with the loaded version: a hot reload drops it with the old
 * version, so an old version's result can never be served.
 */
export class ResultCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: CacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): RuleResult | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.result;
  }

  /** Stores a successful result when it is confident enough to cache. */
  offer(key: string, result: RuleResult, now: number): void {
    if (!this.wantsCaching(result)) return;
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { result, expiresAt: now + this.options.ttlMs });
  }

  wantsCaching(result: RuleResult): boolean {
    return result.error === null && result.confidence >= this.options.minConfidence;
  }
}
