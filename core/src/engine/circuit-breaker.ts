import type { EvaluationError } from '../model/error-codes';

/**
 * A per-rule circuit breaker. A rule that hits its limits (instructions, memory, time)
 * again and again costs the service a full time limit per request and answers the
 * same error every time; after `failures` limit errors in a row it is answered with
 * that error at once, without running, for `coolDownMs`. After the cool-down one
 * evaluation is let through: a success closes the circuit, another limit error opens
 * it again. Other errors (runtime errors, bad results) are cheap and do not count.
 */
export interface BreakerOptions {
  /** Limit errors in a row that open the circuit. */
  failures: number;
  coolDownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failures: 5, coolDownMs: 30_000 };

const LIMIT_CODES = new Set(['instruction-limit', 'memory-limit', 'time-limit']);

export class CircuitBreaker {
  private inARow = 0;
  private openUntil = 0;
  private lastError: EvaluationError | null = null;
  /** How many times this circuit has opened. */
  opened = 0;

  constructor(private readonly options: BreakerOptions) {}

  /** The error to answer without running the rule, or null when the rule may run. */
  shortCircuit(now: number): EvaluationError | null {
    if (this.lastError === null || now >= this.openUntil) return null;
    const seconds = Math.ceil((this.openUntil - now) / 1000);
    return {
      code: this.lastError.code,
      message: `${this.lastError.message} (circuit open: the rule hit its limits ${this.options.failures} times in a row; it is not run for another ${seconds} s)`,
    };
  }

  isOpen(now: number): boolean {
    return this.lastError !== null && now < this.openUntil;
  }

  /** Records an evaluation that ran (not one answered by shortCircuit). */
  record(error: EvaluationError | null, now: number): void {
    if (error === null || !LIMIT_CODES.has(error.code)) {
      this.inARow = 0;
      this.openUntil = 0;
      this.lastError = null;
      return;
    }
    this.inARow++;
    if (this.inARow >= this.options.failures) {
      this.openUntil = now + this.options.coolDownMs;
      this.lastError = { code: error.code, message: error.message };
      this.opened++;
      // After the cool-down a single limit error opens it again.
      this.inARow = this.options.failures - 1;
    }
  }
}
