import type { Check } from '../check';
import { finding } from '../check';
import type { TableConstructorExpression } from 'luaparse';
import { nodeRange } from '../parse';
import type { Finding, FindingFix } from '../types';
import { CONTRACT_FIELDS, firstLine, returnedTables } from './contract-tables';

const PLACEHOLDER: Record<string, string> = { decision: '"escalated"', confidence: '0.5', reasoning: '"TODO: explain the decision"' };

export const missingField: Check = {
  id: 'missing-field',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: 'A returned table lacks `decision`, `confidence` or `reasoning` on every path, so the rule fails with `invalid-result`.',
    fix: 'Add the field to the table (the quick fix inserts a placeholder): `decision` is one of autonomous, collaborative, escalated; `confidence` a number from 0 to 1; `reasoning` a string.',
    example: 'return { decision = "autonomous", confidence = 0.95 }',
  },
  run(ctx) {
    const findings: Finding[] = [];
    for (const table of returnedTables(ctx)) {
      if (table.shape.open || !table.expr) continue;
      for (const field of CONTRACT_FIELDS) {
        if (table.shape.fields.has(field)) continue;
        const constructor = table.shape.constructorNode;
        const fix = constructor && constructor.type === 'TableConstructorExpression' ? insertField(constructor, field) : undefined;
        findings.push(
          finding(missingField, {
            range: firstLine(table.expr, ctx.source),
            message: `the returned table has no \`${field}\`; add \`${field} = ${PLACEHOLDER[field]}\``,
            ...(fix ? { fix } : {}),
          }),
        );
      }
    }
    return findings;
  },
};

/** Inserts `, field = placeholder` after the last field, or the field alone into `{}`. */
function insertField(constructor: TableConstructorExpression, field: string): FindingFix {
  const last = constructor.fields[constructor.fields.length - 1];
  const at = last ? nodeRange(last).end : { line: nodeRange(constructor).start.line, character: nodeRange(constructor).start.character + 1 };
  const newText = last ? `, ${field} = ${PLACEHOLDER[field]}` : ` ${field} = ${PLACEHOLDER[field]} `;
  return { title: `Add \`${field}\``, range: { start: at, end: at }, newText };
}
