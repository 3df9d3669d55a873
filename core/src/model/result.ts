import type { Decision } from './decision';
import type { EvaluationError } from './error-codes';

/** What a rule evaluation yields: the contract fields plus how it went. */
export interface RuleResult {
  decision: Decision;
  confidence: number;
  reasoning: string;
  /** Null when the rule ran and returned a valid contract table. */
  error: EvaluationError | null;
  /**
   * The line of the `return` that produced the result (a Lua rule's return, also for
   * an invalid result); null for pattern rules and for failures before a return.
   */
  line: number | null;
}

/** Measurements of one evaluation, reported by `lua-rules run` and the decision log. */
export interface EvaluationStats {
  durationMs: number;
  /** Lua VM instructions executed (0 for pattern rules). */
  instructions: number;
}

/** The contract's answer for a rule that failed: escalated, confidence 0, the reason. */
export function failedResult(error: EvaluationError): RuleResult {
  return { decision: 'escalated', confidence: 0, reasoning: error.message, error, line: null };
}
