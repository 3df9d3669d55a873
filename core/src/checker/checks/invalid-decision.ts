import type { Check } from '../check';
import { finding } from '../check';
import { DECISIONS, isDecision } from '../../model/decision';
import { didYouMean } from '../did-you-mean';
import { nodeRange } from '../parse';
import type { Finding } from '../types';
import { fieldValues, returnedTables } from './contract-tables';

export const invalidDecision: Check = {
  id: 'invalid-decision',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: 'The `decision` a rule returns is a string that is not one of `autonomous`, `collaborative`, `escalated`; the rule would fail with `invalid-result`.',
    fix: 'Use one of the three decisions, spelled exactly (they are lower case). The quick fix replaces a near miss with the closest decision.',
    example: 'return { decision = "autonomus", confidence = 0.95, reasoning = "high WSJF" }',
  },
  run(ctx) {
    const findings: Finding[] = [];
    for (const table of returnedTables(ctx)) {
      for (const { value, node } of fieldValues(table.shape, 'decision')) {
        if (value.kind !== 'string' || value.value === undefined || !node || isDecision(value.value)) continue;
        const suggestion = didYouMean(value.value, DECISIONS);
        const range = nodeRange(node);
        findings.push(
          finding(invalidDecision, {
            range,
            message: `decision ${JSON.stringify(value.value)} is not one of ${DECISIONS.join(', ')}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
            ...(suggestion ? { fix: { title: `Change to "${suggestion}"`, range, newText: `"${suggestion}"` } } : {}),
          }),
        );
      }
    }
    return findings;
  },
};
