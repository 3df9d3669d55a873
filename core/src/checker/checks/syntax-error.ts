import type { Check } from '../check';

/** Reported by the parser (parse.ts) before any other check runs; this file holds its id and docs. */
export const syntaxError: Check = {
  id: 'syntax-error',
  severity: 'error',
  stage: 'parse',
  docs: {
    summary: 'The rule is not valid Lua 5.3, so it cannot run and no other check can look at it.',
    fix: 'Fix the code at the position shown; the message says what the parser expected (often a missing `end`, `then` or `)`).',
    example: 'if context.metrics.wsjf_score > 50\n  return { decision = "autonomous", confidence = 0.95, reasoning = "high" }\nend',
  },
  run: () => [],
};
