import type { Check } from '../check';
import { finding } from '../check';
import { didYouMean, suggestionText } from '../../util/did-you-mean';
import { nodeRange } from '../parse';
import type { Finding } from '../types';
import { CONTRACT_FIELDS, returnedTables } from './contract-tables';

export const unknownField: Check = {
  id: 'unknown-field',
  severity: 'warning',
  stage: 'ast',
  docs: {
    summary: 'A returned table has a field that is not part of the contract (`decision`, `confidence`, `reasoning`); the engine ignores it, and it is often a misspelt contract field.',
    fix: 'Rename a misspelt field (the quick fix applies the suggestion) or remove the field; put extra explanation into `reasoning`.',
    example: 'return { decision = "autonomous", confidance = 0.95, reasoning = "high WSJF" }',
  },
  run(ctx) {
    const findings: Finding[] = [];
    for (const table of returnedTables(ctx)) {
      for (const [name, info] of table.shape.fields) {
        if ((CONTRACT_FIELDS as readonly string[]).includes(name) || !info.keyNode) continue;
        const missing = CONTRACT_FIELDS.filter((field) => !table.shape.fields.has(field));
        const suggestion = didYouMean(name, missing.length > 0 ? missing : CONTRACT_FIELDS);
        const range = nodeRange(info.keyNode);
        const isIdentifier = info.keyNode.type === 'Identifier';
        findings.push(
          finding(unknownField, {
            range,
            message: suggestion
              ? `\`${name}\` is not a field of the result and is ignored${suggestionText(suggestion, '`')}`
              : `\`${name}\` is not part of the result (${CONTRACT_FIELDS.join(', ')}) and is ignored by the engine; remove it or put it into the reasoning`,
            ...(suggestion ? { fix: { title: `Rename to \`${suggestion}\``, range, newText: isIdentifier ? suggestion : `"${suggestion}"` } } : {}),
          }),
        );
      }
    }
    return findings;
  },
};
