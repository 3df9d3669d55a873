import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePatternRule } from '../../core/src/patterns/pattern-rule-file';
import { compilePatternRule } from '../../core/src/patterns/evaluate-pattern-rule';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { compileLinearRegex, MAX_REGEX_PROGRAM, nativeFastPath, toRe2Syntax } from '../../core/src/patterns/linear-regex';
import type { PatternRuleDefinition } from '../../core/src/model/rule';

function rule(regex: string, flags?: string): ReturnType<typeof parsePatternRule> {
  return parsePatternRule(JSON.stringify({ name: 'r', category: 'epic', patterns: [{ type: 'regex', field: 'id', regex, ...(flags ? { flags } : {}), weight: 1 }] }), 'r.rule.json', 'r');
}

describe('pattern rules: regexes run in linear time', () => {
  it('the ReDoS example ^([a-z]+)+$ answers at once, also on a 1 MB subject', () => {
    const parsed = rule('^([a-z]+)+$');
    assert.ok(parsed.ok);
    const evaluate = compilePatternRule((parsed as { definition: PatternRuleDefinition }).definition);
    for (const id of ['aaaaaaaaaaaaaaaaaaaaaaaaaaa!', 'a'.repeat(1024 * 1024) + '!']) {
      const started = performance.now();
      const result = evaluate({ id });
      assert.equal(result.confidence, 0);
      assert.ok(performance.now() - started < 2000, 'linear, not exponential');
    }
    assert.equal(evaluate({ id: 'abc' }).confidence, 1);
  });

  for (const [regex, words] of [
    ['(a)\\1', 'backreferences'],
    ['(?<x>a)\\k<x>', 'backreferences'],
    ['(?=a)a', 'lookahead'],
    ['(?!a)b', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(a?){500}a{500}$', `over the ${MAX_REGEX_PROGRAM}`],
  ] as const) {
    it(`check refuses ${regex} with a finding that says why`, () => {
      const parsed = rule(regex);
      assert.equal(parsed.ok, false);
      const errors = (parsed as { errors: string[] }).errors;
      assert.match(errors[0] ?? '', /patterns\[0\]\.regex cannot be matched in guaranteed linear time/);
      assert.ok((errors[0] ?? '').includes(words), errors[0]);
    });
  }

  it('JavaScript syntax RE2 spells differently still works: \\u escapes, named groups, flags', () => {
    for (const [regex, flags, subject, expected] of [
      ['^caf\\u00e9$', '', 'café', true],
      ['^(?<p>EPIC)-\\d+$', 'i', 'epic-12', true],
      ['^a.b$', 's', 'a\nb', true],
      ['^b$', 'm', 'a\nb', true],
      ['^b$', '', 'a\nb', false],
      ['\\bword\\b', '', 'a word here', true],
      ['^x\\sy$', '', 'x\u00a0y', true],
      ['^x[\\s,]y$', '', 'x\u2028y', true],
      ['^x\\Sy$', '', 'x\u3000y', false],
      ['^a.b$', '', 'a\rb', false],
      ['^a\\/b$', '', 'a/b', true],
    ] as const) {
      const compiled = compileLinearRegex(regex, flags);
      assert.ok(compiled.ok, `${regex} compiles`);
      assert.equal(compiled.ok && compiled.regex.test(subject), expected, `${regex} /${flags} on ${JSON.stringify(subject)}`);
      assert.equal(new RegExp(regex, flags).test(subject), expected, 'same answer as JavaScript');
    }
  });

  it('a pattern rule has a time limit, read between patterns', () => {
    const patterns = Array.from({ length: 200 }, () => ({ type: 'regex' as const, field: 'id', regex: '(a|b)*a(a|b){300}$', weight: 1 }));
    const evaluate = compilePatternRule({ kind: 'pattern', name: 'slow', patterns, origin: 'slow.rule.json' });
    const started = performance.now();
    const result = evaluate({ id: 'ab'.repeat(200_000) }, { timeMs: 100 });
    const elapsed = performance.now() - started;
    assert.equal(result.error?.code, 'time-limit');
    assert.ok(elapsed < 1000, `stopped after ${elapsed} ms`);
  });

  // Issue 16: the simplest regexes run on JavaScript's own engine for short ASCII subjects.
  it('the native fast path gives RE2\'s answer on random simple regexes and subjects, and is bounded', () => {
    const ALPHABET = ['a', 'b', 'A', 'B', '-', '_', '.', '0', '9', ' ', 'z', 'Z', '[', '`'];
    const atom = fc.oneof(
      fc.constantFrom('a', 'b', 'A', '-', '0', '.', '\\d', '\\w', '\\W', '\\D', '\\.', '\\-', '_', 'Z', '`'),
      fc.constantFrom('[a-z]', '[^a]', '[0-9]', '[A-Z_]', '[Z-a]', '[\\d-]', '[^\\w]', '[[]', '[ab.]'),
    );
    const quantifier = fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{2,}', '*?', '+?');
    const regexArb = fc.record({
      start: fc.boolean(),
      end: fc.boolean(),
      items: fc.array(fc.tuple(atom, quantifier), { minLength: 1, maxLength: 5 }),
      flags: fc.constantFrom('', 'i'),
    });
    const subjectArb = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 24 }).map((chars) => chars.join(''));
    let native = 0;
    fc.assert(
      fc.property(regexArb, fc.array(subjectArb, { minLength: 1, maxLength: 8 }), ({ start, end, items, flags }, subjects) => {
        const source = (start ? '^' : '') + items.map(([a, q]) => a + q).join('') + (end ? '$' : '');
        const fast = nativeFastPath(source, flags);
        if (!fast) return;
        native++;
        const re2 = RE2JS.compile(toRe2Syntax(source, false), flags === 'i' ? RE2JS.CASE_INSENSITIVE : 0);
        for (const subject of subjects) {
          if (subject.length > fast.maxSubject) continue;
          assert.equal(fast.regex.test(subject), re2.test(subject), `/${source}/${flags} on ${JSON.stringify(subject)}`);
        }
      }),
      { numRuns: 3000 },
    );
    assert.ok(native > 1000, `only ${native} regexes took the fast path`);
    // Outside the simple subset, or with too many repeats for the subject, RE2 answers.
    for (const source of ['^([a-z]+)+$', '(a|b)*c', 'a(?:b)c', '^a|b$', '\\bx', 'caf\\u00e9']) assert.equal(nativeFastPath(source, ''), null, source);
    assert.equal(nativeFastPath('abc', 'm'), null);
    const quadratic = nativeFastPath('a*a*b', '');
    assert.ok(quadratic && quadratic.maxSubject ** 3 <= 100_000);
    const evaluate = compileLinearRegex('a*a*a*b');
    assert.ok(evaluate.ok);
    const started = performance.now();
    assert.equal(evaluate.regex.test('a'.repeat(100_000)), false);
    assert.ok(performance.now() - started < 2000, 'a long subject is left to RE2');
  });
});
