import type { Check } from '../check';
import { finding } from '../check';
import { didYouMean, suggestionText } from '../../util/did-you-mean';
import type { Finding } from '../types';
import { basename } from 'node:path';

/** `context.metrics.items[i]` for a path, for messages. */
export function contextPathText(path: string[]): string {
  return path.reduce((text, part) => (part === '[]' ? `${text}[i]` : `${text}.${part}`), 'context');
}

export const unknownContextField: Check = {
  id: 'unknown-context-field',
  severity: 'warning',
  stage: 'ast',
  docs: {
    summary: 'The rule reads a field of `context` (directly or through a local or parameter that holds `context` or a part of it) that the context schema (`context.schema.json` at the rules root) does not declare. It will be nil at run time, usually because of a typo.',
    fix: 'Correct the field name (the quick fix applies the suggestion), or add the field to `context.schema.json` if the context really carries it.',
    example: '-- context.schema.json declares metrics.wsjf_score\nlocal score = context.metrics.wsjf_scor',
  },
  run(ctx) {
    const findings: Finding[] = [];
    if (!ctx.schema) return findings;
    const schemaName = basename(ctx.schema.origin);
    for (const read of ctx.contract.contextReads) {
      if (read.lookup?.kind !== 'unknown-field') continue;
      const suggestion = didYouMean(read.name, read.lookup.known);
      findings.push(
        finding(unknownContextField, {
          range: read.range,
          message: `${contextPathText(read.parentPath)} has no field \`${read.name}\` in ${schemaName}${suggestion ? suggestionText(suggestion, '`') : read.lookup.known.length > 0 ? `; it has ${read.lookup.known.slice(0, 12).join(', ')}` : ''}`,
          ...(suggestion ? { fix: { title: `Change to \`${suggestion}\``, range: read.range, newText: suggestion } } : {}),
        }),
      );
    }
    return findings;
  },
};
