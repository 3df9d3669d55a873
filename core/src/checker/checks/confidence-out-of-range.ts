import type { Check } from '../check';
import { finding } from '../check';
import { nodeRange } from '../parse';
import type { Finding } from '../types';
import { fieldValues, returnedTables } from './contract-tables';

export const confidenceOutOfRange: Check = {
  id: 'confidence-out-of-range',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: 'The `confidence` a rule returns is a number outside 0..1 (often a percentage like 95); the rule would fail with `invalid-result`.',
    fix: 'Write the confidence as a fraction from 0 to 1: 95 becomes 0.95. The quick fix divides a percentage by 100.',
    example: 'return { decision = "autonomous", confidence = 95, reasoning = "high WSJF" }',
  },
  run(ctx) {
    const findings: Finding[] = [];
    for (const table of returnedTables(ctx)) {
      for (const { value, node } of fieldValues(table.shape, 'confidence')) {
        if (value.kind !== 'number' || value.value === undefined || !node) continue;
        const n = value.value;
        if (Number.isFinite(n) && n >= 0 && n <= 1) continue;
        const range = nodeRange(node);
        const percentage = n > 1 && n <= 100;
        const asFraction = percentage ? String(Math.round(n * 1000) / 100000) : undefined;
        findings.push(
          finding(confidenceOutOfRange, {
            range,
            message: `confidence ${formatNumber(n)} is outside 0..1; ${asFraction ? `write it as a fraction (${asFraction})` : 'use a number from 0 to 1'}`,
            ...(asFraction ? { fix: { title: `Change to ${asFraction}`, range, newText: asFraction } } : {}),
          }),
        );
      }
    }
    return findings;
  },
};

function formatNumber(n: number): string {
  return Number.isNaN(n) ? 'NaN' : String(n);
}
