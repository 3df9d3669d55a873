import { basename } from 'node:path';
import type { Node } from 'luaparse';
import type { Check, CheckContext } from '../check';
import { finding } from '../check';
import { nodeRange } from '../parse';
import type { Finding } from '../types';
import type { Value } from '../values';
import { luaTypeOf } from '../values';
import { contextPathText } from './unknown-context-field';
import type { ContractField } from './contract-tables';
import { CONTRACT_FIELDS, aType, fieldValues, returnedTables } from './contract-tables';

const EXPECTED: Record<ContractField, { type: string; hint: string }> = {
  decision: { type: 'string', hint: 'one of "autonomous", "collaborative", "escalated"' },
  confidence: { type: 'number', hint: 'a number from 0 to 1' },
  reasoning: { type: 'string', hint: 'a string that explains the decision' },
};

export const wrongFieldType: Check = {
  id: 'wrong-field-type',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: 'A contract field holds a value of the wrong Lua type: `decision` and `reasoning` must be strings, `confidence` a number. Values read from the context count by their type in the context schema (`reasoning = ctx.metrics.wsjf_score` is a number).',
    fix: 'Write `confidence = 0.9`, not `"0.9"`; build `reasoning` with `string.format(...)` or `tostring(...)`; quote the decision.',
    example: 'return { decision = "autonomous", confidence = "0.95", reasoning = "high WSJF" }',
  },
  run(ctx) {
    const findings: Finding[] = [];
    for (const table of returnedTables(ctx)) {
      for (const field of CONTRACT_FIELDS) {
        for (const { value, node } of fieldValues(table.shape, field)) {
          if (value.kind === 'context' && node) {
            const found = schemaTyped(ctx, field, value, node);
            if (found) findings.push(found);
            continue;
          }
          const type = luaTypeOf(value);
          if (type === undefined || !node || type === EXPECTED[field].type) continue;
          const range = nodeRange(node);
          let fix: Finding['fix'];
          let advice = `set it to ${EXPECTED[field].hint}`;
          if (field === 'confidence' && value.kind === 'string' && value.value !== undefined && /^\s*\d*\.?\d+\s*$/.test(value.value)) {
            fix = { title: `Change to ${value.value.trim()}`, range, newText: value.value.trim() };
            advice = `write ${value.value.trim()} without quotes`;
          } else if (field === 'reasoning' && type === 'number') {
            advice = 'wrap it in tostring(...) or build it with string.format(...)';
          }
          findings.push(finding(wrongFieldType, { range, message: `\`${field}\` must be ${EXPECTED[field].hint}, but this is ${type === 'nil' ? 'nil' : aType(type)}; ${advice}`, ...(fix ? { fix } : {}) }));
        }
      }
    }
    return findings;
  },
};

/** A context value whose schema type is certain and wrong for the field, e.g. `reasoning = ctx.metrics.wsjf_score`. */
function schemaTyped(ctx: CheckContext, field: ContractField, value: Extract<Value, { kind: 'context' }>, node: Node): Finding | undefined {
  if (!ctx.schema || !value.schema) return undefined;
  const types = ctx.schema.luaTypes(value.schema);
  // A missing field reads as nil whatever the schema says; only the declared types count here.
  if (!types || types.has(EXPECTED[field].type)) return undefined;
  const declared = [...types].filter((t) => t !== 'nil');
  if (declared.length === 0) return undefined;
  const advice = field === 'reasoning' && declared.includes('number') ? 'wrap it in tostring(...) or build it with string.format(...)' : `set it to ${EXPECTED[field].hint}`;
  return finding(wrongFieldType, {
    range: nodeRange(node),
    message: `\`${field}\` must be ${EXPECTED[field].hint}, but ${contextPathText(value.path)} is ${declared.map(aType).join(' or ')} in ${basename(ctx.schema.origin)}; ${advice}`,
  });
}
