/**
 * Stable error codes of a failed evaluation. They are part of the outside contract
 * (CLI JSON, HTTP API, decision log): add codes, never change what one means.
 */
export const EVALUATION_ERROR_CODES = [
  'syntax-error', // the rule does not compile
  'runtime-error', // the rule raised an error (error(), nil arithmetic, stack overflow, ...)
  'instruction-limit', // the instruction budget ran out
  'memory-limit', // the rule allocated more than its memory budget
  'time-limit', // wall-clock budget ran out, also inside one long library call
  'invalid-result', // the rule returned something that is not the contract table
  'invalid-context', // the context could not be converted (cycles, functions, too deep, ...)
  'rule-not-found', // the engine has no such rule
  'internal-error', // a bug in Lua Rules itself; the engine recovers and reports it
] as const;
export type EvaluationErrorCode = (typeof EVALUATION_ERROR_CODES)[number];

export interface EvaluationError {
  code: EvaluationErrorCode;
  message: string;
  /** 1-based line in the rule's own file, when the error has one. */
  line?: number;
}
