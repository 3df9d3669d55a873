import type { Chunk } from 'luaparse';
import type { ContextSchema } from './context-schema';
import type { ContractAnalysis } from './contract-analysis';
import type { GlobalsAnalysis } from './globals-analysis';
import type { Finding, Severity } from './types';

/** What every check sees: the parsed rule and the analyses shared by all checks. */
export interface CheckContext {
  source: string;
  chunk: Chunk;
  contract: ContractAnalysis;
  globals: GlobalsAnalysis;
  /** The context schema, when the rules root has one. */
  schema?: ContextSchema;
}

/** The documentation of a check; docs/checks.md is generated from it. */
export interface CheckDocs {
  /** One sentence: what the finding means. */
  summary: string;
  /** How to fix it. */
  fix: string;
  /** A short Lua (or JSON) example that triggers it. */
  example: string;
}

/**
 * One check, in a file of its own under checks/. `stage` says where its findings
 * come from: `ast` checks run on every parsed rule; `parse` is the parser's own
 * finding; `fixtures` findings come from running the rule's fixtures.
 */
export interface Check {
  id: string;
  severity: Severity;
  stage: 'parse' | 'ast' | 'fixtures' | 'json';
  docs: CheckDocs;
  run(ctx: CheckContext): Finding[];
}

/** A finding of this check (its code and default severity). */
export function finding(check: Pick<Check, 'id' | 'severity'>, rest: Omit<Finding, 'code' | 'severity'>): Finding {
  return { code: check.id, severity: check.severity, ...rest };
}
