import type { Check } from '../check';
import { finding } from '../check';
import { nodeRange } from '../parse';
import { alternatives, luaTypeOf } from '../values';
import { aType } from './contract-tables';

export const returnNotTable: Check = {
  id: 'return-not-table',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: 'The rule returns something other than a table (a string, a number, nil, ...), so the engine cannot read a decision from it.',
    fix: 'Return the contract table: `return { decision = "escalated", confidence = 0.5, reasoning = "why" }`.',
    example: 'return "autonomous"',
  },
  run(ctx) {
    const findings = [];
    for (const fact of ctx.contract.returns.flatMap((f) => alternatives(f.value, f.expr))) {
      const value = fact.value;
      if (value.kind === 'nil' && value.implicit) continue; // missing-return says it
      const type = luaTypeOf(value);
      if (type === undefined || type === 'table' || !fact.expr) continue;
      const what = fact.expr.type === 'ReturnStatement' ? 'nothing' : type === 'nil' ? 'nil' : aType(type);
      const range = nodeRange(fact.expr.type === 'ReturnStatement' ? fact.expr : fact.expr);
      findings.push(finding(returnNotTable, { range, message: `the rule returns ${what} here; return a table { decision = ..., confidence = ..., reasoning = ... } instead` }));
    }
    return findings;
  },
};
