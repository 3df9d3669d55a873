import { ALL_CHECKS } from './checks';

const STAGE_NOTE: Record<string, string> = {
  parse: 'Reported by the parser.',
  ast: '',
  fixtures: "Reported when the rule's fixtures run (the language server after edits; `lua-rules test`).",
  json: 'Reported for `*.rule.json` files.',
};

/** docs/checks.md, generated from each check's own docs so the two cannot drift (a test compares them). */
export function renderChecksMarkdown(): string {
  const lines = [
    '# Checks',
    '',
    '<!-- Generated from core/src/checker/checks/*.ts by renderChecksMarkdown(); edit the checks, then run',
    '     npm run docs:checks (scripts/docs-checks.ts); test/checker/docs.test.ts fails while it is out of date -->',
    '',
    'What `lua-rules check` and the language server report. Each finding has a code (below), a',
    'severity, the narrowest useful range and a message that says how to fix it; many come with a',
    'quick fix in the editor. The checker follows what rule authors write: functions whose result',
    'is returned (`return validate_epic(context)`), locals holding the result table or a decision,',
    'tables filled field by field, `cond and "a" or "b"`, branches, loops and `error(...)`.',
    'Where a value cannot be known it says nothing: an unknown value is not a wrong one.',
    '',
    'Context fields are checked against `context.schema.json` at the rules root (the nearest one',
    'above the rule; `context.<category>.schema.json` for a rule with that `---@category`).',
    '',
    '| Code | Severity | Meaning |',
    '|---|---|---|',
    ...ALL_CHECKS.map((check) => `| [\`${check.id}\`](#${check.id}) | ${check.severity} | ${check.docs.summary.split('. ')[0]!.replace(/\.$/, '')}. |`),
    '',
  ];
  for (const check of ALL_CHECKS) {
    lines.push(`## ${check.id}`, '', `Severity: **${check.severity}**. ${STAGE_NOTE[check.stage] ?? ''}`.trimEnd(), '', check.docs.summary, '', `**How to fix:** ${check.docs.fix}`, '', 'Example:', '', check.stage === 'json' || check.id.startsWith('fixture') ? '```json' : '```lua', check.docs.example, '```', '');
  }
  lines.push(
    '## Other codes',
    '',
    '- `invalid-context-schema` (warning): the context schema file is not valid JSON or not an object; context fields are not checked until it is fixed.',
    '- `too-complex` (information): the rule is nested too deeply for the analysis (thousands of chained operators); only its syntax was checked.',
    '- `internal-error` (information): a check failed on this rule; this is a bug in Lua Rules, the other checks still ran.',
    '',
  );
  return lines.join('\n');
}
