import type { DifferenceId } from './lua53-differences';
import type { Port } from './lua53-official';

const lines = (file: string, ...numbers: number[]) => numbers.map((n) => `${file}:${n}`);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/**
 * Every assertion (by file:line) where our executor and lua5.3 differ, with its
 * documented reason (docs/lua-conformance.md). The test fails on any other
 * difference, and on a listed one that no longer differs.
 */
export const OFFICIAL_DIFFERENCES: Record<string, DifferenceId> = Object.fromEntries([
  // 2^62 and the 64-bit-only format block: integers beyond 2^53
  ...lines('strings.lua', 138, 139, ...range(245, 252)).map((s) => [s, 'beyond-2^53']),
  // string.rep of a result near 2^62 bytes: a memory-limit, not a catchable error
  ...lines('strings.lua', 114, 115).map((s) => [s, 'limit-before-call']),
  // the tests derive the integer width from math.maxinteger: 54-bit symmetric here, 64-bit two's complement there
  ...lines('math.lua', 118, 119, 120, 153, 186, 200, 208, 293, 294, 386, 387, 538, 541, 579, 631).map((s) => [s, 'integer-limits']),
  ...lines('math.lua', 177, ...range(216, 221), 223, 224, ...range(226, 229)).map((s) => [s, 'beyond-2^53']),
  // table.move over ranges near 2^53 elements: charged to the budget before it starts
  ...lines('sort.lua', 172, 184, 186, 187, 188).map((s) => [s, 'limit-before-call']),
]);

/**
 * Which parts of Lua 5.3.6's testes/ run (by original line numbers), which are
 * skipped and why. The skipped parts need what a sandboxed rule does not have:
 * load, os, rawset/collectgarbage, string.pack, math.random (see
 * docs/rule-authoring.md, "The sandbox").
 */
export const PORTS: Port[] = [
  {
    file: 'strings.lua',
    prelude: [[6, 13]],
    chunks: [[15, 101], [109, 113], [114, 115], [117, 149], [151, 174], [191, 227], [230, 254], [257, 288], [291, 305], [309, 335], [369, 376]],
    skips: [
      { from: 103, to: 107, reason: 'string.packsize is not in the sandbox' },
      { from: 155, to: 155, reason: 'load is not in the sandbox' },
      { from: 157, to: 157, reason: 'load is not in the sandbox' },
      { from: 175, to: 190, reason: 'checkQ reads %q back with load, which is not in the sandbox' },
      { from: 307, to: 307, reason: 'load is not in the sandbox' },
      { from: 337, to: 366, reason: 'os.setlocale is not in the sandbox (and rules run in the C locale)' },
    ],
    helpers: ['checkerror'],
  },
  {
    file: 'pm.lua',
    prelude: [[6, 9]],
    chunks: [[12, 88], [91, 163], [166, 191], [202, 263], [266, 309], [312, 338], [341, 371]],
    skips: [
      { from: 183, to: 187, reason: 'rawset is not in the sandbox' },
      { from: 193, to: 200, reason: 'load is not in the sandbox' },
    ],
    helpers: ['checkerror', 'malform'],
  },
  {
    file: 'math.lua',
    prelude: [[6, 67]],
    chunks: [[70, 113], [115, 170], [171, 210], [212, 259], [261, 270], [285, 290], [291, 311], [313, 315], [317, 323], [325, 359], [361, 423], [425, 513], [515, 601], [603, 689], [691, 724]],
    skips: [
      { from: 273, to: 282, reason: 'checkcompt compiles code with load, which is not in the sandbox' },
      { from: 353, to: 354, reason: 'load is not in the sandbox' },
      { from: 727, to: 821, reason: 'math.random is not in the sandbox (rules must be deterministic)' },
    ],
    helpers: ['checkerror'],
    substitutions: [['pcall(rawset, a, NaN, 1)', 'pcall(function () a[NaN] = 1 end)']],
  },
  {
    file: 'sort.lua',
    prelude: [[8, 17]],
    chunks: [[20, 89], [91, 161], [163, 180], [182, 182], [183, 183], [184, 184], [185, 185], [186, 188], [194, 249], [251, 294], [303, 308]],
    skips: [{ from: 296, to: 300, reason: 'load and collectgarbage are not in the sandbox' }],
    helpers: ['checkerror'],
    // the timing lines read a clock and random numbers: a fixed clock and a seeded generator stand in
    substitutions: [
      ['os.clock()', '0'],
      ['math.random()', 'RND()'],
      ['math.random(100)', 'RND(100)'],
    ],
    setup: '_soft = true -- sort 5,000 elements, not 50,000: the same code paths',
  },
];
