import type { Check } from '../check';

/** Reported by the JSON file validation (json-files.ts) against schemas/rule.schema.json; this file holds its id and docs. */
export const invalidPatternRule: Check = {
  id: 'invalid-pattern-rule',
  severity: 'error',
  stage: 'json',
  docs: {
    summary: 'A pattern rule (`<name>.rule.json`) is not valid JSON or does not match the pattern rule schema (schemas/rule.schema.json): a missing `patterns` list, a metric pattern without `threshold`, a weight outside 0..1, an unknown property, or a regex that cannot be matched in guaranteed linear time (backreferences, lookaround, or more than 2,000 matcher instructions; see docs/pattern-rules.md).',
    fix: 'Fix the JSON at the range shown. A metric pattern needs `metric`, `threshold` (> 0) and `weight` (0..1); a regex pattern needs `field`, `regex` and `weight`.',
    example: '{"category": "epic", "patterns": [{"type": "metric", "metric": "wsjf_score", "weight": 0.9}]}',
  },
  run: () => [],
};
