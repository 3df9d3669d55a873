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
    fix: 'Write the confidence as a fraction from 0 to 1: 95 becomes 0.95. A whole number from 2 to 100 reads as a percentage, and the quick fix divides it by 100; any other value (1.5, 250, -0.2) gets a quick fix that clamps it into 0..1.',
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
        // Only a whole number from 2 to 100 reads as a percentage (95 → 0.95). 1.5 is
        // not 1.5 %; it is a confidence past certainty, so it clamps to 1 (and -0.2 to 0).
        const percentage = Number.isInteger(n) && n >= 2 && n <= 100;
        const asFraction = percentage ? String(n / 100) : undefined;
        const clamped = Number.isNaN(n) ? undefined : n > 1 ? '1' : '0';
        const fix = asFraction ? { title: `Change to ${asFraction} (${n} %)`, range, newText: asFraction } : clamped ? { title: `Clamp to ${clamped}`, range, newText: clamped } : undefined;
        findings.push(
          finding(confidenceOutOfRange, {
            range,
            message: `confidence ${formatNumber(n)} is outside 0..1; ${asFraction ? `write it as a fraction (${asFraction})` : `use a number from 0 to 1${clamped ? ` (clamped: ${clamped})` : ''}`}`,
            ...(fix ? { fix } : {}),
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
