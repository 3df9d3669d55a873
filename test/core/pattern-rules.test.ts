import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePatternRule } from '../../core/src/patterns/pattern-rule-file';
import { compilePatternRule } from '../../core/src/patterns/evaluate-pattern-rule';
import type { PatternRuleDefinition } from '../../core/src/model/rule';

function load(json: unknown): PatternRuleDefinition {
  const parsed = parsePatternRule(JSON.stringify(json), 'x.rule.json', 'x');
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.definition;
}

function errorsOf(json: unknown): string[] {
  const parsed = parsePatternRule(typeof json === 'string' ? json : JSON.stringify(json), 'x.rule.json', 'x');
  assert.equal(parsed.ok, false, 'expected load errors');
  return parsed.ok ? [] : parsed.errors;
}

const metric = { type: 'metric', metric: 'wsjf_score', threshold: 50, weight: 0.9 };

describe('pattern rules: load errors say what is wrong and where', () => {
  const cases: [string, unknown, string][] = [
    ['invalid JSON', '{"patterns": [', 'invalid JSON'],
    ['not an object', '[1]', 'must be a JSON object'],
    ['no patterns', { category: 'epic' }, 'missing "patterns"'],
    ['empty patterns', { patterns: [] }, '"patterns" is empty'],
    ['unknown type', { patterns: [{ ...metric, type: 'metrik' }] }, `patterns[0].type: unknown pattern type "metrik" (did you mean 'metric'?)`],
    ['weight above 1', { patterns: [{ ...metric, weight: 1.5 }] }, 'patterns[0].weight must be a number from 0 to 1, got 1.5'],
    ['weight as a string', { patterns: [{ ...metric, weight: '0.9' }] }, 'patterns[0].weight must be a number from 0 to 1, got "0.9"'],
    ['missing weight', { patterns: [{ type: 'metric', metric: 'a', threshold: 1 }] }, 'patterns[0].weight is missing'],
    ['missing metric', { patterns: [{ type: 'metric', threshold: 50, weight: 1 }] }, 'patterns[0].metric is missing'],
    ['zero threshold', { patterns: [{ ...metric, threshold: 0 }] }, 'patterns[0].threshold must be a number greater than 0'],
    ['misspelt property', { patterns: [{ ...metric, wieght: 1 }] }, "unknown property 'wieght' for a metric pattern (did you mean 'weight'?)"],
    ['misspelt top-level property', { pattern: [metric] }, "unknown property 'pattern' (did you mean 'patterns'?)"],
    ['bad regex', { patterns: [{ type: 'regex', field: 'title', regex: '(', weight: 1 }] }, 'patterns[0].regex is not a valid regular expression'],
    ['stateful regex flag', { patterns: [{ type: 'regex', field: 'title', regex: 'a', flags: 'g', weight: 1 }] }, 'patterns[0].flags may only contain i, m, s and u'],
    ['bad field path', { patterns: [{ type: 'regex', field: 'a..b', regex: 'a', weight: 1 }] }, 'patterns[0].field must be a dotted path'],
    ['bad consensus', { consensus: -1, patterns: [metric] }, 'consensus must be a whole number'],
  ];
  for (const [name, json, message] of cases) {
    it(name, () => {
      const errors = errorsOf(json);
      assert.ok(errors.some((e) => e.includes(message)), `expected "${message}" in ${JSON.stringify(errors)}`);
    });
  }
  it('collects every problem, not just the first', () => {
    assert.equal(errorsOf({ patterns: [{ type: 'metric' }, { type: 'bogus' }] }).length, 4);
  });
});

describe('pattern rules: metric semantics (docs/pattern-rules.md)', () => {
  const rule = compilePatternRule(load({ patterns: [metric] }));
  it('scores the full weight at or above the threshold', () => {
    assert.equal(rule({ metrics: { wsjf_score: 50 } }).confidence, 0.9);
    assert.equal(rule({ metrics: { wsjf_score: 500 } }).confidence, 0.9);
  });
  it('scales the weight below the threshold', () => {
    assert.equal(rule({ metrics: { wsjf_score: 25 } }).confidence, 0.45);
  });
  it('scores half the weight when the metric is missing or not a number', () => {
    assert.equal(rule({}).confidence, 0.45);
    assert.equal(rule({ metrics: { wsjf_score: '60' } }).confidence, 0.45);
    assert.equal(rule({ metrics: [] }).confidence, 0.45);
  });
  it('never scores below 0', () => {
    assert.equal(rule({ metrics: { wsjf_score: -100 } }).confidence, 0);
  });
  it('reads a dotted metric name from the context root', () => {
    const dotted = compilePatternRule(load({ patterns: [{ ...metric, metric: 'epic.score' }] }));
    assert.equal(dotted({ epic: { score: 50 } }).confidence, 0.9);
  });
  it('averages the scores and picks the decision by band', () => {
    const two = compilePatternRule(load({ patterns: [metric, { type: 'metric', metric: 'business_value', threshold: 70, weight: 1 }] }));
    const result = two({ metrics: { wsjf_score: 60, business_value: 35 } });
    assert.deepEqual(result, {
      decision: 'collaborative',
      confidence: 0.7,
      reasoning: 'Pattern score 0.70: wsjf_score 60 >= 50 scores 0.90; business_value 35 < 70 scores 0.50',
      error: null,
      line: null,
    });
  });
});

describe('pattern rules: regex on a context field', () => {
  const rule = compilePatternRule(load({ patterns: [{ type: 'regex', field: 'epic.title', regex: '^EPIC-\\d+', flags: 'i', weight: 0.8 }] }));
  it('a matching string scores the weight', () => assert.equal(rule({ epic: { title: 'epic-12 login' } }).confidence, 0.8));
  it('a string that does not match scores 0', () => assert.equal(rule({ epic: { title: 'story-1' } }).confidence, 0));
  it('a missing or non-string field scores half the weight', () => {
    assert.equal(rule({}).confidence, 0.4);
    assert.equal(rule({ epic: { title: 12 } }).confidence, 0.4);
  });
});
