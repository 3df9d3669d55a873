import type { CaseAnswer } from './lua53-oracle';

/**
 * The documented differences from Debian's lua5.3 (docs/lua-conformance.md), as
 * checks on a case's two answers. A difference that none of these explains fails
 * the conformance tests. Keep the ids in step with the docs' table.
 */
export type DifferenceId = 'beyond-2^53' | 'integer-limits' | 'nan-sign' | 'libm-last-bit' | 'limit-before-call' | 'concat-index-text' | 'table-layout';

export const DIFFERENCES: Record<DifferenceId, string> = {
  'beyond-2^53':
    'integers are exact up to 2^53 - 1 (JavaScript numbers); an integer result, literal or conversion beyond that is a float where Lua 5.3 has a 64-bit integer',
  'integer-limits': 'math.maxinteger and math.mininteger are 2^53 - 1 and -(2^53 - 1), not 2^63 - 1 and -2^63',
  'libm-last-bit': '`^` and the math functions (exp, log, sin, ...) are JavaScript\'s Math functions, which may differ from glibc\'s libm in the last bit of the result',
  'limit-before-call':
    'string.rep and table.move charge their whole result to the evaluation budget before they start: a result beyond the limits ends the evaluation (memory-limit, time-limit) where Lua would raise a catchable error or stop early',
  'concat-index-text':
    "table.concat's error names the index of the bad value; Lua 5.3 prints it through a C int, so an index beyond 2^31 shows as its low 32 bits (\"at index 5\" for -9007199254740987)",
  'table-layout':
    '`#` of a table with holes built by assignment, and the pairs order of such tables, follow a valid border and insertion order, not Lua\'s internal array/hash layout (both unspecified by the manual)',
  'nan-sign': 'a NaN prints as "nan" or "-nan" after its sign bit, and JavaScript sets that bit differently from C for some operations (math.huge ^ 0.5 of a negative, ...)',
};

const MAX = 9007199254740991;

/** Integers in an answer ("int:123") beyond 2^53 - 1: only a 64-bit Lua can give them. */
function hasWideInteger(answer: string): boolean {
  for (const match of answer.matchAll(/int:(-?\d+)/g)) {
    if (Math.abs(Number(match[1])) > MAX) return true;
  }
  return false;
}

/** "0x1.8p+1" → 3 (glibc's %a output; sign handled by the caller). */
function parseHexFloat(text: string): number {
  const m = /^(-?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?p([+-]\d+)$/.exec(text);
  if (!m) return NaN;
  const fraction = m[3] ?? '';
  const mantissa = parseInt((m[2] as string) + fraction, 16) / 16 ** fraction.length;
  return (m[1] ? -1 : 1) * mantissa * 2 ** Number(m[4]);
}

/** True when the answers differ only in floats one or two units in the last place apart. */
function lastBitOnly(ours: string, theirs: string): boolean {
  const float = /float:[^:,]*:([^,]*)/g;
  const a = [...ours.matchAll(float)].map((m) => parseHexFloat(m[1] as string));
  const b = [...theirs.matchAll(float)].map((m) => parseHexFloat(m[1] as string));
  if (a.length === 0 || a.length !== b.length || ours.replace(float, 'F') !== theirs.replace(float, 'F')) return false;
  return a.every((x, i) => x === b[i] || Math.abs(x - (b[i] as number)) <= 2 * Number.EPSILON * Math.abs(x));
}

/** The documented reason for a difference, or null when the difference is unexplained. */
export function explain(answer: CaseAnswer, tags: readonly DifferenceId[] = []): DifferenceId | null {
  if (answer.ours === answer.lua53) return null;
  if (/math\.(max|min)integer/.test(answer.body)) return 'integer-limits';
  if (tags.includes('beyond-2^53') || hasWideInteger(answer.lua53)) return 'beyond-2^53';
  if (/\^|math\.(exp|log|sin|cos|tan|asin|acos|atan|sqrt)/.test(answer.body) && lastBitOnly(answer.ours, answer.lua53)) return 'libm-last-bit';
  const concatIndex = /invalid value \(\w+\) at index -?\d+ in table for 'concat'/;
  if (concatIndex.test(answer.ours) && concatIndex.test(answer.lua53) && answer.ours.replace(/index -?\d+/, 'index N') === answer.lua53.replace(/index -?\d+/, 'index N')) return 'concat-index-text';
  const unsigned = (text: string) => text.replace(/-nan/g, 'nan').replace(/-0x1\.8p\+1024|0x1\.8p\+1024/g, 'NAN');
  if (/nan/.test(answer.lua53) && unsigned(answer.ours) === unsigned(answer.lua53)) return 'nan-sign';
  return null;
}
