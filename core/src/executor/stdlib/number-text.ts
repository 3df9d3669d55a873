/**
 * Numbers as C's printf writes them (glibc, as Debian's lua5.3 uses it): `%e`, `%f`
 * and `%g` with exact round-half-to-even on the double's exact binary value, and
 * `%a`. JavaScript's toFixed/toExponential round exact ties upwards
 * (`(0.125).toFixed(2)` is "0.13", glibc prints "0.12"), so they are used only
 * where no tie can occur; a tie is recognised exactly and settled here.
 *
 * Every function takes a finite, non-negative value; signs, inf and nan are the
 * caller's (see `formatFloatItem` in format.ts and `luaNumberText`).
 */

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const F64_WORDS = new Uint32Array(F64.buffer);

/** True when the sign bit is set: -0, negative numbers, and NaN as x86 makes it (0/0 prints "-nan"). */
export function signBit(x: number): boolean {
  F64[0] = x;
  return ((F64_BYTES[7] as number) & 0x80) !== 0;
}

/** The exact decimal value of a finite x >= 0: `digits` × 10^-scale. */
function exactDecimal(x: number): { digits: string; scale: number } {
  if (Number.isInteger(x)) return { digits: BigInt(x).toString(), scale: 0 };
  let m = x;
  let k = 0;
  while (!Number.isInteger(m)) {
    m *= 2; // exact: only the exponent changes
    k++;
  }
  // x = m / 2^k = m·5^k / 10^k
  return { digits: (BigInt(m) * 5n ** BigInt(k)).toString(), scale: k };
}

function isEvenDigit(ch: string | undefined): boolean {
  return ch === undefined || (ch.charCodeAt(0) - 48) % 2 === 0;
}

/** `%.{p}f` of a finite x >= 0 (p <= 99). */
const POWERS_OF_TEN = [1, 10, 100, 1000, 10000];

/**
 * `%.{p}f` for p <= 4 and x < 1e6 without toFixed (a pattern rule's reasoning and
 * `%.2f` in rules). x·10^p computed in floating point is within 1.2e-6 of the exact
 * product (below 1e10, relative error 2^-53), so rounding it to the nearest integer
 * is exact unless the product lies within 1e-5 of a half: then undefined, and the
 * caller takes the exact path (which also settles true ties, to even, as glibc does).
 */
function smallFixed(x: number, p: number): string | undefined {
  const scale = POWERS_OF_TEN[p] as number;
  const product = x * scale;
  const fraction = product - Math.floor(product);
  if (Math.abs(fraction - 0.5) < 1e-5) return undefined;
  const n = Math.round(product);
  if (p === 0) return String(n);
  const low = n % scale;
  const digits = String(low);
  return String((n - low) / scale) + '.' + (digits.length < p ? '0'.repeat(p - digits.length) + digits : digits);
}

export function fixedDigits(x: number, p: number): string {
  if (x < 1e6 && p <= 4) {
    const quick = smallFixed(x, p);
    if (quick !== undefined) return quick;
  }
  if (x >= 1e21) {
    // every double this large is an integer; toFixed would switch to exponent form
    return BigInt(x).toString() + (p > 0 ? '.' + '0'.repeat(p) : '');
  }
  const rounded = x.toFixed(p);
  if (p >= 100) return rounded;
  // A tie is x = odd / (2·10^p), a binary fraction only when x·2^(p+1) is an integer
  // (exact: scaling by a power of two). Most x are not, and skip the second toFixed.
  if (!Number.isInteger(x * 2 ** (p + 1))) return rounded;
  const longer = x.toFixed(p + 1);
  if (!longer.endsWith('5') || exactDecimal(x).scale !== p + 1) return rounded;
  // An exact tie: toFixed rounded it up; glibc rounds it to even.
  const truncated = longer.slice(0, -1);
  const lastKept = truncated.endsWith('.') ? truncated[truncated.length - 2] : truncated[truncated.length - 1];
  if (!isEvenDigit(lastKept)) return rounded;
  return truncated.endsWith('.') ? truncated.slice(0, -1) : truncated;
}

/** `%.{p}e` of a finite x >= 0 as mantissa digits ("1.2500") and decimal exponent. */
export function exponentDigits(x: number, p: number): { mantissa: string; exponent: number } {
  if (x === 0) return { mantissa: p > 0 ? '0.' + '0'.repeat(p) : '0', exponent: 0 };
  const split = (text: string) => {
    const at = text.indexOf('e');
    return { mantissa: text.slice(0, at), exponent: Number(text.slice(at + 1)) };
  };
  const rounded = split(x.toExponential(Math.min(p, 100)));
  if (p >= 100) return rounded;
  const longer = split(x.toExponential(p + 1));
  if (!longer.mantissa.endsWith('5')) return rounded;
  const exact = exactDecimal(x).digits.replace(/0+$/, '');
  if (exact.length !== p + 2) return rounded;
  const truncated = longer.mantissa.slice(0, -1);
  const lastKept = truncated.endsWith('.') ? truncated[truncated.length - 2] : truncated[truncated.length - 1];
  if (!isEvenDigit(lastKept)) return rounded;
  return { mantissa: truncated.endsWith('.') ? truncated.slice(0, -1) : truncated, exponent: longer.exponent };
}

export function exponentText(exponent: number, upper: boolean): string {
  const digits = String(Math.abs(exponent)).padStart(2, '0');
  return (upper ? 'E' : 'e') + (exponent < 0 ? '-' : '+') + digits;
}

/** `%.{p}e` of a finite x >= 0. */
export function expText(x: number, p: number, alternate: boolean, upper: boolean): string {
  const { mantissa, exponent } = exponentDigits(x, p);
  return mantissa + (alternate && p === 0 ? '.' : '') + exponentText(exponent, upper);
}

function stripFractionZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** The last significant digit of toPrecision/toExponential text ("1.25e+3" → '5'). */
function lastMantissaDigit(text: string): string {
  const at = text.indexOf('e');
  return at < 0 ? text[text.length - 1]! : text[at - 1]!;
}

/**
 * `%.{p}g` without '#', from one toPrecision when no exact tie is possible: the
 * common case, and the one tostring and `..` take for every float (kept cheap).
 */
function generalFast(x: number, precision: number, upper: boolean): string | null {
  if (x === 0 || precision >= 100 || lastMantissaDigit(x.toPrecision(precision + 1)) === '5') return null;
  const text = x.toPrecision(precision);
  const at = text.indexOf('e');
  let exponent: number;
  let digits: string; // mantissa as "d.ddd" or "d"
  if (at >= 0) {
    exponent = Number(text.slice(at + 1));
    digits = text.slice(0, at);
  } else if (!text.startsWith('0.')) {
    const point = text.indexOf('.');
    exponent = (point < 0 ? text.length : point) - 1;
    if (exponent < precision) return stripFractionZeros(text);
    return null;
  } else {
    // 0.000ddd: the exponent is minus the count of zeros after the point, minus one
    let zeros = 0;
    while (text[2 + zeros] === '0') zeros++;
    exponent = -zeros - 1;
    if (exponent >= -4) return stripFractionZeros(text);
    const significant = text.slice(2 + zeros);
    digits = significant.length > 1 ? significant[0] + '.' + significant.slice(1) : significant;
  }
  if (exponent < precision && exponent >= -4) return null; // toPrecision chose another notation than %g
  return stripFractionZeros(digits) + exponentText(exponent, upper);
}

/** `%.{p}g` of a finite x >= 0. */
export function generalText(x: number, p: number, alternate: boolean, upper: boolean): string {
  const precision = p === 0 ? 1 : p;
  if (!alternate) {
    const fast = generalFast(x, precision, upper);
    if (fast !== null) return fast;
  }
  const { mantissa, exponent } = exponentDigits(x, precision - 1);
  if (exponent < precision && exponent >= -4) {
    const fixed = fixedDigits(x, precision - 1 - exponent);
    if (alternate) return fixed.includes('.') ? fixed : fixed + '.';
    return stripFractionZeros(fixed);
  }
  if (alternate && exponent === precision && exponentDigits(x, 30).exponent === precision - 1) {
    // glibc: the value chose the fixed style with no fraction digits, rounding carried it
    // into the exponent style, and the (empty) fraction is kept: "%#.3g" of 999.9 is "1.e+03"
    return '1.' + exponentText(exponent, upper);
  }
  const m = alternate ? (mantissa.includes('.') ? mantissa : mantissa + '.') : stripFractionZeros(mantissa);
  return m + exponentText(exponent, upper);
}

/** `%a` of a finite x >= 0 with an optional precision (hex digits after the point), as glibc writes it. */
export function hexFloatText(x: number, precision: number | undefined, alternate: boolean, upper: boolean): string {
  let text: string;
  if (x === 0) {
    text = '0x0' + (precision ? '.' + '0'.repeat(precision) : alternate ? '.' : '') + 'p+0';
  } else {
    F64[0] = x;
    const high = F64_WORDS[1] as number;
    const low = F64_WORDS[0] as number;
    const biased = (high >>> 20) & 0x7ff;
    let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low); // 52 bits
    let lead = biased === 0 ? 0n : 1n; // subnormals print as 0x0.xxxp-1022
    const exponent = biased === 0 ? -1022 : biased - 1023;
    let digits: string;
    if (precision === undefined) {
      digits = mantissa.toString(16).padStart(13, '0').replace(/0+$/, '');
    } else {
      if (precision < 13) {
        const drop = BigInt(4 * (13 - precision));
        const whole = (lead << 52n) | mantissa;
        let kept = whole >> drop;
        const rest = whole & ((1n << drop) - 1n);
        const half = 1n << (drop - 1n);
        if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n; // round half to even
        // A carry makes the leading digit 2 ("0x2.0p+7"): glibc does not renormalise.
        lead = kept >> BigInt(4 * precision);
        mantissa = kept & ((1n << BigInt(4 * precision)) - 1n);
        digits = precision > 0 ? mantissa.toString(16).padStart(precision, '0') : '';
      } else {
        digits = mantissa.toString(16).padStart(13, '0') + '0'.repeat(precision - 13);
      }
    }
    const point = digits.length > 0 || alternate ? '.' : '';
    text = '0x' + lead.toString() + point + digits + 'p' + (exponent < 0 ? '-' : '+') + String(Math.abs(exponent));
  }
  return upper ? text.toUpperCase() : text;
}

/**
 * A float as Lua 5.3 writes it (tostring, `..`, print): "%.14g", plus ".0" when
 * that looks like an integer; inf, -inf, nan and -nan as glibc spells them.
 */
export function luaNumberText(x: number): string {
  if (x !== x) return signBit(x) ? '-nan' : 'nan';
  const negative = signBit(x);
  const magnitude = Math.abs(x);
  if (magnitude === Infinity) return negative ? '-inf' : 'inf';
  const text = (negative ? '-' : '') + (shortestAsGeneral14(magnitude) ?? generalText(magnitude, 14, false, false));
  return text;
}

/**
 * `%.14g` of x >= 0 read off JavaScript's own shortest round-trip text, when that is
 * provably the same: 0, or x in [1e-4, 1e14) (where both write plain decimals, %g
 * because its exponent is -4..13) with at most 14 significant digits. Then the
 * shortest text d is the 14-digit rounding of x: x lies within half an ulp (about
 * 1e-16 relative) of d, far closer than half a unit of d's 14th digit (at least 5e-15
 * relative), so no other 14-digit decimal is nearer; %g then drops the trailing zeros
 * that JavaScript never writes. Every float a rule prints, concatenates or formats
 * with %s comes here: the general path (two toPrecision calls and a regex) was a
 * tenth of a warm evaluation of the seed's epic rule (issue 16).
 */
function shortestAsGeneral14(x: number): string | undefined {
  if (x === 0) return '0';
  if (!(x >= 1e-4 && x < 1e14)) return undefined;
  // One decimal (scores, prices): when n/10, correctly rounded, is x, then "n/10" is a
  // 15-digit-or-shorter decimal that reads back as x; with n < 1e14 it has at most 14
  // digits, and (as below) it is then the 14-digit rounding. Built from two integers'
  // texts, cached by V8, rather than by String(x)'s shortest-digits search (~0.1 µs).
  const tenths = Math.round(x * 10);
  if (tenths < 1e14 && tenths / 10 === x) {
    const digit = tenths % 10;
    const whole = (tenths - digit) / 10;
    return digit === 0 ? String(whole) : String(whole) + '.' + String(digit);
  }
  const text = String(x);
  let significant = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 || (significant === 0 && c === 48)) continue; // the point, leading zeros
    significant++;
  }
  return significant <= 14 ? text : undefined;
}

/** `string.format("%.{p}f", x)` for any finite or infinite x: what Lua prints, for JS code that must print the same. */
export function luaFixed(x: number, p: number): string {
  if (x !== x) return signBit(x) ? '-nan' : 'nan';
  const negative = signBit(x);
  const magnitude = Math.abs(x);
  const body = magnitude === Infinity ? 'inf' : fixedDigits(magnitude, p);
  return (negative ? '-' : '') + body;
}
