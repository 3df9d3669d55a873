import type { NumericLiteral } from 'luaparse';
import { walkNodes } from '../ast-walk';
import type { Check } from '../check';
import { finding } from '../check';
import { nodeRange } from '../parse';
import type { Finding } from '../types';

/** The largest integer a rule holds exactly (see docs/lua-conformance.md): 2^53 - 1. */
const MAX_EXACT = 2n ** 53n - 1n;

/** The integer a numeral means in a 64-bit Lua 5.3, or null for a float numeral. */
function integerValue(raw: string): bigint | null {
  if (/^[0-9]+$/.test(raw)) {
    const value = BigInt(raw);
    // Lua 5.3 reads a decimal integer numeral that overflows 64 bits as a float
    return value > 2n ** 63n - 1n ? null : value;
  }
  // hexadecimal integer numerals wrap around modulo 2^64
  if (/^0[xX][0-9a-fA-F]+$/.test(raw)) return BigInt.asIntN(64, BigInt(raw));
  return null;
}

export const inexactIntegerLiteral: Check = {
  id: 'inexact-integer-literal',
  severity: 'warning',
  stage: 'ast',
  docs: {
    summary:
      'An integer literal beyond 2^53 - 1 (9007199254740991). Rules hold integers exactly up to 2^53 - 1 (JavaScript numbers); a larger literal becomes the nearest float, so `9007199254740993` is `9007199254740992.0` and compares equal to its neighbours, where a 64-bit Lua 5.3 keeps it exact. See docs/lua-conformance.md.',
    fix: 'Keep large identifiers as strings (compare them as text), or scale amounts so they stay below 2^53 (for example cents, not millionths).',
    example: 'local account = 12345678901234567890',
  },
  run(ctx) {
    const findings: Finding[] = [];
    walkNodes(ctx.chunk, (node) => {
      if (node.type !== 'NumericLiteral') return;
      const raw = (node as NumericLiteral).raw;
      const value = integerValue(raw);
      if (value === null || (value <= MAX_EXACT && value >= -MAX_EXACT)) return;
      const becomes = `${BigInt(Number(value))}.0`;
      findings.push(
        finding(inexactIntegerLiteral, {
          range: nodeRange(node),
          message: `\`${raw}\` is beyond 2^53 - 1, the largest integer a rule holds exactly: it becomes the float ${becomes}; keep large ids as strings`,
        }),
      );
    });
    return findings;
  },
};
