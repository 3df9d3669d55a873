/**
 * Issue 16: a rule sees only the part of its context the read analysis proves it can
 * observe (executor/context-reads.ts), and the result cache is keyed by that part
 * (engine/context-key.ts readSetDigest). Both rest on one claim, checked here with
 * fast-check on rules written to break it: running on the pruned context gives exactly
 * what running on the whole context gives, and two contexts with the same key are
 * decided alike.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyseContextReads } from '../../core/src/executor/context-reads';
import type { ReadTree } from '../../core/src/executor/context-reads';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import type { KeyToken } from '../../core/src/engine/context-key';
import { readSetDigest, readSetTokens } from '../../core/src/engine/context-key';
import { RuleEngine } from '../../core/src/engine/rule-engine';
import { validateContext } from '../../core/src/executor/push-context';
import type { PatternRuleDefinition, RuleDefinition } from '../../core/src/model/rule';

const ROOT = join(__dirname, '..', '..');
/** `show` prints a table as "table": tostring would print its address, different on every run. */
const SHOW = 'local function show(v) if type(v) == "table" then return "table" end return tostring(v) end\n';
const result = (reasoning: string, decision = '"autonomous"') => `return { decision = ${decision}, confidence = 1, reasoning = ${reasoning} }`;

/** Rules that read the context in every way the analysis has to get right. */
const RULES: Record<string, string> = {
  epic: readFileSync(join(ROOT, 'rules', 'epic_wsjf_validation.lua'), 'utf8'),
  readiness: readFileSync(join(ROOT, 'rules', 'feature_readiness_check.lua'), 'utf8'),
  aliasOr: `local m = context.metrics or {}\n${result('show(m.score) .. "/" .. show(m.x)')}`,
  presenceOnly: `if context.a then ${result('"has a"')} end ${result('"no a"')}`,
  andChain: `local b = context.a and context.a.b\n${result('type(b) .. show(b == nil)')}`,
  onTheWay: `local s = context.metrics.score\n${result('"ran"')}`,
  stringField: `local f = context.x.len\n${result('type(f)')}`,
  method: `local x = context.x\nif type(x) == "string" then ${result('x:upper()')} end ${result('"not a string"')}`,
  iterate: `local n, keys = 0, {}\nfor k, v in pairs(context.metrics or {}) do n = n + 1 keys[#keys + 1] = show(k) end\ntable.sort(keys)\n${result('n .. ":" .. table.concat(keys, ",")')}`,
  length: `local t = context.tags\n${result('show(type(t) == "table" and #t)')}`,
  nextOnNested: `local m = context.metrics\n${result('show(type(m) == "table" and next(m) ~= nil)')}`,
  helper: `local function get(c) return c.score end\nlocal function half(c) return (tonumber(c.x) or 0) / 2 end\nlocal m = context.metrics\n${result('show(type(m) == "table" and get(m)) .. show(type(m) == "table" and half(m))')}`,
  helperTwoPaths: `local function get(c) if type(c) ~= "table" then return "-" end return show(c.score) end\n${result('get(context.metrics) .. get(context.a)')}`,
  globalFunction: `function pick(ctx)\n  local m = ctx.metrics or {}\n  return m.x\nend\n${result('show(pick(context))')}`,
  writes: `local m = context.metrics\nif type(m) == "table" then m.added = 1 local n = 0 for _ in pairs(m) do n = n + 1 end ${result('show(n)')} end ${result('"none"')}`,
  recursion: `local function depth(t, n) if type(t) ~= "table" then return n end return depth(t.a, n + 1) end\n${result('show(depth(context, 0))')}`,
  dynamicKey: `local k = "sc" .. "ore"\nlocal m = context.metrics\n${result('show(type(m) == "table" and m[k])')}`,
  environment: `local c = _G["con" .. "text"]\n${result('show(c.a)')}`,
  indexNumber: `local t = context.tags\n${result('show(type(t) == "table" and t[1])')}`,
  compare: `${result('show(context.a == context.b) .. show(context.x)')}`,
  shadow: `local context = { a = 1 }\n${result('show(context.a)')}`,
  inherited: `local m = context.metrics or {}\n${result('type(context.constructor) .. type(context.toString) .. type(m.constructor) .. type(context.__proto__) .. type(m.hasOwnProperty)')}`,
  decision: `local s = (context.metrics or {}).score\nif type(s) == "number" and s > 1 then ${result('"high"')} end ${result('"low"', '"escalated"')}`,
};

const key = fc.constantFrom('a', 'b', 'x', 'score', 'metrics', 'tags', 'len', 'constructor', 'toString');
const scalar = fc.oneof(fc.constantFrom(0, 1, 2, -0, 0.5, 3.25, 2 ** 40, true, false, null, '', 'x', 'abc', 'len'), fc.integer({ min: -5, max: 5 }));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 3 }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
}));
const context = fc.dictionary(key, value, { maxKeys: 5 }) as fc.Arbitrary<Record<string, unknown>>;

/** A context and a variant of it: often equal where a rule looks and different elsewhere. */
const pair = fc.tuple(context, fc.dictionary(key, value, { maxKeys: 3 }), fc.array(key, { maxLength: 2 })).map(([base, overrides, removed]) => {
  const variant: Record<string, unknown> = { ...base, ...overrides };
  for (const k of removed) delete variant[k];
  return [base, variant] as const;
});

const whole = new LuaExecutor({}, 'never');
const pruned = new LuaExecutor({}, 'always');

function outcome(executor: LuaExecutor, source: string, name: string, ctx: unknown): unknown {
  const compiled = executor.compile(withShow(source), `${name}.lua`);
  if (!compiled.ok) throw new Error(`${name}: ${compiled.error.message}`);
  const run = executor.run(compiled.rule, ctx);
  return { ...run.result, output: run.output };
}

const withShow = (source: string): string => (source.includes('show(') ? SHOW + source : source);

function readsOf(name: string): ReadTree | null {
  const compiled = pruned.compile(withShow(RULES[name] as string), `${name}.lua`);
  if (!compiled.ok) throw new Error(compiled.error.message);
  return pruned.contextReads(compiled.rule);
}

const plain = (tree: ReadTree | null): unknown => (tree === null ? null : tree.full ? 'full' : Object.fromEntries([...tree.children].map(([k, v]) => [k, plain(v)])));

describe('context reads: what the analysis proves a rule can observe', () => {
  it('the seed rule reads three metrics, through a global function and locals', () => {
    assert.deepEqual(plain(readsOf('epic')), { metrics: { wsjf_score: 'full', business_value: 'full', job_size: 'full' } });
  });
  it('iteration, length and writes read a subtree whole; the environment, a dynamic key on the root or the root escaping read everything', () => {
    assert.deepEqual(plain(readsOf('iterate')), { metrics: 'full' });
    assert.deepEqual(plain(readsOf('length')), { tags: 'full' });
    assert.deepEqual(plain(readsOf('writes')), { metrics: 'full' });
    assert.deepEqual(plain(readsOf('dynamicKey')), { metrics: 'full' });
    assert.equal(readsOf('environment'), null);
    assert.equal(readsOf('recursion'), null);
    assert.equal(analyseContextReads('local k = "a" return context[k]'), null);
    assert.equal(analyseContextReads('return context'), null);
    assert.equal(analyseContextReads('local _ENV = context return { decision = metrics }'), null);
    assert.equal(analyseContextReads('this is not lua'), null);
  });
  it('a helper called with one path reads through its parameter; called with two it reads both whole', () => {
    assert.deepEqual(plain(readsOf('helper')), { metrics: { score: 'full', x: 'full' } });
    assert.deepEqual(plain(readsOf('helperTwoPaths')), { metrics: 'full', a: 'full' });
  });
  it('a local named context is not the context', () => {
    assert.deepEqual(plain(readsOf('shadow')), {});
  });
});

describe('context reads: the pruned context decides exactly as the whole one (property)', () => {
  for (const name of Object.keys(RULES)) {
    it(name, () => {
      const source = RULES[name] as string;
      fc.assert(
        fc.property(context, (ctx) => {
          assert.deepEqual(outcome(pruned, source, name, ctx), outcome(whole, source, name, ctx));
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('read-set cache keys never merge contexts a rule decides differently (property)', () => {
  let merged = 0;
  for (const name of Object.keys(RULES)) {
    it(name, () => {
      const source = RULES[name] as string;
      const reads = readsOf(name);
      if (reads === null) return; // keyed by the whole context (contextDigest), as before
      fc.assert(
        fc.property(pair, ([a, b]) => {
          validateContext(a);
          validateContext(b);
          // The key path the cache uses and the key string agree exactly on which contexts share a key.
          const pathA: KeyToken[] = [];
          const pathB: KeyToken[] = [];
          readSetTokens(a, reads, pathA);
          readSetTokens(b, reads, pathB);
          const samePath = pathA.length === pathB.length && pathA.every((step, i) => Object.is(step, pathB[i]) || (step === pathB[i] && step !== 0));
          assert.equal(samePath, readSetDigest(a, reads) === readSetDigest(b, reads), `paths and strings disagree on ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
          if (!samePath) return;
          if (JSON.stringify(a) !== JSON.stringify(b)) merged++;
          assert.deepEqual(outcome(whole, source, name, b), outcome(whole, source, name, a));
        }),
        { numRuns: 300 },
      );
    });
  }
  it('the property is not vacuous: distinct contexts did share keys', () => {
    assert.ok(merged > 100, `only ${merged} distinct pairs shared a key`);
  });
});

/** Pattern rules read fixed paths (their metrics and fields); their cache keys are built from those paths. */
const PATTERN_RULES: PatternRuleDefinition[] = [
  {
    kind: 'pattern',
    name: 'p_metrics',
    origin: 'p_metrics.rule.json',
    patterns: [
      { type: 'metric', metric: 'score', threshold: 1, weight: 1 },
      { type: 'metric', metric: 'x', threshold: 2, weight: 0.5 },
    ],
  },
  {
    kind: 'pattern',
    name: 'p_paths',
    origin: 'p_paths.rule.json',
    patterns: [
      { type: 'metric', metric: 'metrics.a.b', threshold: 1, weight: 1 },
      { type: 'regex', field: 'x', regex: '^a', flags: 'i', weight: 1 },
      { type: 'regex', field: 'metrics.len', regex: 'b+c?$', weight: 0.5 },
    ],
  },
];

/** An evaluation's answer without the fields that differ between runs (time, cache flag). */
const answer = (r: { decision: string; confidence: number; reasoning: string; error: unknown; line: number | null }) => [r.decision, r.confidence, r.reasoning, r.error, r.line];

describe('read-set cache keys through the engine: a cache hit answers what an evaluation would (property)', () => {
  // Issue 16: the key is built by compiled writers with the cache's prefix, and the
  // context is validated once per request; this checks the whole path end to end, for
  // Lua and pattern rules, through evaluateRule and evaluateCategory, on sequences of
  // contexts that often differ only where a rule does not look.
  const definitions: RuleDefinition[] = [
    ...Object.entries(RULES).map(([name, source]): RuleDefinition => ({ kind: 'lua', name, category: 'all', source: withShow(source), origin: `${name}.lua` })),
    ...PATTERN_RULES.map((rule) => ({ ...rule, category: 'all' })),
  ];
  const load = (engine: RuleEngine) => engine.applyChange({ upserted: definitions.map((definition) => ({ definition, version: 1, checksum: definition.name })), removed: [] });
  let hits = 0;
  it('every rule, one context after another', () => {
    const cached = new RuleEngine({ cache: { minConfidence: 0 } });
    const uncached = new RuleEngine({ cache: { minConfidence: 2 } });
    assert.equal(load(cached).refused.length, 0);
    load(uncached);
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 6 }), (pairs) => {
        for (const [a, b] of pairs) {
          for (const ctx of [a, b]) {
            for (const definition of definitions) {
              const hit = cached.evaluateRule(definition.name, ctx);
              if (hit.cached) hits++;
              assert.deepEqual(answer(hit), answer(uncached.evaluateRule(definition.name, ctx)), `${definition.name} on ${JSON.stringify(ctx)}`);
              // Every result that worked is cached (minConfidence 0): the same context again is a hit.
              assert.equal(cached.evaluateRule(definition.name, ctx).cached, hit.error === null, `${definition.name} cached its answer`);
            }
            const category = cached.evaluateCategory('all', ctx);
            const fresh = uncached.evaluateCategory('all', ctx);
            assert.deepEqual(answer(category), answer(fresh));
            assert.deepEqual(category.results.map(answer), fresh.results.map(answer));
          }
        }
      }),
      { numRuns: 60 },
    );
  });
  it('the property is not vacuous: the cache answered', () => {
    assert.ok(hits > 1000, `only ${hits} cache hits`);
  });
});

describe('context reads: a bad value is refused where the rule never looks, as before', () => {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 100; i++) deep = { d: deep };
  const bad: [string, unknown][] = [
    ['a cycle', { metrics: { score: 1 }, other: cycle }],
    ['a function', { metrics: { score: 1 }, f: () => 1 }],
    ['a BigInt', { metrics: { score: 1 }, n: 10n }],
    ['a symbol', { metrics: { score: 1 }, s: Symbol('x') }],
    ['very deep nesting', { metrics: { score: 1 }, deep }],
    ['a huge array', { metrics: { score: 1 }, list: new Array(200_000).fill(1) }],
    ['NaN', { metrics: { score: 1, unread: NaN } }],
    ['Infinity', { metrics: { score: 1 }, x: Infinity }],
    ['undefined in an array', { metrics: { score: 1 }, list: [1, undefined] }],
    ['a Date', { metrics: { score: 1 }, when: new Date(0) }],
    ['a Map', { metrics: { score: 1 }, m: new Map() }],
    ['an array at the top', [1, 2]],
    ['null at the top', null],
    ['a string at the top', 'ctx'],
  ];
  const source = RULES['decision'] as string;
  for (const [name, ctx] of bad) {
    it(`${name}: the same invalid-context message from the pruned and the whole conversion, and from a cache hit`, () => {
      const prunedRun = outcome(pruned, source, 'decision', ctx) as { error: { code: string; message: string } | null };
      assert.equal(prunedRun.error?.code, 'invalid-context');
      assert.deepEqual(prunedRun, outcome(whole, source, 'decision', ctx));
      const engine = new RuleEngine({ cache: { minConfidence: 0 } });
      engine.applyChange({ upserted: [{ definition: { kind: 'lua', name: 'd', category: 'c', source, origin: 'd.lua' }, version: 1, checksum: 'x' }], removed: [] });
      assert.equal(engine.evaluateRule('d', { metrics: { score: 1 } }).cached, false);
      assert.equal(engine.evaluateRule('d', { metrics: { score: 1 } }).cached, true);
      const hit = engine.evaluateRule('d', ctx);
      assert.deepEqual([hit.cached, hit.error?.code, hit.error?.message], [false, 'invalid-context', prunedRun.error?.message]);
    });
  }
});
