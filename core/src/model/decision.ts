/**
 * The rule contract (docs/rule-authoring.md, "The contract"): every rule returns a decision, a confidence in
 * [0, 1] and a human-readable reasoning. The bands say which decision a confidence
 * is meant for; `decision-confidence-mismatch` warns when a rule disagrees.
 */
export const DECISIONS = ['autonomous', 'collaborative', 'escalated'] as const;
export type Decision = (typeof DECISIONS)[number];

export function isDecision(value: unknown): value is Decision {
  return typeof value === 'string' && (DECISIONS as readonly string[]).includes(value);
}

/** Lower bounds of each band (docs/rule-authoring.md: autonomous >= 0.9, collaborative 0.7..0.89, escalated below 0.7). */
export const BANDS = { autonomous: 0.9, collaborative: 0.7 } as const;

export function decisionForConfidence(confidence: number): Decision {
  if (confidence >= BANDS.autonomous) return 'autonomous';
  if (confidence >= BANDS.collaborative) return 'collaborative';
  return 'escalated';
}

export const DECISION_DOCS: Record<Decision, string> = {
  autonomous: 'The system may act on its own. Meant for confidence >= 0.9.',
  collaborative: 'A human is asked for input or approval. Meant for confidence 0.7 to 0.89.',
  escalated: 'A human decides. Meant for confidence below 0.7, and the result of every failed rule.',
};
