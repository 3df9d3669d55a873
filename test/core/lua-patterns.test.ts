import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import type { LuaArg, LuaValue, Outcome, PatternFunction } from './pattern-harness';
import { PatternHarness } from './pattern-harness';

/**
 * The sandbox's own string.find/match/gmatch/gsub: (1) a table of cases for every
 * feature and error, checked on ours and on fengari's original; (2) random
 * patterns and subjects, ours against fengari's; (3) the limits they exist for.
 */

interface Case {
  fn: PatternFunction;
  args: LuaArg[];
  /** The results, or the error message (a string) or a pattern for it. */
  expect: LuaValue[] | { error: string | RegExp };
  /** Set where fengari 0.1.5 itself departs from Lua 5.3 (ours follows Lua). */
  fengariDiffers?: string;
}

const err = (error: string | RegExp) => ({ error });
const fn = (source: string): LuaArg => ({ lua: source });

const cases: Case[] = [
  // find: plain and special, init
  { fn: 'find', args: ['hello world', 'o w'], expect: [5, 7] },
  { fn: 'find', args: ['hello', 'l'], expect: [3, 3] },
  { fn: 'find', args: ['hello', 'xyz'], expect: [null] },
  { fn: 'find', args: ['hello', 'l', 4], expect: [4, 4] },
  { fn: 'find', args: ['hello', 'l', -1], expect: [null] },
  { fn: 'find', args: ['hello', 'l', -2], expect: [4, 4] },
  { fn: 'find', args: ['hello', 'h', -100], expect: [1, 1] },
  { fn: 'find', args: ['hello', 'h', 0], expect: [1, 1] },
  { fn: 'find', args: ['hello', '', 6], expect: [6, 5] },
  { fn: 'find', args: ['hello', '', 7], expect: [null] },
  { fn: 'find', args: ['hello', 'o', 10], expect: [null] },
  { fn: 'find', args: ['', ''], expect: [1, 0] },
  { fn: 'find', args: ['a.b', '.', 1, true], expect: [2, 2] },
  { fn: 'find', args: ['a+b(', '+b(', 1, true], expect: [2, 4] },
  { fn: 'find', args: ['a.b', '.', 1, false], expect: [1, 1] },
  { fn: 'find', args: ['aaab', 'aab', 1, true], expect: [2, 4] },
  { fn: 'find', args: ['abc', '(b)(c)'], expect: [2, 3, 'b', 'c'] },
  { fn: 'find', args: ['abc', '()b()'], expect: [2, 2, 2, 3] },
  { fn: 'find', args: ['abcabc', 'b', 3], expect: [5, 5] },
  { fn: 'find', args: ['abcabc', '[bc]+', -3], expect: [5, 6] },
  { fn: 'find', args: [12345, 34], expect: [3, 4] },
  { fn: 'find', args: ['a\0b', '%z'], expect: [2, 2] },
  { fn: 'find', args: ['a\0b', '\0b', 1, true], expect: [2, 3] },
  // character classes and their complements
  { fn: 'match', args: ['abc123', '%a+'], expect: ['abc'] },
  { fn: 'match', args: ['abc123', '%d+'], expect: ['123'] },
  { fn: 'match', args: ['abc123', '%A+'], expect: ['123'] },
  { fn: 'match', args: ['123abc', '%D+'], expect: ['abc'] },
  { fn: 'match', args: ['ab\tc', '%c'], expect: ['\t'] },
  { fn: 'match', args: ['\t\x7fa', '%C'], expect: ['a'] },
  { fn: 'match', args: [' \x7fa!', '%g+'], expect: ['a!'] },
  { fn: 'match', args: ['ab c', '%G'], expect: [' '] },
  { fn: 'match', args: ['ABcdE', '%l+'], expect: ['cd'] },
  { fn: 'match', args: ['abCD', '%L+'], expect: ['CD'] },
  { fn: 'match', args: ['a,b.', '%p'], expect: [','] },
  { fn: 'match', args: [',.ab', '%P+'], expect: ['ab'] },
  { fn: 'match', args: ['a \t\n\v\f\rb', '%s+'], expect: [' \t\n\v\f\r'] },
  { fn: 'match', args: ['  ab ', '%S+'], expect: ['ab'] },
  { fn: 'match', args: ['abCD', '%u+'], expect: ['CD'] },
  { fn: 'match', args: ['ABcd', '%U+'], expect: ['cd'] },
  { fn: 'match', args: ['__ab1_', '%w+'], expect: ['ab1'] },
  { fn: 'match', args: ['ab1_-', '%W+'], expect: ['_-'] },
  { fn: 'match', args: ['zzBEEF09gz', '%x+'], expect: ['BEEF09'] },
  { fn: 'match', args: ['ffzz', '%X+'], expect: ['zz'] },
  { fn: 'match', args: ['a\0', '%Z+'], expect: ['a'] },
  { fn: 'match', args: ['caf\xe9', '%a+$'], expect: [null] },
  { fn: 'match', args: ['a.b', '%.'], expect: ['.'] },
  { fn: 'match', args: ['50%', '%d+%%'], expect: ['50%'] },
  { fn: 'match', args: ['abc', '.'], expect: ['a'] },
  // sets
  { fn: 'match', args: ['xxcabz', '[abc]+'], expect: ['cab'] },
  { fn: 'match', args: ['abcxyz', '[^abc]+'], expect: ['xyz'] },
  { fn: 'match', args: ['xxabcabd', '[a-c]+'], expect: ['abcab'] },
  { fn: 'match', args: ['x1 2y', '[%d%s]+'], expect: ['1 2'] },
  { fn: 'match', args: ['a]b', '[]]'], expect: [']'] },
  { fn: 'match', args: [']]ab]', '[^]]+'], expect: ['ab'] },
  { fn: 'match', args: ['a-', '[-]'], expect: ['-'] },
  { fn: 'match', args: ['b-a', '[a-]+'], expect: ['-a'] },
  { fn: 'match', args: ['x-a', '[a%-z]+'], expect: ['-a'] },
  { fn: 'match', args: ['a]b', '[%]]'], expect: [']'] },
  { fn: 'match', args: ['a^b', '[b^]+'], expect: ['^b'] },
  { fn: 'match', args: ['q', '[%a-z]'], expect: ['q'] },
  // anchors and literal ^ $
  { fn: 'match', args: ['abc', '^b'], expect: [null] },
  { fn: 'match', args: ['abc', '^a'], expect: ['a'] },
  { fn: 'match', args: ['abc', 'c$'], expect: ['c'] },
  { fn: 'match', args: ['abc', 'b$'], expect: [null] },
  { fn: 'match', args: ['a$b', 'a$b'], expect: ['a$b'] },
  { fn: 'match', args: ['x^y', 'x^y'], expect: ['x^y'] },
  { fn: 'match', args: ['abc', '^abc$'], expect: ['abc'] },
  { fn: 'match', args: ['abc', '^$'], expect: [null] },
  { fn: 'match', args: ['', '^$'], expect: [''] },
  { fn: 'match', args: ['abc', '$', 4], expect: [''] },
  { fn: 'match', args: ['abc', 'a', 10], expect: [null] },
  { fn: 'match', args: ['abc', '^b', 2], expect: ['b'] },
  // quantifiers
  { fn: 'match', args: ['aaab', 'a*'], expect: ['aaa'] },
  { fn: 'match', args: ['baaa', 'a*'], expect: [''] },
  { fn: 'match', args: ['aaab', 'a+b'], expect: ['aaab'] },
  { fn: 'match', args: ['b', 'a+'], expect: [null] },
  { fn: 'match', args: ['<a><b>', '<(.-)>'], expect: ['a'] },
  { fn: 'match', args: ['<a><b>', '<(.*)>'], expect: ['a><b'] },
  { fn: 'match', args: ['color', 'colou?r'], expect: ['color'] },
  { fn: 'match', args: ['colour', 'colou?r'], expect: ['colour'] },
  { fn: 'match', args: ['ab', 'a?ab'], expect: ['ab'] },
  { fn: 'match', args: ['aaa', 'a-$'], expect: ['aaa'] },
  { fn: 'match', args: ['xaaay', 'a-y'], expect: ['aaay'] },
  { fn: 'match', args: ['a', 'a-'], expect: [''] },
  { fn: 'match', args: ['a*', 'a*%*'], expect: ['a*'] },
  // captures
  { fn: 'match', args: ['key=val', '(%w+)=(%w+)'], expect: ['key', 'val'] },
  { fn: 'match', args: ['abc', '((a)(b))'], expect: ['ab', 'a', 'b'] },
  { fn: 'match', args: ['hello', '()ll()'], expect: [3, 5] },
  { fn: 'match', args: ['hello', '(h)()'], expect: ['h', 2] },
  { fn: 'match', args: ['abc', '()'], expect: [1] },
  { fn: 'match', args: ['', '()'], expect: [1] },
  { fn: 'match', args: ['abc', '(x*)'], expect: [''] },
  // back-references
  { fn: 'match', args: ['say "hi" ok', '(["\'])(.-)%1'], expect: ['"', 'hi'] },
  { fn: 'match', args: ['xabab', '(ab)%1'], expect: ['ab'] },
  { fn: 'match', args: ['abac', '(a)(b)%1(c)'], expect: ['a', 'b', 'c'] },
  { fn: 'match', args: ['aa', '(a)%1%1'], expect: [null] },
  { fn: 'match', args: ['aa', '()a%1'], expect: [null], fengariDiffers: 'fengari compares a position capture as an empty string and moves the match end backwards' },
  // %b and %f
  { fn: 'match', args: ['f(a(b)c) d', '%b()'], expect: ['(a(b)c)'] },
  { fn: 'match', args: ['(a', '%b()'], expect: [null] },
  { fn: 'match', args: ['x[[a]]', '%b[]'], expect: ['[[a]]'] },
  { fn: 'match', args: ['if a then b end end', '%bie'], expect: ['if a the'] },
  { fn: 'match', args: ['', '%b()'], expect: [null] },
  { fn: 'match', args: ['THE (quick) fox', '%f[%a]%a+'], expect: ['THE'] },
  { fn: 'find', args: ['hello world', '%f[%w]%w+', 2], expect: [7, 11] },
  { fn: 'match', args: ['abc', '%f[%l]'], expect: [''] },
  { fn: 'find', args: ['abc', '%f[%z]'], expect: [4, 3] },
  { fn: 'match', args: ['the cat', '%f[%a]c%a*'], expect: ['cat'] },
  { fn: 'match', args: ['concat', '%f[%a]c%a*'], expect: ['concat'] },
  { fn: 'match', args: ['x concat', 'o%f[%a]'], expect: [null] },
  // errors in patterns
  { fn: 'match', args: ['a', '%'], expect: err("malformed pattern (ends with '%')") },
  { fn: 'find', args: ['a', 'a%'], expect: err("malformed pattern (ends with '%')") },
  { fn: 'match', args: ['a', '[a'], expect: err("malformed pattern (missing ']')") },
  { fn: 'match', args: ['a', '['], expect: err("malformed pattern (missing ']')") },
  { fn: 'match', args: ['a', '[^'], expect: err("malformed pattern (missing ']')") },
  { fn: 'match', args: ['a', '[%'], expect: err("malformed pattern (missing ']')") },
  { fn: 'match', args: ['a', '[]'], expect: err("malformed pattern (missing ']')") },
  { fn: 'match', args: ['a', '%1'], expect: err('invalid capture index %1') },
  { fn: 'match', args: ['aa', '(a)%2'], expect: err('invalid capture index %2') },
  { fn: 'match', args: ['aa', '(a%1)'], expect: err('invalid capture index %1') },
  { fn: 'match', args: ['a', '%0'], expect: err('invalid capture index %0') },
  { fn: 'match', args: ['a', '()'.repeat(33)], expect: err('too many captures') },
  { fn: 'match', args: ['a'.repeat(300), 'a?'.repeat(300)], expect: err('pattern too complex') },
  { fn: 'match', args: ['a', ')'], expect: err('invalid pattern capture') },
  { fn: 'match', args: ['a', '(a'], expect: err('unfinished capture') },
  { fn: 'find', args: ['a', '(a'], expect: err('unfinished capture') },
  { fn: 'match', args: ['a', '%b'], expect: err("malformed pattern (missing arguments to '%b')"), fengariDiffers: "fengari's message lacks the closing parenthesis" },
  { fn: 'match', args: ['a', '%ba'], expect: err("malformed pattern (missing arguments to '%b')"), fengariDiffers: "fengari's message lacks the closing parenthesis" },
  { fn: 'match', args: ['a', '%f'], expect: err("missing '[' after '%f' in pattern") },
  // A frontier at the start of the subject sees '\0' before it (Lua 5.3 and 5.4 agree;
  // checked with Debian's lua5.4). Fengari 0.1.5 finds no match there.
  { fn: 'find', args: ['1', '%d*%f[%w]'], expect: [1, 0], fengariDiffers: 'fengari misses a frontier at the subject start' },
  { fn: 'match', args: ['1', '()%d*%f[%w]'], expect: [1], fengariDiffers: 'fengari misses a frontier at the subject start' },
  { fn: 'gsub', args: ['1', '%d*%f[%w]', '<%0>'], expect: ['<>1', 1], fengariDiffers: 'fengari misses a frontier at the subject start' },
  { fn: 'gmatch', args: ['a', 'a*%f[%w]'], expect: [''], fengariDiffers: 'fengari misses a frontier at the subject start' },
  { fn: 'find', args: ['a', '(a*)%1'], expect: [1, 0, ''], fengariDiffers: "fengari's max_expand takes a match ending at offset 0 for a failure (fengariMissesEmptyMatchAtStart)" },
  { fn: 'gsub', args: ['a', '(a*)%1', '<%1>'], expect: ['<>a<>', 2], fengariDiffers: "fengari's max_expand takes a match ending at offset 0 for a failure (fengariMissesEmptyMatchAtStart)" },
  { fn: 'match', args: ['a', '%fa'], expect: err("missing '[' after '%f' in pattern") },
  // Patterns are checked lazily, as in Lua: a malformed tail that is never reached is no error.
  { fn: 'match', args: ['xyz', 'a%'], expect: [null] },
  // argument errors
  { fn: 'find', args: [null, 'a'], expect: err(/^bad argument #1 to '.*' \(string expected, got nil\)$/) },
  { fn: 'match', args: ['a', fn('{}')], expect: err(/^bad argument #2 to '.*' \(string expected, got table\)$/) },
  { fn: 'find', args: ['a', 'a', fn('1.5')], expect: err(/^bad argument #3 to '.*' \(number has no integer representation\)$/) },
  { fn: 'find', args: ['a', 'a', 'x'], expect: err(/^bad argument #3 to '.*' \(number expected, got string\)$/) },
  { fn: 'gsub', args: ['abc', 'b', true], expect: err(/^bad argument #3 to '.*' \(string\/function\/table expected\)$/) },
  { fn: 'gsub', args: ['abc', 'b'], expect: err(/^bad argument #3 to '.*' \(string\/function\/table expected\)$/) },
  { fn: 'gsub', args: ['abc', 'b', 'x', 'many'], expect: err(/^bad argument #4 to '.*' \(number expected, got string\)$/) },
  { fn: 'gmatch', args: ['abc'], expect: err(/^bad argument #2 to '.*' \(string expected, got no value\)$/) },
  // gsub with a string replacement
  { fn: 'gsub', args: ['hello world', 'o', '0'], expect: ['hell0 w0rld', 2] },
  { fn: 'gsub', args: ['hello', 'l', 'L', 1], expect: ['heLlo', 1] },
  { fn: 'gsub', args: ['hello', 'l', 'L', 0], expect: ['hello', 0] },
  { fn: 'gsub', args: ['hello', 'l', 'L', -1], expect: ['hello', 0] },
  { fn: 'gsub', args: ['abc', '%w', '%0%0'], expect: ['aabbcc', 3] },
  { fn: 'gsub', args: ['hello world', '(%w+) (%w+)', '%2 %1'], expect: ['world hello', 1] },
  { fn: 'gsub', args: ['abc', 'b', '%1'], expect: ['abc', 1] },
  { fn: 'gsub', args: ['abc', '', '-'], expect: ['-a-b-c-', 4] },
  { fn: 'gsub', args: ['abc', '^', '>'], expect: ['>abc', 1] },
  { fn: 'gsub', args: ['aaa', '^a', 'b'], expect: ['baa', 1] },
  { fn: 'gsub', args: ['abc', '$', '<'], expect: ['abc<', 1] },
  { fn: 'gsub', args: ['abc', 'b', '%%'], expect: ['a%c', 1] },
  { fn: 'gsub', args: ['x = 1', '()', '%1'], expect: ['1x2 3=4 516', 6] },
  { fn: 'gsub', args: ['hello world', '%w*', 'x'], expect: ['x x', 2] },
  { fn: 'gsub', args: ['abc', 'b', 5], expect: ['a5c', 1] },
  { fn: 'gsub', args: ['abc', 'x', 'y'], expect: ['abc', 0] },
  { fn: 'gsub', args: ['', '', 'y'], expect: ['y', 1] },
  { fn: 'gsub', args: ['a\0b', '%z', '0'], expect: ['a0b', 1] },
  { fn: 'gsub', args: ['abc', 'b', '%x'], expect: err("invalid use of '%' in replacement string") },
  { fn: 'gsub', args: ['abc', 'b', 'x%'], expect: err("invalid use of '%' in replacement string") },
  { fn: 'gsub', args: ['abc', 'z', '%x'], expect: ['abc', 0] },
  { fn: 'gsub', args: ['abc', 'b', '%2'], expect: err('invalid capture index %2') },
  { fn: 'gsub', args: ['abc', '(b)', '%2'], expect: err('invalid capture index %2') },
  { fn: 'gsub', args: ['abc', '(b', 'x'], expect: ['axc', 1] },
  { fn: 'gsub', args: ['abc', '(b', '%1'], expect: err('unfinished capture') },
  { fn: 'gsub', args: ['abc', '(b', fn('function(c) return c end')], expect: err('unfinished capture') },
  { fn: 'gsub', args: ['abc', '[', 'x'], expect: err("malformed pattern (missing ']')") },
  { fn: 'gsub', args: ['a)b', ')', 'x'], expect: err('invalid pattern capture') },
  { fn: 'gsub', args: ['a)b', 'b)', 'x'], expect: err('invalid pattern capture') },
  { fn: 'gsub', args: ['a)c', 'b)', 'x'], expect: ['a)c', 0] },
  { fn: 'find', args: ['a)b', ')'], expect: [2, 2] },
  { fn: 'gsub', args: ['a,b,,c', ',', ';'], expect: ['a;b;;c', 3] },
  { fn: 'gsub', args: ['a,b,,c', ',,', '%0%0'], expect: ['a,b,,,,c', 1] },
  { fn: 'gsub', args: ['aaaa', 'aa', 'b'], expect: ['bb', 2] },
  { fn: 'gsub', args: ['aaaa', 'aa', 'b', 1], expect: ['baa', 1] },
  { fn: 'gsub', args: ['a]b', ']', fn('{["]"] = "!"}')], expect: ['a!b', 1] },
  // gsub with a table or a function
  { fn: 'gsub', args: ['$name is $age', '%$(%w+)', fn('{name = "Bob", age = 42}')], expect: ['Bob is 42', 2] },
  { fn: 'gsub', args: ['$x and $y', '%$(%w+)', fn('{x = false}')], expect: ['$x and $y', 2] },
  { fn: 'gsub', args: ['abc', '%w', fn('function(c) return c:upper() end')], expect: ['ABC', 3] },
  { fn: 'gsub', args: ['abc', '%w', fn('function(c) if c == "b" then return nil end return "." end')], expect: ['.b.', 3] },
  { fn: 'gsub', args: ['abc', 'b', fn('function() return 7 end')], expect: ['a7c', 1] },
  { fn: 'gsub', args: ['abc', 'b', fn('function() return 0.5 end')], expect: ['a0.5c', 1] },
  { fn: 'gsub', args: ['k=v', '(%w)=(%w)', fn('function(k, v) return v .. "=" .. k end')], expect: ['v=k', 1] },
  { fn: 'gsub', args: ['ab', '()', fn('function(p) return "[" .. math.type(p) .. p .. "]" end')], expect: ['[integer1]a[integer2]b[integer3]', 3] },
  { fn: 'gsub', args: ['abc', 'b', fn('function() return {} end')], expect: err('invalid replacement value (a table)') },
  { fn: 'gsub', args: ['abc', 'b', fn('{b = true}')], expect: err('invalid replacement value (a boolean)') },
  { fn: 'gsub', args: ['abc', 'b', fn('function() error("boom", 0) end')], expect: err('boom') },
  { fn: 'gsub', args: ['abc', 'b', fn('setmetatable({}, {__index = function(_, k) return k .. k end})')], expect: ['abbc', 1] },
  { fn: 'gsub', args: ['abc', '%w', fn('function(c) return ("x"):rep(2) .. select(2, string.gsub(c, ".", "")) end')], expect: ['xx1xx1xx1', 3] },
  // gmatch (each entry is one iteration; several captures are joined by \u0001)
  { fn: 'gmatch', args: ['one two', '%a+'], expect: ['one', 'two'] },
  { fn: 'gmatch', args: ['k=v, a=b', '(%w+)=(%w+)'], expect: ['k\u0001v', 'a\u0001b'] },
  { fn: 'gmatch', args: ['abc', ''], expect: ['', '', '', ''] },
  { fn: 'gmatch', args: ['hello world', '%w*'], expect: ['hello', 'world'] },
  { fn: 'gmatch', args: ['^a^a', '^a'], expect: ['^a', '^a'] },
  { fn: 'gmatch', args: ['abc', '()'], expect: ['1', '2', '3', '4'] },
  { fn: 'gmatch', args: ['', 'x'], expect: [] },
  { fn: 'gmatch', args: ['a', '%'], expect: err("malformed pattern (ends with '%')") },
];

function check(outcome: Outcome, expect: Case['expect'], label: string): void {
  if (Array.isArray(expect)) {
    assert.ok(outcome.ok, `${label}: unexpected error ${outcome.ok ? '' : outcome.error}`);
    assert.deepEqual(outcome.values, expect, label);
    return;
  }
  assert.ok(!outcome.ok, `${label}: expected an error, got ${JSON.stringify(outcome)}`);
  if (typeof expect.error === 'string') assert.equal(outcome.error, expect.error, label);
  else assert.match(outcome.error, expect.error, label);
}

describe('lua patterns: cases', () => {
  const harness = new PatternHarness();
  for (const c of cases) {
    const label = `${c.fn}(${c.args.map((a) => JSON.stringify(a)).join(', ')})`;
    it(label, () => {
      check(harness.call('ours', c.fn, c.args), c.expect, `ours: ${label}`);
      // The expectation itself is checked against fengari's original, unless fengari is known to differ.
      const theirs = harness.call('string', c.fn, c.args);
      if (!c.fengariDiffers) check(theirs, c.expect, `fengari: ${label}`);
      else assert.notDeepEqual(theirs, harness.call('ours', c.fn, c.args), `fengari no longer differs (${c.fengariDiffers}): drop the mark`);
    });
  }
});

// ---------------------------------------------------------------------------
// Differential: random patterns from a small grammar, ours against fengari's.

const single = fc.constantFrom('a', 'b', 'c', '.', '%a', '%d', '%s', '%w', '%p', '%A', '%S', '%%', '%.', '[ab]', '[^a]', '[a-c]', '[%d_]', '[]a]', '[^%s]', ' ', '1', '_');
const quantifier = fc.constantFrom('', '', '*', '+', '-', '?');
const item = fc.tuple(single, quantifier).map(([s, q]) => s + q);
const special = fc.constantFrom('()', '%1', '%2', '%b()', '%bab', '%f[%w]', '%f[^a]', '$', '^');
/** Fragments that make a pattern malformed or use captures wrongly. */
const broken = fc.constantFrom('%', '[', '[^', ')', '(', '%b', '%f', '%fa', '%0', '%9', '[%');
const group = fc.array(fc.oneof(item, special), { maxLength: 3 }).map((parts) => '(' + parts.join('') + ')');
const literal = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ')', ']', '1'), minLength: 1, maxLength: 3 });
const pattern = fc
  .tuple(
    fc.constantFrom('', '', '^'),
    fc.array(fc.oneof({ weight: 6, arbitrary: item }, { weight: 2, arbitrary: group }, { weight: 2, arbitrary: special }, { weight: 1, arbitrary: broken }), { maxLength: 6 }),
    fc.constantFrom('', '', '$'),
  )
  .map(([head, parts, tail]) => head + parts.join('') + tail);
const anyPattern = fc.oneof({ weight: 4, arbitrary: pattern }, { weight: 1, arbitrary: literal });
const subject = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'a', 'b', '1', ' ', '(', ')', '_', '-', '.', '%', 'A', '\0', '\xe9'), maxLength: 14 });
const init = fc.option(fc.integer({ min: -16, max: 16 }), { nil: undefined });
const replacement = fc.oneof(
  fc.array(fc.constantFrom('x', '%0', '%1', '%2', '%%', '-', '%', '%x'), { maxLength: 4 }).map((parts): LuaArg => parts.join('')),
  fc.constantFrom<LuaArg>(
    fn('function(a, ...) if a == "a" then return nil end if a == "b" then return false end return "<" .. tostring(a) .. select("#", ...) .. ">" end'),
    fn('{a = "A", b = false, ["1"] = 1}'),
    7,
  ),
);

/**
 * Brings fengari's outcome to Lua 5.3's where fengari 0.1.5 departs from it, and
 * drops the function name from argument errors (fengari finds its own functions
 * in package.loaded under "string.*"; ours are found nowhere).
 */
function normalize(outcome: Outcome): Outcome {
  if (outcome.ok) return outcome;
  const error = outcome.error.replace("missing arguments to '%b'", "missing arguments to '%b')").replace("'%b'))", "'%b')").replace(/^(bad argument #\d+ to )'[^']*'/, "$1'?'");
  return { ok: false, error };
}

/**
 * Where fengari 0.1.5 has bugs (see the cases marked fengariDiffers), patterns are not
 * compared: back-references to a position capture, and frontiers (`%f`), which fengari
 * misses at the start of the subject.
 */
function comparable(pat: string): boolean {
  return !(pat.includes('()') && /%[1-9]/.test(pat)) && !pat.includes('%f');
}

/** A byte no pattern can reach when matching starts after it (matching only moves forward; `%f` is not compared). */
const SHIFT = '\x01';

/**
 * fengari 0.1.5's `max_expand` (the `*` item once it matched at least once) takes a
 * match that ends at subject offset 0 for a failure (`if (res)` on an index, and 0 is
 * falsy in JS). So when a `*` item at the subject's start must give back every
 * repetition and the rest of the pattern matches empty there, fengari misses that
 * empty match: `("a"):find("(a*)%1")` is 1, 0, "" in Lua 5.3 (and ours), 2, 1, "" in
 * fengari. Only a back-reference can fail after a repetition and succeed empty at the
 * start (`$` cannot: the item matched, so the subject is not empty), hence the first
 * two conditions. The third shows the bug fired on this very input: with the subject
 * moved one byte away from offset 0 (a prefix byte, matching from the byte after it,
 * where `^` anchors too), fengari finds the empty match at the start that it misses
 * at offset 0.
 */
export function fengariMissesEmptyMatchAtStart(harness: PatternHarness, subject: string, pat: string): boolean {
  if (!/%[1-9]/.test(pat) || !pat.includes('*') || pat.includes('%f')) return false;
  const shifted = harness.call('string', 'find', [SHIFT + subject, pat, 2]);
  const direct = harness.call('string', 'find', [subject, pat]);
  const emptyAt = (o: Outcome, at: number): boolean => o.ok && o.values[0] === at && o.values[1] === at - 1;
  return emptyAt(shifted, 2) && !emptyAt(direct, 1);
}

/** Lua 5.3's `find`/`match` start: `init` made absolute and at least 1; null past the end (no match). */
function absoluteInit(subject: string, init: LuaArg | undefined): number | null {
  let at = typeof init === 'number' ? init : 1;
  if (at < 0) at = -at > subject.length ? 0 : subject.length + at + 1;
  if (at < 1) at = 1;
  return at > subject.length + 1 ? null : at;
}

/**
 * fengari's find or match on the subject moved one byte away from offset 0 (where its
 * `max_expand` bug cannot fire), read back as on the subject itself: find's two
 * positions moved back by one (the patterns it is used for have no position captures:
 * `comparable` drops back-references with them).
 */
function fengariShifted(harness: PatternHarness, name: 'find' | 'match', args: LuaArg[]): Outcome {
  const [subject, pat, init] = args as [string, string, LuaArg | undefined];
  const at = absoluteInit(subject, init);
  if (at === null) return harness.call('string', name, args);
  const out = harness.call('string', name, [SHIFT + subject, pat, at + 1]);
  if (!out.ok || name !== 'find' || typeof out.values[0] !== 'number') return out;
  return { ok: true, values: [out.values[0] - 1, (out.values[1] as number) - 1, ...out.values.slice(2)] };
}

describe('lua patterns: same results as fengari (property)', () => {
  const harness = new PatternHarness();
  const same = (name: PatternFunction, args: LuaArg[]): void => {
    const ours = normalize(harness.call('ours', name, args));
    const theirs = normalize(harness.call('string', name, args));
    const label = `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
    const [subject, pat] = args;
    if (!isDeepStrictEqual(ours, theirs) && typeof subject === 'string' && typeof pat === 'string' && fengariMissesEmptyMatchAtStart(harness, subject, pat)) {
      // fengari's known bug fired on this input (see fengariMissesEmptyMatchAtStart). find
      // and match are compared with fengari away from offset 0 instead; gmatch and gsub
      // have no start argument to move the subject with, so this input is not compared.
      if (name === 'find' || name === 'match') assert.deepEqual(ours, normalize(fengariShifted(harness, name, args)), `${label} (against fengari moved off offset 0)`);
      return;
    }
    assert.deepEqual(ours, theirs, label);
  };
  const withInit = (args: LuaArg[], start: number | undefined): LuaArg[] => (start === undefined ? args : [...args, start]);

  it("the fengari exception is narrow: it fires on fengari's max_expand bug only, and find is still compared there", () => {
    for (const [subject, pat] of [['a', '(a*)%1'], ['ab', '(a*)%1'], ['ab', '^(a*)%1']]) assert.equal(fengariMissesEmptyMatchAtStart(harness, subject!, pat!), true, `${subject} ${pat}`);
    // Same shapes where fengari is right: a match that does not end at offset 0, or no `*` to give back.
    for (const [subject, pat] of [['aa', '(a*)%1'], ['aab', '(a*)%1'], ['b', '(a*)%1'], ['', '(a*)%1'], ['a', '(a?)%1'], ['a', 'a*'], ['abab', '(ab)%1'], ['ba', '(a*)%1']]) assert.equal(fengariMissesEmptyMatchAtStart(harness, subject!, pat!), false, `${subject} ${pat}`);
    same('find', ['a', '(a*)%1']);
    same('match', ['a', '(a*)%1']);
    same('find', ['ab', '(a*)%1', 1]);
    same('gsub', ['ab', '^(a*)%1', 'x']);
    assert.deepEqual(fengariShifted(harness, 'find', ['a', '(a*)%1']), { ok: true, values: [1, 0, ''] });
    assert.deepEqual(fengariShifted(harness, 'find', ['xa', 'a', -1]), { ok: true, values: [2, 2] });
  });

  it('find and match', () => {
    fc.assert(
      fc.property(subject, anyPattern, init, (s, p, start) => {
        if (!comparable(p)) return;
        same('find', withInit([s, p], start));
        same('match', withInit([s, p], start));
      }),
      { numRuns: 1500 },
    );
  });

  it('plain find', () => {
    fc.assert(
      fc.property(subject, fc.string({ unit: fc.constantFrom('a', 'b', '.', '%', '('), maxLength: 3 }), init, (s, p, start) => {
        same('find', [s, p, start ?? 1, true]);
      }),
      { numRuns: 500 },
    );
  });

  it('gmatch', () => {
    fc.assert(
      fc.property(subject, anyPattern, (s, p) => {
        if (comparable(p)) same('gmatch', [s, p]);
      }),
      { numRuns: 1000 },
    );
  });

  it('gsub', () => {
    fc.assert(
      fc.property(subject, anyPattern, replacement, fc.option(fc.integer({ min: -1, max: 4 }), { nil: undefined }), (s, p, r, n) => {
        if (!comparable(p)) return;
        same('gsub', n === undefined ? [s, p, r] : [s, p, r, n]);
      }),
      { numRuns: 1500 },
    );
  });
});

// ---------------------------------------------------------------------------
// Limits: the reason these functions exist.

const EPIC = `
local wsjf = context.metrics.wsjf_score or 0
if wsjf > 50 then
  return { decision = "autonomous", confidence = 0.95, reasoning = string.format("High WSJF (%d)", wsjf) }
end
return { decision = "escalated", confidence = 0.5, reasoning = "Low WSJF" }`;
const OK = ' return { decision = "autonomous", confidence = 1, reasoning = "ok" }';

describe('lua patterns: limits in the executor', () => {
  // A wall clock far away: each case must end on its own limit (steps, bytes,
  // instructions), not on a busy machine's clock. The default clock is tried below.
  const executor = new LuaExecutor({ timeMs: 120_000 });
  const limitCases: { name: string; source: string; code: string; message?: RegExp }[] = [
    { name: 'backtracking find (method call)', source: 'return string.rep("a", 30000):find(".-.-.-.-b")', code: 'time-limit', message: /steps/ },
    { name: 'backtracking string.find', source: 'local s = string.rep("a", 30000) return string.find(s, ".-.-.-.-b")', code: 'time-limit', message: /steps/ },
    { name: 'backtracking match', source: 'return string.rep("a", 30000):match("(.-)(.-)(.-)b")', code: 'time-limit', message: /steps/ },
    { name: 'backtracking gmatch', source: 'for x in string.rep("a", 30000):gmatch(".-.-.-b") do end' + OK, code: 'time-limit', message: /steps/ },
    { name: 'backtracking gsub', source: 'string.rep("a", 30000):gsub(".-.-.-b", "")' + OK, code: 'time-limit', message: /steps/ },
    { name: 'backtracking swallowed by pcall', source: 'pcall(string.find, string.rep("a", 30000), ".-.-.-.-b")' + OK, code: 'time-limit', message: /steps/ },
    { name: 'plain find with a long near-miss', source: 'string.rep("a", 1000000):find(string.rep("a", 1000) .. "b", 1, true)' + OK, code: 'time-limit', message: /steps/ },
    { name: 'plain finds that scan a long string again and again', source: 'local s = string.rep("a", 4000000) for i = 1, 100000 do s:find("b", 1, true) end' + OK, code: 'time-limit', message: /steps/ },
    { name: 'many short finds add up', source: 'local s = string.rep("a", 300) for i = 1, 20000 do s:find(".-.-b") end' + OK, code: 'time-limit', message: /steps/ },
    { name: 'gsub that doubles a string 30 times', source: 'local s = string.rep("x", 1000) for i = 1, 30 do s = s:gsub("x", "xx") end' + OK, code: 'memory-limit' },
    { name: 'gsub that multiplies a string', source: 'local s = string.rep("a", 100000) return s:gsub(".", s)', code: 'memory-limit' },
    { name: 'gsub with %0 repeated', source: 'local s = string.rep("a", 100000) return s:gsub(".", "%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0")', code: 'memory-limit' },
    { name: 'gsub whose function returns big strings', source: 'local big = string.rep("b", 200000) return ("a"):rep(100):gsub("a", function() return big end)', code: 'memory-limit' },
    { name: 'gsub callback that loops', source: '("abc"):gsub(".", function() while true do end end)' + OK, code: 'instruction-limit' },
    { name: 'gsub callback that backtracks', source: '("abc"):gsub(".", function() return string.rep("a", 30000):find(".-.-.-.-b") end)' + OK, code: 'time-limit' },
    { name: 'gmatch body that loops', source: 'for w in ("a b c"):gmatch("%a") do while true do end end' + OK, code: 'instruction-limit' },
  ];
  for (const c of limitCases) {
    it(`${c.name} → ${c.code}, and the executor carries on`, () => {
      const { result, stats } = executor.evaluateSource(c.source, 'rule.lua', {});
      assert.equal(result.error?.code, c.code, JSON.stringify(result));
      if (c.message) assert.match(result.error?.message ?? '', c.message);
      assert.equal(result.decision, 'escalated');
      // Reported, not asserted: timing on a shared machine is no test.
      if (process.env.LUA_PATTERNS_TIMING) console.log(`${c.name}: ${stats.durationMs.toFixed(0)} ms`);
      const next = executor.evaluateSource(EPIC, 'epic.lua', { metrics: { wsjf_score: 60 } }).result;
      assert.deepEqual(next, { decision: 'autonomous', confidence: 0.95, reasoning: 'High WSJF (60)', error: null, line: 4 });
    });
  }

  it('at default limits, backtracking is stopped (by its steps or, on a slow machine, the clock)', () => {
    const defaults = new LuaExecutor();
    const { result } = defaults.evaluateSource('return string.rep("a", 30000):find(".-.-.-.-b")', 'rule.lua', {});
    assert.equal(result.error?.code, 'time-limit', JSON.stringify(result));
    const next = defaults.evaluateSource(EPIC, 'epic.lua', { metrics: { wsjf_score: 60 } }).result;
    assert.equal(next.reasoning, 'High WSJF (60)');
  });

  it('rules that use patterns normally get their answers', () => {
    const source = `
      local id = context.id
      local prefix, number = id:match("^(%u+)%-(%d+)$")
      local words = {}
      for w in context.title:gmatch("%a+") do words[#words + 1] = w:lower() end
      local cleaned, n = context.title:gsub("%s+", " ")
      local s, e = cleaned:find("fix", 1, true)
      return { decision = "autonomous", confidence = 1,
        reasoning = prefix .. "|" .. number .. "|" .. table.concat(words, ",") .. "|" .. n .. "|" .. tostring(s) .. "-" .. tostring(e) }`;
    const { result } = executor.evaluateSource(source, 'normal.lua', { id: 'PROJ-123', title: 'Quick   fix for  login' });
    assert.equal(result.error, null, result.error?.message);
    assert.equal(result.reasoning, 'PROJ|123|quick,fix,for,login|3|7-9');
  });

  it('a malformed pattern in a rule is a runtime error with the rule line', () => {
    const { result } = executor.evaluateSource('local x = 1\nreturn ("abc"):find("[a")', 'bad.lua', {});
    assert.equal(result.error?.code, 'runtime-error');
    assert.equal(result.error?.message, "bad.lua:2: malformed pattern (missing ']')");
    assert.equal(result.error?.line, 2);
  });

  it('the sandbox string table and string methods are the budgeted ones', () => {
    const source = 'local ok, e = pcall(string.find, "a", "%b") local ok2, e2 = pcall(function() return ("a"):match("%b") end) return { decision = "autonomous", confidence = 1, reasoning = e .. "|" .. e2 }';
    const { result } = executor.evaluateSource(source, 'which.lua', {});
    // Only ours has the closing parenthesis fengari's message lacks.
    assert.match(result.reasoning, /missing arguments to '%b'\)\|.*missing arguments to '%b'\)$/);
  });
});
