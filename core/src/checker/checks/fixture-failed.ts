import type { Check } from '../check';

/** Reported by the fixture runner (fixture-runner.ts); this file holds its id and docs. */
export const fixtureFailed: Check = {
  id: 'fixture-failed',
  severity: 'error',
  stage: 'fixtures',
  docs: {
    summary: 'A fixture in `<name>.fixtures.json` ran and the rule returned something other than what the fixture expects (decision, confidence or reasoning).',
    fix: 'Fix the rule, or the fixture if the expectation is what changed. The message shows expected and actual values.',
    example: '{"fixtures": [{"name": "high-wsjf", "context": {"metrics": {"wsjf_score": 60}}, "expect": {"decision": "autonomous"}}]}',
  },
  run: () => [],
};
