import { checkLuaRule } from '../../core/src/checker/check-lua-rule';
import { parseContextSchema } from '../../core/src/checker/context-schema';
import type { ContextSchema } from '../../core/src/checker/context-schema';
import type { Finding, Range } from '../../core/src/checker/types';

/** The schema most tests use: the example rules' epic/feature context (rules/). */
export const EPIC_SCHEMA_JSON = {
  type: 'object',
  description: 'What the planning system knows about the item.',
  properties: {
    epic_id: { type: 'string', description: 'Id of the epic.' },
    feature_id: { type: 'string' },
    metrics: {
      type: 'object',
      properties: {
        wsjf_score: { type: 'number', description: 'Weighted shortest job first score.' },
        business_value: { type: 'number' },
        job_size: { type: 'number' },
        acceptance_criteria_count: { type: 'integer' },
        dependencies_met: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    tags: { type: 'array', items: { type: 'string' } },
    owners: { type: 'array', items: { $ref: '#/definitions/person' } },
    extra: { type: 'object', additionalProperties: true },
  },
  definitions: { person: { type: 'object', properties: { name: { type: 'string' }, team: { type: 'string' } } } },
};

export function epicSchema(): ContextSchema {
  const loaded = parseContextSchema(JSON.stringify(EPIC_SCHEMA_JSON), '/rules/context.schema.json');
  if (!loaded.ok) throw new Error(loaded.message);
  return loaded.schema;
}

/** Findings of one code (or all) for a rule. */
export function check(source: string, code?: string, schema?: ContextSchema): Finding[] {
  const findings = checkLuaRule(source, schema ? { schema } : {}).findings;
  return code ? findings.filter((f) => f.code === code) : findings;
}

export function range(startLine: number, startCharacter: number, endLine: number, endCharacter: number): Range {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

/** Lines joined with \n: test rules read like files. */
export function lua(...lines: string[]): string {
  return lines.join('\n');
}
