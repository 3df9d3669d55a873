import type { Check } from '../check';
import { finding } from '../check';
import { FORBIDDEN_GLOBALS, FORBIDDEN_LIBRARY_MEMBERS } from '../../executor/sandbox-globals';
import { nodeRange } from '../parse';
import type { Finding } from '../types';

export const forbiddenGlobal: Check = {
  id: 'forbidden-global',
  severity: 'error',
  stage: 'ast',
  docs: {
    summary: `The rule uses something the sandbox removes (${Object.keys(FORBIDDEN_GLOBALS).join(', ')}, ${Object.keys(FORBIDDEN_LIBRARY_MEMBERS).join(', ')}). It is nil when the rule runs, so the rule fails. The list is the executor's own (core/src/executor/sandbox-globals.ts).`,
    fix: 'Remove the use. Rules are pure functions of `context`: pass time, random draws or data in through the context instead of reading them.',
    example: 'local now = os.time()',
  },
  run(ctx) {
    const findings: Finding[] = [];
    for (const read of ctx.globals.reads) {
      const reason = FORBIDDEN_GLOBALS[read.name];
      if (reason === undefined || ctx.globals.assigned.has(read.name)) continue;
      findings.push(finding(forbiddenGlobal, { range: nodeRange(read.node), message: `\`${read.name}\` is not available in rules: ${reason}; remove this use` }));
    }
    for (const use of ctx.globals.libraryMembers) {
      const name = `${use.library}.${use.member}`;
      const reason = FORBIDDEN_LIBRARY_MEMBERS[name];
      if (reason === undefined || ctx.globals.assigned.has(use.library)) continue;
      findings.push(finding(forbiddenGlobal, { range: nodeRange(use.expr), message: `\`${name}\` is not available in rules: ${reason}; remove this use` }));
    }
    return findings;
  },
};
