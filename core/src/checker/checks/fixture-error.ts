import type { Check } from '../check';

/** Reported by the fixture runner and the fixture file validation; this file holds its id and docs. */
export const fixtureError: Check = {
  id: 'fixture-error',
  severity: 'error',
  stage: 'fixtures',
  docs: {
    summary: 'A fixture could not be run: the rule failed on it (runtime error such as indexing a missing `context.metrics`, a limit, an invalid result) or the fixture file itself is invalid (not JSON, or not the fixture format).',
    fix: 'Read the message: for a failing rule fix the Lua at the line shown; for a bad fixture file fix the JSON at the range shown.',
    example: '{"fixtures": [{"name": "no-metrics", "context": {}}]}',
  },
  run: () => [],
};
