import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RuleEngine } from '../../core/src/engine/rule-engine';
import type { RuleSource, VersionedRule } from '../../core/src/engine/rule-source';
import type { RuleDefinition } from '../../core/src/model/rule';

function lua(name: string, body: string): VersionedRule {
  const definition: RuleDefinition = { kind: 'lua', name, category: 'epic', source: body, origin: `${name}.lua` };
  return { definition, version: 1, checksum: createHash('sha256').update(body).digest('hex') };
}
const LOOP = 'while true do end';
const OK = 'return { decision = "escalated", confidence = 0.5, reasoning = "fine" }';

async function engineWith(rules: VersionedRule[], options: ConstructorParameters<typeof RuleEngine>[0] = {}): Promise<RuleEngine> {
  const source: RuleSource = { load: async () => rules };
  const engine = new RuleEngine({ source, limits: { instructions: 1e12, timeMs: 300 }, ...options });
  await engine.start();
  return engine;
}

describe('engine: a time budget shared by the rules of one call', () => {
  it('a category of looping rules takes about the budget, not each rule its limit', async () => {
    const engine = await engineWith([lua('a', LOOP), lua('b', LOOP), lua('c', LOOP), lua('d', OK)]);
    const started = performance.now();
    const result = engine.evaluateCategory('epic', {}, { timeBudgetMs: 400 });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 900, `took ${elapsed} ms`);
    assert.deepEqual(result.results.map((r) => r.error?.code ?? null), ['time-limit', 'time-limit', 'time-limit', 'time-limit']);
    assert.match(result.results[3]?.error?.message ?? '', /time budget ran out/);
  });
  it('without a budget each rule keeps its own limit', async () => {
    const engine = await engineWith([lua('a', LOOP), lua('d', OK)]);
    const result = engine.evaluateCategory('epic', {});
    assert.equal(result.results[1]?.error, null);
  });
});

describe('engine: per-rule circuit breaker', () => {
  it('opens after N limit errors in a row, answers fast with the error, and closes after the cool-down on success', async () => {
    let body = LOOP;
    const engine = await engineWith([lua('a', LOOP)], { breaker: { failures: 3, coolDownMs: 200 } });
    for (let i = 0; i < 3; i++) assert.equal(engine.evaluateRule('a', {}).shortCircuited, false);
    const started = performance.now();
    const fast = engine.evaluateRule('a', {});
    assert.ok(performance.now() - started < 50);
    assert.equal(fast.shortCircuited, true);
    assert.equal(fast.error?.code, 'time-limit');
    assert.match(fast.error?.message ?? '', /circuit open/);
    assert.deepEqual(engine.openCircuits(), [{ name: 'a', opened: 1, open: true }]);
    // A new version of the rule gets a fresh breaker.
    body = OK;
    engine.applyChange({ upserted: [{ ...lua('a', body), version: 2 }], removed: [] });
    assert.equal(engine.evaluateRule('a', {}).error, null);
  });
  it('after the cool-down one trial runs; another limit error opens it again at once', async () => {
    const engine = await engineWith([lua('a', LOOP)], { breaker: { failures: 2, coolDownMs: 100 } });
    engine.evaluateRule('a', {});
    engine.evaluateRule('a', {});
    assert.equal(engine.evaluateRule('a', {}).shortCircuited, true);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(engine.evaluateRule('a', {}).shortCircuited, false, 'the trial runs');
    assert.equal(engine.evaluateRule('a', {}).shortCircuited, true, 'and opened it again');
  });
  it('runtime errors do not open it', async () => {
    const engine = await engineWith([lua('a', 'error("no")')], { breaker: { failures: 2, coolDownMs: 10_000 } });
    for (let i = 0; i < 5; i++) assert.equal(engine.evaluateRule('a', {}).shortCircuited, false);
  });
});
