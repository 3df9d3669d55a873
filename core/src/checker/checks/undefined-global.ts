import type { Check } from '../check';
import { finding } from '../check';
import { FORBIDDEN_GLOBALS, FORBIDDEN_LIBRARY_MEMBERS, PROVIDED_GLOBALS, SAFE_LIBRARIES } from '../../executor/sandbox-globals';
import { didYouMean, suggestionText } from '../../util/did-you-mean';
import { nodeRange } from '../parse';
import type { Finding } from '../types';

const PROVIDED = new Set<string>(PROVIDED_GLOBALS);

/** Lua 5.1 names rules copied from older code use; Fengari is Lua 5.3. */
const LUA51_HINTS: Readonly<Record<string, string>> = {
  unpack: 'Lua 5.3 has `table.unpack` instead',
  'table.getn': 'use the length operator `#t` instead',
  'table.maxn': 'use the length operator `#t` instead',
  'math.pow': 'use the `^` operator instead (`x ^ y`)',
  'math.log10': 'use `math.log(x, 10)` instead',
  'string.gfind': 'Lua 5.3 has `string.gmatch` instead',
};
const LIBRARIES = SAFE_LIBRARIES as Readonly<Record<string, readonly string[]>>;

export const undefinedGlobal: Check = {
  id: 'undefined-global',
  severity: 'warning',
  stage: 'ast',
  docs: {
    summary: 'The rule reads a global name that the sandbox does not provide and the rule never assigns (usually a typo of a local, of `context` or of a library function like `string.format`). It is nil at run time.',
    fix: 'Correct the name (the quick fix applies the suggestion), declare it with `local`, or assign it before use.',
    example: 'local score = contxt.metrics.wsjf_score',
  },
  run(ctx) {
    const findings: Finding[] = [];
    const { reads, assigned, libraryMembers } = ctx.globals;
    const reported = new Set<string>();
    for (const read of reads) {
      if (PROVIDED.has(read.name) || FORBIDDEN_GLOBALS[read.name] !== undefined || assigned.has(read.name)) continue;
      const hint = LUA51_HINTS[read.name];
      const suggestion = read.name === 'unpack' ? 'table.unpack' : hint ? undefined : didYouMean(read.name, [...read.visibleLocals(), ...assigned, ...PROVIDED]);
      const range = nodeRange(read.node);
      reported.add(read.name);
      findings.push(
        finding(undefinedGlobal, {
          range,
          message: `\`${read.name}\` is not defined: no local, no global the rule assigns, nothing the sandbox provides${hint ? `; ${hint}` : suggestion ? suggestionText(suggestion, '`') : '; declare it with `local` or fix the name'}`,
          ...(suggestion ? { fix: { title: `Change to \`${suggestion}\``, range, newText: suggestion } } : {}),
        }),
      );
    }
    for (const use of libraryMembers) {
      const members = LIBRARIES[use.library];
      if (!members || assigned.has(use.library) || members.includes(use.member)) continue;
      if (FORBIDDEN_LIBRARY_MEMBERS[`${use.library}.${use.member}`] !== undefined) continue;
      const hint = LUA51_HINTS[`${use.library}.${use.member}`];
      const suggestion = hint ? undefined : didYouMean(use.member, members);
      const range = nodeRange(use.node);
      findings.push(
        finding(undefinedGlobal, {
          range,
          message: `\`${use.library}.${use.member}\` does not exist in the rule sandbox${hint ? `; ${hint}` : suggestion ? suggestionText(`${use.library}.${suggestion}`, '`') : `; the ${use.library} library has ${members.join(', ')}`}`,
          ...(suggestion ? { fix: { title: `Change to \`${use.library}.${suggestion}\``, range, newText: suggestion } } : {}),
        }),
      );
    }
    return findings;
  },
};
