import { ALL_CHECKS } from './checks';
import type { CheckContext } from './check';
import type { ContextSchema } from './context-schema';
import type { ContractAnalysis } from './contract-analysis';
import { analyseContract } from './contract-analysis';
import { analyseGlobals } from './globals-analysis';
import { parseLua } from './parse';
import { isLuaCatsMetaFile } from '../model/lua-header';
import type { Finding } from './types';
import { sortFindings } from './types';

export interface CheckOptions {
  /** The context schema that applies to the rule, if any. */
  schema?: ContextSchema;
}

export interface RuleCheck {
  findings: Finding[];
  /** The analysis, for completion and hover; undefined when the rule does not parse. */
  contract?: ContractAnalysis;
}

/**
 * Runs every check on one Lua rule. Never throws: a check that crashes on some odd
 * input is a bug in that check, and the other checks' findings are still returned.
 */
export function checkLuaRule(source: string, options: CheckOptions = {}): RuleCheck {
  if (isLuaCatsMetaFile(source)) return { findings: [] };
  const parsed = parseLua(source);
  if (!parsed.ok) return { findings: [parsed.finding] };
  let ctx: CheckContext;
  try {
    ctx = { source, chunk: parsed.chunk, contract: analyseContract(parsed.chunk, options.schema), globals: analyseGlobals(parsed.chunk), ...(options.schema ? { schema: options.schema } : {}) };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // Thousands of chained operators parse, but are too deep for the analysis to walk.
    return { findings: [{ code: 'too-complex', severity: 'information', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: 'the rule is too deeply nested for the checker to analyse; only syntax was checked' }] };
  }
  const contract = ctx.contract;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const check of ALL_CHECKS) {
    if (check.stage !== 'ast') continue;
    let found: Finding[];
    try {
      found = check.run(ctx);
    } catch (error) {
      found = [{ code: 'internal-error', severity: 'information', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: `the ${check.id} check failed on this rule (a bug in Lua Rules): ${(error as Error).message}` }];
    }
    for (const item of found) {
      const key = `${item.code}|${item.range.start.line}:${item.range.start.character}-${item.range.end.line}:${item.range.end.character}|${item.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(item);
    }
  }
  return { findings: sortFindings(findings), contract };
}
