/**
 * The service writes an evaluation's answer as JSON text directly (issue 16); this
 * checks it is byte for byte what JSON.stringify made of the object it used to build.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CategoryResult, EngineResult } from '../../core/src/engine/rule-engine';
import { resultJson } from '../../service/src/http-service';

/** The answer as the service built it before: an object, then JSON.stringify. */
function previousBody(result: EngineResult | CategoryResult, correlationId: string): string {
  const base: Record<string, unknown> = {
    decision: result.decision,
    confidence: result.confidence,
    reasoning: result.reasoning,
    rule: result.rule,
    version: result.version,
    durationMs: result.durationMs,
    error: result.error ? { code: result.error.code, message: result.error.message } : null,
    line: result.line,
    correlationId,
  };
  if ('category' in result) {
    base['category'] = result.category;
    base['results'] = result.results.map((r) => ({ rule: r.rule, version: r.version, decision: r.decision, confidence: r.confidence, error: r.error ? r.error.code : null, cached: r.cached }));
  } else base['cached'] = result.cached;
  return JSON.stringify(base);
}

const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u2028', '\u0000', 'é', '😀', '\ud800'), fc.string({ maxLength: 1 })), maxLength: 20 });
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 0.1 + 0.2, 1e21, 1e-7, Number.NaN, Infinity));
const error = fc.option(fc.record({ code: fc.constantFrom('runtime-error', 'invalid-context', 'time-limit'), message: text }), { nil: null });
const engineResult = fc.record({
  decision: fc.constantFrom('autonomous', 'collaborative', 'escalated'),
  confidence: number,
  reasoning: text,
  error,
  line: fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }),
  rule: text,
  version: fc.integer({ min: 0, max: 1000 }),
  durationMs: number,
  instructions: fc.nat(),
  cached: fc.boolean(),
  shortCircuited: fc.boolean(),
}) as fc.Arbitrary<EngineResult>;
const categoryResult = fc
  .tuple(engineResult, fc.array(engineResult, { maxLength: 4 }), text, fc.boolean())
  .map(([winner, results, category, none]): CategoryResult => ({ ...winner, rule: none ? null : winner.rule, version: none ? null : winner.version, category, results }));

describe('serve: the answer written as JSON text', () => {
  it('is what JSON.stringify made of the answer object, for rules and categories (property)', () => {
    fc.assert(
      fc.property(fc.oneof(engineResult, categoryResult), text, (result, correlationId) => {
        assert.equal(resultJson(result, correlationId), previousBody(result, correlationId));
      }),
      { numRuns: 2000 },
    );
  });

  it('parts remembered by rule are written anew when any field changes (property, few rule names)', () => {
    // Every field from a set of two or three, so most answers find a remembered part of
    // their rule and often one that differs from them in a single field.
    const fewRules = fc.record({
      decision: fc.constantFrom('autonomous', 'escalated'),
      confidence: fc.constantFrom(0.5, 0.95, -0),
      reasoning: fc.constantFrom('r', 's'),
      error: fc.constantFrom(null, { code: 'runtime-error', message: 'm' }, { code: 'time-limit', message: 'm' }),
      line: fc.constantFrom(null, 3),
      rule: fc.constantFrom('a', 'b'),
      version: fc.constantFrom(1, 2),
      durationMs: fc.constantFrom(0.5, 1),
      instructions: fc.constant(0),
      cached: fc.boolean(),
      shortCircuited: fc.boolean(),
    }) as fc.Arbitrary<EngineResult>;
    const answer = fc.oneof(
      fewRules,
      fc.tuple(fewRules, fc.array(fewRules, { maxLength: 3 }), fc.boolean()).map(([winner, results, none]): CategoryResult => ({ ...winner, rule: none ? null : winner.rule, version: none ? null : winner.version, category: 'c', results })),
    );
    fc.assert(
      fc.property(fc.array(answer, { minLength: 2, maxLength: 6 }), (answers) => {
        for (const result of answers) assert.equal(resultJson(result, 'id'), previousBody(result, 'id'));
      }),
      { numRuns: 1000 },
    );
  });
});
