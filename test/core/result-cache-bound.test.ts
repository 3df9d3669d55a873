import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RuleEngine } from '../../core/src/engine/rule-engine';
import { contextDigest, contextKey } from '../../core/src/engine/context-key';
import { CacheMemory, DEFAULT_CACHE, ResultCache } from '../../core/src/engine/result-cache';
import type { RuleSource, VersionedRule } from '../../core/src/engine/rule-source';
import type { RuleDefinition } from '../../core/src/model/rule';

function lua(name: string, body: string, version = 1): VersionedRule {
  const definition: RuleDefinition = { kind: 'lua', name, category: 'epic', source: body, origin: `${name}.lua` };
  return { definition, version, checksum: createHash('sha256').update(body).digest('hex') };
}
/** Iterates the context, so it reads all of it: its cache keys are digests of the whole context. */
const CONFIDENT = 'for _ in pairs(context) do end return { decision = "autonomous", confidence = 0.95, reasoning = "ok" }';

async function engineWith(rules: VersionedRule[], cache: Partial<typeof DEFAULT_CACHE>): Promise<RuleEngine> {
  const source: RuleSource = { load: async () => rules };
  const engine = new RuleEngine({ source, cache });
  await engine.start();
  return engine;
}

describe('result cache: bounded in bytes and entries across every rule, keyed by digest', () => {
  it('the default bound is 64 MiB in total', () => {
    assert.ok(DEFAULT_CACHE.maxBytes <= 64 * 1024 * 1024);
  });

  it('a digest is a fixed 44 characters whatever the context size, and equal for equal contexts', () => {
    const big = { blob: 'x'.repeat(1024 * 1024) };
    assert.equal(contextDigest(big).length, 44);
    assert.equal(contextDigest({ a: 1, b: 2 }), contextDigest({ b: 2, a: 1 }));
    assert.notEqual(contextDigest({ a: 1 }), contextDigest({ a: '1' }));
    assert.ok(contextKey(big).length > 1024 * 1024, 'the canonical key is still the whole context (walked, not kept)');
    // Short keys are kept as they are (cheaper than hashing); they start with {, a digest never does.
    assert.equal(contextDigest({ a: 1 }), '{"a":1}');
    const long = { s: 'q'.repeat(300) };
    assert.equal(contextDigest(long).length, 44);
    assert.notEqual(contextDigest(long)[0], '{');
  });

  it('a flood of distinct cacheable 1 MB contexts over several rules stays inside the byte and entry bounds', async () => {
    const engine = await engineWith([lua('a', CONFIDENT), lua('b', CONFIDENT), lua('c', CONFIDENT)], { maxBytes: 64 * 1024, maxEntries: 100 });
    const blob = 'y'.repeat(1024 * 1024);
    for (let i = 0; i < 300; i++) {
      const result = engine.evaluateCategory('epic', { id: i, blob });
      assert.equal(result.error, null);
      assert.ok(engine.cacheMemory.bytes <= 64 * 1024, `bytes ${engine.cacheMemory.bytes} after ${i}`);
      assert.ok(engine.cacheMemory.size <= 100);
    }
    // The newest context is still cached (least recently used go first).
    assert.equal(engine.evaluateRule('c', { id: 299, blob }).cached, true);
    assert.equal(engine.evaluateRule('a', { id: 0, blob }).cached, false);
  });

  it('the entry bound is shared by every rule, not per rule', async () => {
    const engine = await engineWith([lua('a', CONFIDENT), lua('b', CONFIDENT)], { maxEntries: 10 });
    for (let i = 0; i < 50; i++) engine.evaluateCategory('epic', { i });
    assert.equal(engine.cacheMemory.size, 10);
  });

  it('a hit keeps an entry (least recently used eviction)', () => {
    const memory = new CacheMemory({ ...DEFAULT_CACHE, maxEntries: 2 });
    const cache = new ResultCache(memory);
    const ok = { decision: 'autonomous' as const, confidence: 0.95, reasoning: 'ok', error: null, line: null };
    cache.offer('k1', ok, 0);
    cache.offer('k2', ok, 0);
    assert.ok(cache.get('k1', 1));
    cache.offer('k3', ok, 0);
    assert.ok(cache.get('k1', 1), 'k1 was used last, so k2 went');
    assert.equal(cache.get('k2', 1), undefined);
    assert.equal(cache.size, 2);
  });

  it('a result too large for a sixteenth of the bound is not cached; a failed or unconfident result never is', () => {
    const memory = new CacheMemory({ ...DEFAULT_CACHE, maxBytes: 16 * 1024 });
    const cache = new ResultCache(memory);
    cache.offer('big', { decision: 'autonomous', confidence: 1, reasoning: 'r'.repeat(2000), error: null, line: null }, 0);
    cache.offer('low', { decision: 'escalated', confidence: 0.5, reasoning: 'r', error: null, line: null }, 0);
    cache.offer('err', { decision: 'escalated', confidence: 1, reasoning: 'r', error: { code: 'runtime-error', message: 'x' }, line: null }, 0);
    assert.equal(memory.size, 0);
    assert.equal(memory.bytes, 0);
  });

  it('a replaced version frees its entries and is never served the old results', async () => {
    const rules = [lua('a', CONFIDENT)];
    const engine = await engineWith(rules, {});
    engine.evaluateRule('a', { x: 1 });
    assert.equal(engine.evaluateRule('a', { x: 1 }).cached, true);
    assert.equal(engine.cacheMemory.size, 1);
    engine.applyChange({ upserted: [lua('a', CONFIDENT.replace('"ok"', '"v2"'), 2)], removed: [] });
    assert.equal(engine.cacheMemory.size, 0);
    const after = engine.evaluateRule('a', { x: 1 });
    assert.equal(after.cached, false);
    assert.equal(after.reasoning, 'v2');
  });
});
