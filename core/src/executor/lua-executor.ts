// STUB: the real executor is being written; the API below is the contract other modules use.
import type { EvaluationError } from '../model/error-codes';
import type { EvaluationStats, RuleResult } from '../model/result';
import type { ExecutorLimits } from './limits';

export interface CompiledLuaRule {
  readonly chunkName: string;
  readonly checksum: string;
}

export type CompileOutcome = { ok: true; rule: CompiledLuaRule } | { ok: false; error: EvaluationError };

export interface LuaRunOutcome {
  result: RuleResult;
  stats: EvaluationStats;
  /** Lines the rule printed with print(), at most a few hundred. */
  output: string[];
}

export class LuaExecutor {
  constructor(readonly limits: Partial<ExecutorLimits> = {}) {}
  /** Compiles once per distinct source (cached by content). chunkName appears in error messages: "name:LINE: ...". */
  compile(_source: string, _chunkName: string): CompileOutcome {
    throw new Error('not implemented yet');
  }
  /** Runs a compiled rule on a context (a JSON-like value). Never throws: failures become the escalated result plus an error. */
  run(_rule: CompiledLuaRule, _context: unknown): LuaRunOutcome {
    throw new Error('not implemented yet');
  }
  /** compile + run. */
  evaluateSource(source: string, chunkName: string, context: unknown): LuaRunOutcome {
    const compiled = this.compile(source, chunkName);
    if (!compiled.ok) throw new Error(compiled.error.message);
    return this.run(compiled.rule, context);
  }
}
