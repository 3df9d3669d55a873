/**
 * Lua pattern character classes (%a, %d, ...) in the C locale, as Lua 5.3 and
 * fengari define them: ASCII only, every byte from 128 up belongs to no class.
 */
const ALPHA = 1 << 0;
const DIGIT = 1 << 1;
const CNTRL = 1 << 2;
const GRAPH = 1 << 3;
const LOWER = 1 << 4;
const UPPER = 1 << 5;
const PUNCT = 1 << 6;
const SPACE = 1 << 7;
const XDIGIT = 1 << 8;
/** %z: the zero byte (deprecated in 5.2, still accepted by 5.3). */
const ZERO = 1 << 9;

/** Class bits of every byte. */
const BYTE_CLASSES = new Uint16Array(256);
for (let c = 0; c < 256; c++) {
  let bits = 0;
  const lower = c >= 97 && c <= 122;
  const upper = c >= 65 && c <= 90;
  const digit = c >= 48 && c <= 57;
  const graph = c >= 33 && c <= 126;
  if (lower || upper) bits |= ALPHA;
  if (digit) bits |= DIGIT;
  if (c <= 31 || c === 127) bits |= CNTRL;
  if (graph) bits |= GRAPH;
  if (lower) bits |= LOWER;
  if (upper) bits |= UPPER;
  if (graph && !(lower || upper || digit)) bits |= PUNCT;
  if (c === 32 || (c >= 9 && c <= 13)) bits |= SPACE;
  if (digit || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)) bits |= XDIGIT;
  if (c === 0) bits |= ZERO;
  BYTE_CLASSES[c] = bits;
}

/** The bits a class letter after '%' tests; 0 for a byte that is not a class letter (it then matches itself). */
const CLASS_LETTERS = new Uint16Array(256);
const letters: [string, number][] = [
  ['a', ALPHA],
  ['c', CNTRL],
  ['d', DIGIT],
  ['g', GRAPH],
  ['l', LOWER],
  ['p', PUNCT],
  ['s', SPACE],
  ['u', UPPER],
  ['w', ALPHA | DIGIT],
  ['x', XDIGIT],
  ['z', ZERO],
];
for (const [letter, bits] of letters) {
  CLASS_LETTERS[letter.charCodeAt(0)] = bits;
  CLASS_LETTERS[letter.toUpperCase().charCodeAt(0)] = bits;
}

/** Does byte `c` match `%cl`? Upper-case class letters are complements; any other `cl` matches itself. */
export function matchClass(c: number, cl: number): boolean {
  const bits = CLASS_LETTERS[cl] ?? 0;
  if (bits === 0) return cl === c;
  const hit = ((BYTE_CLASSES[c] ?? 0) & bits) !== 0;
  return cl >= 97 ? hit : !hit;
}

/** Is `c` an ASCII digit? */
export function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}
