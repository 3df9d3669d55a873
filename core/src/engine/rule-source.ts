import type { RuleDefinition } from '../model/rule';

/** A rule as a source serves it: its definition and the version that definition is. */
export interface VersionedRule {
  definition: RuleDefinition;
  /** Monotonic per rule; the cache keys results by it. Files: 1 (or a content counter). */
  version: number;
  /** Content checksum (sha256 hex of the source or canonical pattern JSON). */
  checksum: string;
}

export interface RuleChange {
  /** New or replaced rules (a new version of a known name replaces it). */
  upserted: VersionedRule[];
  /** Names no longer active. */
  removed: string[];
}

/**
 * Where an engine gets its rules: a folder of files now, a database store later.
 * The engine compiles what `load` gives and applies each change atomically.
 */
export interface RuleSource {
  /** Every active rule now. */
  load(): Promise<VersionedRule[]>;
  /** Optional push of changes; returns a function that stops watching. */
  watch?(onChange: (change: RuleChange) => void): () => void;
}
