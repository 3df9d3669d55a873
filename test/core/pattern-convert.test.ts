import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { compilePatternRule } from '../../core/src/patterns/evaluate-pattern-rule';
import { patternRuleToLua } from '../../core/src/patterns/pattern-to-lua';
import { NotConvertible, regexToLuaPattern } from '../../core/src/patterns/regex-to-lua-pattern';
import type { Pattern, PatternRuleDefinition } from '../../core/src/model/rule';

/**
 * `lua-rules convert` must give the same results as the pattern rule: generated
 * rules, generated contexts, every field of the result compared.
 */
const METRICS = ['wsjf_score', 'business_value', 'job_size'];
const REGEXES: [string, string?][] = [
  ['^epic-[0-9]+$', 'i'],
  ['login', undefined],
  ['^[A-Z][a-z]*$', undefined],
  ['a.c', undefined],
  ['x+y?z*', undefined],
  ['\\d\\d', undefined],
  ['[^aeiou]$', 'i'],
  ['\\w+\\s\\w+', undefined],
  ['^\\$[0-9]+\\.[0-9]+$', undefined],
  ['[a-f-]', undefined],
];

const weight = fc.oneof(fc.constantFrom(0, 0.25, 0.5, 0.9, 1), fc.double({ min: 0, max: 1, noNaN: true }));
const metricPattern: fc.Arbitrary<Pattern> = fc.record({
  type: fc.constant('metric' as const),
  metric: fc.constantFrom(...METRICS),
  threshold: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.5, max: 200, noNaN: true })),
  weight,
});
const regexPattern: fc.Arbitrary<Pattern> = fc.record({ regex: fc.constantFrom(...REGEXES), weight }).map(({ regex: [regex, flags], weight: w }) => {
  const p: Pattern = { type: 'regex', field: 'title', regex, weight: w };
  if (flags) p.flags = flags;
  return p;
});
const rule: fc.Arbitrary<PatternRuleDefinition> = fc.array(fc.oneof(metricPattern, regexPattern), { minLength: 1, maxLength: 5 }).map((patterns) => ({ kind: 'pattern', name: 'generated', patterns, origin: 'generated.rule.json' }));
const metricValue = fc.oneof(fc.integer({ min: -50, max: 300 }), fc.double({ min: -50, max: 300, noNaN: true }), fc.constant(undefined), fc.constant('12'), fc.constant(null), fc.constant(3_000_000_000));
const asciiText = fc.stringMatching(/^[ -~]{0,12}$/);
const title = fc.oneof(asciiText, fc.constantFrom('epic-42', 'EPIC-7', 'Login page', 'abc', 'x z', '$12.50', 'a\nc', 'AbC'), fc.constant(undefined), fc.constant(5));
const context = fc.record({ metrics: fc.record({ wsjf_score: metricValue, business_value: metricValue, job_size: metricValue }), title }, { requiredKeys: ['metrics'] });

describe('lua-rules convert: the Lua rule gives the same results', () => {
  const executor = new LuaExecutor();
  it('over generated rules and contexts', () => {
    fc.assert(
      fc.property(rule, fc.array(context, { minLength: 1, maxLength: 8 }), (definition, contexts) => {
        const lua = patternRuleToLua(definition);
        const js = compilePatternRule(definition);
        for (const ctx of contexts) {
          const clean = JSON.parse(JSON.stringify(ctx)) as Record<string, unknown>;
          const expected = js(clean);
          const actual = executor.evaluateSource(lua, 'converted.lua', clean).result;
          assert.equal(actual.error, null, `Lua failed: ${actual.error?.message}\n${lua}`);
          assert.equal(actual.decision, expected.decision);
          assert.equal(actual.confidence, expected.confidence);
          assert.equal(actual.reasoning, expected.reasoning);
        }
      }),
      { numRuns: 150 },
    );
  });
  it('keeps the header metadata', () => {
    const lua = patternRuleToLua({ kind: 'pattern', name: 'p', category: 'epic', description: 'two\nlines', threshold: 0.8, consensus: 2, origin: 'p.rule.json', patterns: [{ type: 'metric', metric: 'a', threshold: 1, weight: 1 }] });
    assert.match(lua, /^---@rule p\n---@category epic\n---@description two lines\n---@threshold 0.8\n---@consensus 2\n/);
  });
});

describe('regex to Lua pattern', () => {
  it('translates the convertible subset', () => {
    assert.deepEqual(regexToLuaPattern('^epic-\\d+$', 'i'), { pattern: '^epic%-%d+$', lowerSubject: true });
    assert.deepEqual(regexToLuaPattern('a.b'), { pattern: 'a[^\n\r]b', lowerSubject: false });
    assert.deepEqual(regexToLuaPattern('[^a-z_]'), { pattern: '[^a-z%_]', lowerSubject: false });
  });
  for (const [regex, reason] of [
    ['(ab)+', 'groups'],
    ['a|b', 'alternation'],
    ['a{2}', 'counted repetition'],
    ['\\bword', 'escape \\b'],
    ['a^b', "'^' is only convertible at the start"],
    ['[A-z]', undefined],
  ] as const) {
    it(`refuses ${regex}${reason ? ` (${reason})` : ''}`, () => {
      if (reason === undefined) {
        assert.doesNotThrow(() => regexToLuaPattern(regex));
        return;
      }
      assert.throws(() => regexToLuaPattern(regex), (e: unknown) => e instanceof NotConvertible && e.message.includes(reason));
    });
  }
});
