import type { Check } from '../check';
import { finding } from '../check';
import { DECISIONS, isDecision } from '../../model/decision';
import { didYouMean, suggestionText } from '../../util/did-you-mean';
import { nodeRange } from '../parse';
import type { Finding, Range } from '../types';
import { fieldValues, returnedTables } from './contract-tables';

export const invalidDecision: Check = {
  id: 'invalid-decision',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: 'The `decision` a rule returns is a string that is not one of `autonomous`, `collaborative`, `escalated`; the rule would fail with `invalid-result`.',
    fix: 'Use one of the three decisions, spelled exactly (they are lower case). The quick fixes offer the closest decision to a near miss first, then each of the three.',
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
            message: `decision ${JSON.stringify(value.value)} is not one of ${DECISIONS.join(', ')}${suggestionText(suggestion, '"')}`,
            ...decisionFixes(range, suggestion),
          }),
        );
      }
    }
    return findings;
  },
};

/** The did-you-mean as the preferred fix, and each other valid decision beside it (none preferred without a near miss). */
function decisionFixes(range: Range, suggestion: string | undefined): Pick<Finding, 'fix' | 'moreFixes'> {
  const change = (d: string): { title: string; range: Range; newText: string } => ({ title: `Change to "${d}"`, range, newText: `"${d}"` });
  return { ...(suggestion ? { fix: change(suggestion) } : {}), moreFixes: DECISIONS.filter((d) => d !== suggestion).map(change) };
}
