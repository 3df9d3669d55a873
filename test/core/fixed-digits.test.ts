/**
 * `%.{p}f` (fixedDigits) has a quick path for p <= 4 and x < 1e6 that rounds x·10^p in
 * floating point (issue 16). Checked here against exact decimal arithmetic with
 * BigInt, on random doubles and on the values where rounding is hardest: exact ties
 * (rounded to even, as glibc does) and their nearest neighbours.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fixedDigits, generalText, luaNumberText } from '../../core/src/executor/stdlib/number-text';

/** The exact `%.{p}f` of a finite x >= 0, ties to even. */
function exact(x: number, p: number): string {
  let m = x;
  let k = 0;
  while (!Number.isInteger(m)) {
    m *= 2;
    k++;
  }
  let num = BigInt(m) * 5n ** BigInt(k); // x = num / 10^k
  if (k <= p) num *= 10n ** BigInt(p - k);
  else {
    const d = 10n ** BigInt(k - p);
    const q = num / d;
    const twice = 2n * (num % d);
    num = twice > d ? q + 1n : twice < d ? q : q % 2n === 0n ? q : q + 1n;
  }
  const text = num.toString();
  if (p === 0) return text;
  const padded = text.padStart(p + 1, '0');
  return `${padded.slice(0, -p)}.${padded.slice(-p)}`;
}

describe('fixedDigits: the quick path agrees with exact decimal rounding', () => {
  it('on random doubles below 1e6', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 4 }), (x, p) => {
        assert.equal(fixedDigits(x, p), exact(x, p));
      }),
      { numRuns: 20_000 },
    );
  });
  it('on exact ties and their neighbours', () => {
    for (let k = 0; k < 4000; k++) {
      for (let p = 0; p <= 4; p++) {
        for (const x of [k / 8, k / 64, (k + 0.5) / 10 ** p, k / 100, k * 0.005, 999_999 + k / 4096]) {
          for (const y of [x, x === 0 ? 0 : x * (1 - Number.EPSILON), x * (1 + Number.EPSILON)]) assert.equal(fixedDigits(y, p), exact(y, p), `${y} ${p}`);
        }
      }
    }
  });
});

describe('luaNumberText: the shortest-text quick path agrees with %.14g', () => {
  /** %.14g through the general path only (generalText), with luaNumberText's sign handling. */
  const general = (x: number) => (x < 0 || Object.is(x, -0) ? '-' : '') + generalText(Math.abs(x), 14, false, false);
  it('on random doubles, and on short decimals and their neighbours', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        assert.equal(luaNumberText(x), general(x));
      }),
      { numRuns: 20_000 },
    );
    for (let k = -6; k <= 15; k++) {
      for (const m of [1, 1.5, 9.99999999999999, 10 - 8 * Number.EPSILON, 1.2345678901234, 1.23456789012345, 0.1 + 0.2, 7 / 3]) {
        const x = m * 10 ** k;
        for (const y of [x, x * (1 - Number.EPSILON), x * (1 + Number.EPSILON), -x, 1e-4, 1e14, 1e14 * (1 - Number.EPSILON), 0, -0]) {
          assert.equal(luaNumberText(y), general(y), String(y));
        }
      }
    }
  });
  it('on doubles with 13 to 17 significant digits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 13, max: 17 }), fc.integer({ min: -5, max: 15 }), fc.double({ min: 1, max: 10, noNaN: true }), (digits, exponent, m) => {
        const x = Number(m.toPrecision(digits)) * 10 ** exponent;
        assert.equal(luaNumberText(x), general(x), String(x));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('luaNumberText: one-decimal quick path', () => {
  const general = (x: number) => (x < 0 || Object.is(x, -0) ? '-' : '') + generalText(Math.abs(x), 14, false, false);
  it('agrees with %.14g on tenths, hundredths and their neighbours', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), fc.constantFrom(10, 100, 1000), (n, scale) => {
        const x = n / scale;
        for (const y of [x, x * (1 - Number.EPSILON), x * (1 + Number.EPSILON)]) assert.equal(luaNumberText(y), general(y), String(y));
      }),
      { numRuns: 20_000 },
    );
    for (let n = 0; n < 20_000; n++) assert.equal(luaNumberText(n / 10), general(n / 10), String(n / 10));
  });
});
