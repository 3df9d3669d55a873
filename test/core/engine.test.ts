import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RuleEngine } from '../../core/src/engine/rule-engine';
import { MemorySink } from '../../core/src/engine/execution-sink';
import { contextKey } from '../../core/src/engine/context-key';
import type { RuleChange, RuleSource, VersionedRule } from '../../core/src/engine/rule-source';
import type { RuleDefinition } from '../../core/src/model/rule';

function lua(name: string, body: string, category = 'epic', version = 1): VersionedRule {
  const definition: RuleDefinition = { kind: 'lua', name, category, source: body, origin: `${name}.lua` };
  return { definition, version, checksum: createHash('sha256').update(body).digest('hex') };
}
const ret = (decision: string, confidence: number, reasoning: string): string => `return { decision = "${decision}", confidence = ${confidence}, reasoning = "${reasoning}" }`;

class ListSource implements RuleSource {
  private listener: ((change: RuleChange) => void) | undefined;
  constructor(private readonly rules: VersionedRule[]) {}
  async load(): Promise<VersionedRule[]> {
    return this.rules;
  }
  watch(onChange: (change: RuleChange) => void): () => void {
    this.listener = onChange;
    return () => (this.listener = undefined);
  }
  push(change: RuleChange): void {
    this.listener?.(change);
  }
}

async function engineWith(rules: VersionedRule[], sink?: MemorySink): Promise<{ engine: RuleEngine; source: ListSource }> {
  const source = new ListSource(rules);
  const engine = new RuleEngine(sink ? { source, sink } : { source });
  await engine.start();
  return { engine, source };
}

describe('engine: evaluateRule and evaluateCategory', () => {
  it('evaluates a rule by name with its version', async () => {
    const { engine } = await engineWith([lua('a', ret('autonomous', 0.95, 'ok'))]);
    const result = engine.evaluateRule('a', {});
    assert.equal(result.decision, 'autonomous');
    assert.equal(result.rule, 'a');
    assert.equal(result.version, 1);
    assert.equal(result.error, null);
  });
  it('an unknown rule is a failed result, not a throw', async () => {
    const { engine } = await engineWith([]);
    const result = engine.evaluateRule('nope', {});
    assert.equal(result.error?.code, 'rule-not-found');
    assert.equal(result.decision, 'escalated');
    assert.equal(result.confidence, 0);
  });
  it('a category returns the highest confidence', async () => {
    const { engine } = await engineWith([lua('low', ret('escalated', 0.5, 'low')), lua('high', ret('collaborative', 0.8, 'high')), lua('other', ret('autonomous', 1, 'x'), 'feature')]);
    const result = engine.evaluateCategory('epic', {});
    assert.equal(result.rule, 'high');
    assert.equal(result.confidence, 0.8);
    assert.deepEqual(result.results.map((r) => r.rule), ['high', 'low']);
  });
  it('a category without rules is escalated with the contract message', async () => {
    const { engine } = await engineWith([]);
    const result = engine.evaluateCategory('epic', {});
    assert.deepEqual([result.decision, result.confidence, result.reasoning, result.rule], ['escalated', 0, 'No rules available for category', null]);
  });
  it('a failing rule in a category does not stop the others', async () => {
    const { engine } = await engineWith([lua('loops', 'while true do end'), lua('fine', ret('collaborative', 0.75, 'fine'))]);
    const result = engine.evaluateCategory('epic', {});
    assert.equal(result.rule, 'fine');
    assert.equal(result.results.find((r) => r.rule === 'loops')?.error?.code, 'instruction-limit');
  });
  it('a bad context is an invalid-context result for Lua and pattern rules alike', async () => {
    const pattern: VersionedRule = { definition: { kind: 'pattern', name: 'p', category: 'epic', origin: 'p.rule.json', patterns: [{ type: 'metric', metric: 'x', threshold: 1, weight: 1 }] }, version: 1, checksum: 'p' };
    const { engine } = await engineWith([lua('a', ret('autonomous', 0.95, 'ok')), pattern]);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const name of ['a', 'p']) {
      const result = engine.evaluateRule(name, cyclic);
      assert.equal(result.error?.code, 'invalid-context', name);
      assert.match(result.reasoning, /cycle/);
    }
  });
});

describe('engine: the result cache', () => {
  const counting = 'counter = (counter or 0) + 1 local seen = { context.x, context.y } ' + ret('autonomous', 0.95, 'cached');
  it('caches results with confidence >= 0.9 by context, whatever the key order', async () => {
    const { engine } = await engineWith([lua('a', counting)]);
    assert.equal(engine.evaluateRule('a', { x: 1, y: 2 }).cached, false);
    const second = engine.evaluateRule('a', { y: 2, x: 1 });
    assert.equal(second.cached, true);
    assert.equal(second.reasoning, 'cached');
    assert.equal(engine.evaluateRule('a', { x: 2 }).cached, false);
  });
  it('keys by the fields a rule reads: contexts differing only elsewhere share an entry (issue 16)', async () => {
    const reader = 'local m = context.metrics or {} return { decision = "autonomous", confidence = 0.95, reasoning = tostring(m.score) }';
    const { engine } = await engineWith([lua('r', reader)]);
    assert.equal(engine.evaluateRule('r', { metrics: { score: 1 }, title: 'one' }).cached, false);
    const same = engine.evaluateRule('r', { title: 'two', metrics: { score: 1, unread: [1, 2] }, other: { deep: true } });
    assert.deepEqual([same.cached, same.reasoning], [true, '1']);
    assert.equal(engine.evaluateRule('r', { metrics: { score: 2 }, title: 'one' }).cached, false);
    // What lies on the way counts: metrics as a number makes m.score an error, never a hit.
    assert.equal(engine.evaluateRule('r', { metrics: 5 }).error?.code, 'runtime-error');
    // A bad value is refused even where the rule does not look, hit or not.
    assert.equal(engine.evaluateRule('r', { metrics: { score: 1 }, title: Number.NaN }).error?.code, 'invalid-context');
  });
  it('does not cache results below 0.9 or failures', async () => {
    const { engine } = await engineWith([lua('low', ret('collaborative', 0.89, 'x')), lua('bad', 'error("boom")')]);
    for (const name of ['low', 'bad']) {
      engine.evaluateRule(name, {});
      assert.equal(engine.evaluateRule(name, {}).cached, false, name);
    }
  });
  it('never serves an old version after a reload', async () => {
    const { engine, source } = await engineWith([lua('a', ret('autonomous', 0.95, 'v1'))]);
    engine.evaluateRule('a', {});
    assert.equal(engine.evaluateRule('a', {}).cached, true);
    source.push({ upserted: [lua('a', ret('autonomous', 0.99, 'v2'), 'epic', 2)], removed: [] });
    const after = engine.evaluateRule('a', {});
    assert.deepEqual([after.reasoning, after.version, after.cached], ['v2', 2, false]);
  });
  it('expires entries after the TTL', async () => {
    const source = new ListSource([lua('a', ret('autonomous', 0.95, 'x'))]);
    const engine = new RuleEngine({ source, cache: { ttlMs: 0 } });
    await engine.start();
    engine.evaluateRule('a', {});
    assert.equal(engine.evaluateRule('a', {}).cached, false);
  });
});

describe('engine: hot reload', () => {
  it('refuses a version that does not compile and keeps serving the old one', async () => {
    const changes: unknown[] = [];
    const { engine, source } = await engineWith([lua('a', ret('autonomous', 0.95, 'v1'))]);
    engine.onChange((report) => changes.push(report));
    source.push({ upserted: [lua('a', 'return {', 'epic', 2)], removed: [] });
    const result = engine.evaluateRule('a', {});
    assert.deepEqual([result.reasoning, result.version], ['v1', 1]);
    assert.equal(changes.length, 1);
    assert.match(JSON.stringify(changes[0]), /syntax-error/);
  });
  it('applies a change as a whole: new rules, replaced rules and removals', async () => {
    const { engine } = await engineWith([lua('a', ret('escalated', 0.5, 'a1')), lua('b', ret('escalated', 0.5, 'b1'))]);
    const report = engine.applyChange({ upserted: [lua('a', ret('escalated', 0.6, 'a2'), 'epic', 2), lua('c', ret('escalated', 0.1, 'c1'))], removed: ['b'] });
    assert.deepEqual(report.applied, [{ name: 'a', version: 2 }, { name: 'c', version: 1 }]);
    assert.deepEqual(report.removed, ['b']);
    assert.deepEqual(engine.list().map((r) => `${r.name}@${r.version}`), ['a@2', 'c@1']);
    assert.equal(engine.evaluateRule('b', {}).error?.code, 'rule-not-found');
  });
  it('frees compiled chunks that are no longer served', async () => {
    const { engine } = await engineWith([lua('a', ret('escalated', 0.5, 'a1'))]);
    const before = engine.executor.compiledCount;
    engine.applyChange({ upserted: [lua('a', ret('escalated', 0.5, 'a2'), 'epic', 2)], removed: [] });
    assert.equal(engine.executor.compiledCount, before);
  });
});

describe('engine: execution records', () => {
  it('records rule, version, decision, confidence, duration, error code and correlation id', async () => {
    const sink = new MemorySink();
    const { engine } = await engineWith([lua('a', ret('autonomous', 0.95, 'ok')), lua('bad', 'return 5')], sink);
    const context = { n: 1 };
    engine.evaluateRule('a', context, { correlationId: 'req-1' });
    engine.evaluateRule('bad', {});
    assert.equal(sink.records.length, 2);
    const [first, second] = sink.records;
    assert.deepEqual({ ...first, durationMs: 0, at: 0 }, { rule: 'a', version: 1, decision: 'autonomous', confidence: 0.95, durationMs: 0, errorCode: null, correlationId: 'req-1', cached: false, at: 0, category: 'epic', context: { n: 1 }, contextJson: undefined });
    // contextJson: the body text `serve` hands over (none here); always present, so every record has one shape.
    // Issue 13: the context as evaluated, by reference (a sink copies it off the request path).
    assert.equal(first?.context, context);
    assert.equal(second?.errorCode, 'invalid-result');
    assert.match(second?.correlationId ?? '', /^[0-9a-f-]{36}$/);
  });
  it('one correlation id for every rule of a category evaluation', async () => {
    const sink = new MemorySink();
    const { engine } = await engineWith([lua('a', ret('autonomous', 0.95, 'ok')), lua('b', ret('escalated', 0.2, 'no'))], sink);
    engine.evaluateCategory('epic', {});
    assert.equal(new Set(sink.records.map((r) => r.correlationId)).size, 1);
  });
});

describe('context keys', () => {
  it('are stable under key order and treat null like absent', () => {
    assert.equal(contextKey({ a: 1, b: { c: [1, 2] } }), contextKey({ b: { c: [1, 2] }, a: 1 }));
    assert.equal(contextKey({ a: 1, n: null }), contextKey({ a: 1 }));
    assert.notEqual(contextKey({ a: 1 }), contextKey({ a: '1' }));
  });
  for (const [name, value, message] of [
    ['a function', { f: () => 1 }, 'context.f: a function cannot be passed'],
    ['a BigInt', { n: 10n }, 'context.n: a BigInt cannot be passed'],
    ['NaN', { n: NaN }, 'context.n: NaN is not a finite number'],
    ['a Date', { d: new Date(0) }, 'context.d: a Date object cannot be passed'],
    ['an array at the top', [1], 'must be a JSON object, got an array'],
  ] as const) {
    it(`reject ${name}`, () => assert.throws(() => contextKey(value), (e: Error) => e.message.includes(message)));
  }
});

describe('engine: deferred compiles for large stores', () => {
  it('serves at once; a rule that does not compile answers its error and is reported as refused', async () => {
    const source = new ListSource([lua('good', ret('autonomous', 0.95, 'ok')), lua('broken', 'return {')]);
    const engine = new RuleEngine({ source, eagerCompileLimit: 0 });
    const reports: unknown[] = [];
    engine.onChange((report) => reports.push(report));
    const report = await engine.start();
    assert.deepEqual(report.refused, []);
    assert.equal(engine.evaluateRule('good', {}).decision, 'autonomous');
    const broken = engine.evaluateRule('broken', {});
    assert.equal(broken.error?.code, 'syntax-error');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.match(JSON.stringify(reports), /"refused":\[\{"name":"broken","version":1,"error":\{"code":"syntax-error"/);
  });
  it('changes after start still compile first and keep the old version when they fail', async () => {
    const source = new ListSource([lua('a', ret('autonomous', 0.95, 'v1'))]);
    const engine = new RuleEngine({ source, eagerCompileLimit: 0 });
    await engine.start();
    source.push({ upserted: [lua('a', 'return {', 'epic', 2)], removed: [] });
    assert.equal(engine.evaluateRule('a', {}).reasoning, 'v1');
  });
});
