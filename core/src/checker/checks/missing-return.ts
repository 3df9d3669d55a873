import type { Check } from '../check';
import { finding } from '../check';

export const missingReturn: Check = {
  id: 'missing-return',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: 'A path through the rule reaches the end of the chunk (or of the function whose result the rule returns) without a `return`, so the rule returns nothing and fails with `invalid-result`.',
    fix: 'Make every path end in `return { decision = ..., confidence = ..., reasoning = ... }`: add an `else` branch or a final `return` after the `if`.',
    example: 'function validate(ctx)\n  if ctx.metrics.wsjf_score > 50 then\n    return { decision = "autonomous", confidence = 0.95, reasoning = "high WSJF" }\n  end\nend\nreturn validate(context)',
  },
  run(ctx) {
    if (ctx.contract.uncertain) return [];
    const findings = [];
    for (const fact of ctx.contract.returns) {
      for (const end of implicitEnds(fact.value)) {
        const message = end.functionName
          ? `\`${end.functionName}\` can reach its end without returning, and the rule returns its result; add a final \`return { decision = ..., confidence = ..., reasoning = ... }\` or an \`else\` branch`
          : 'the rule can reach its end without returning a result; end every path with `return { decision = ..., confidence = ..., reasoning = ... }`';
        findings.push(finding(missingReturn, { range: end.range, message }));
      }
    }
    return findings;
  },
};

import type { ImplicitEnd, Value } from '../values';
import { alternatives } from '../values';

function implicitEnds(value: Value): ImplicitEnd[] {
  return alternatives(value).flatMap((fact) => (fact.value.kind === 'nil' && fact.value.implicit ? [fact.value.implicit] : []));
}
