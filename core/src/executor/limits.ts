/** Limits of one evaluation. Every one is enforced; none can be dodged by the rule. */
export interface ExecutorLimits {
  /** Lua VM instructions per evaluation, coroutines, metamethods and callbacks included. */
  instructions: number;
  /** Bytes a rule may allocate in strings plus growth of the JS heap during one evaluation. */
  memoryBytes: number;
  /** Largest single string a rule may create. */
  maxStringBytes: number;
  /** Wall-clock milliseconds per evaluation, checked inside long library calls too. */
  timeMs: number;
  /** Largest rule source, in UTF-8 bytes, that compiles (and that a rule file may hold). */
  maxSourceBytes: number;
}

export const DEFAULT_LIMITS: ExecutorLimits = {
  instructions: 1_000_000,
  memoryBytes: 64 * 1024 * 1024,
  maxStringBytes: 4 * 1024 * 1024,
  timeMs: 1000,
  maxSourceBytes: 256 * 1024,
};

/** Thrown from JS code running inside an evaluation when a limit is hit; the executor turns it into an error code. */
export class LimitExceeded extends Error {
  constructor(
    readonly code: 'instruction-limit' | 'memory-limit' | 'time-limit',
    message: string,
  ) {
    super(message);
    this.name = 'LimitExceeded';
  }
}

/**
 * What long-running library functions (pattern matching, string building) report to,
 * so that a single call that never returns to the VM is still stopped.
 */
export interface CallBudget {
  /** Report `steps` units of work (about one pattern-matcher step each); throws LimitExceeded when over budget. */
  steps(count: number): void;
  /** Report that a string of `bytes` is about to be created; throws LimitExceeded when too big. */
  allocate(bytes: number): void;
}
