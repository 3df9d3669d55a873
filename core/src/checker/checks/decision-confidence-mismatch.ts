import type { Check } from '../check';
import { finding } from '../check';
import { BANDS, decisionForConfidence, isDecision } from '../../model/decision';
import type { Decision } from '../../model/decision';
import { nodeRange } from '../parse';
import type { Finding } from '../types';
import { fieldValues, returnedTables } from './contract-tables';

const BAND_TEXT: Record<Decision, string> = {
  autonomous: `>= ${BANDS.autonomous}`,
  collaborative: `${BANDS.collaborative} to below ${BANDS.autonomous}`,
  escalated: `below ${BANDS.collaborative}`,
};

export const decisionConfidenceMismatch: Check = {
  id: 'decision-confidence-mismatch',
  severity: 'warning',
  stage: 'ast',
  docs: {
    summary: `A returned table pairs a decision with a confidence outside that decision's band (autonomous ${BAND_TEXT.autonomous}, collaborative ${BAND_TEXT.collaborative}, escalated ${BAND_TEXT.escalated}). Category evaluation picks the most confident result, so a confident escalation or a timid autonomous decision is usually a slip.`,
    fix: 'Change the decision to the one the confidence belongs to (the quick fix does this), or change the confidence.',
    example: 'return { decision = "autonomous", confidence = 0.5, reasoning = "low WSJF" }',
  },
  run(ctx) {
    const findings: Finding[] = [];
    for (const table of returnedTables(ctx)) {
      const decisions = fieldValues(table.shape, 'decision');
      const confidences = fieldValues(table.shape, 'confidence');
      // Only when both are certain: a value that may be several things is not a mismatch.
      if (decisions.length !== 1 || confidences.length !== 1) continue;
      const [d] = decisions;
      const [c] = confidences;
      if (d!.value.kind !== 'string' || c!.value.kind !== 'number' || !d!.node) continue;
      const decision = d!.value.value;
      const confidence = c!.value.value;
      if (decision === undefined || confidence === undefined || !isDecision(decision) || confidence < 0 || confidence > 1) continue;
      const expected = decisionForConfidence(confidence);
      if (expected === decision) continue;
      const range = nodeRange(d!.node);
      findings.push(
        finding(decisionConfidenceMismatch, {
          range,
          message: `decision "${decision}" is meant for confidence ${BAND_TEXT[decision]}, but confidence is ${confidence} (the ${expected} band); use "${expected}" or change the confidence`,
          fix: { title: `Change to "${expected}"`, range, newText: `"${expected}"` },
        }),
      );
    }
    return findings;
  },
};
