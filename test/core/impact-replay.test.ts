/**
 * The replay library (core/src/impact/replay.ts) on real Fengari: counts checked
 * against expectations worked out by hand from the two rules below.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapturedDecision } from '../../core/src/impact/replay';
import { replayDecisions, ReplayCancelledError, ReplayError } from '../../core/src/impact/replay';
import type { RuleDefinition } from '../../core/src/model/rule';
import { impactSummaryFrom, summaryOf } from '../../core/src/impact/impact-report';

const LIVE = `
local x = context.x
if x >= 10 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end
if x >= 5 then return { decision = "collaborative", confidence = 0.8, reasoning = "mid" } end
return { decision = "escalated", confidence = 0.3, reasoning = "low" }`;

const DRAFT = `
local x = context.x
if x < 0 then error("negative x") end
if x >= 8 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end
if x >= 5 then return { decision = "collaborative", confidence = 0.8, reasoning = "mid" } end
return { decision = "escalated", confidence = 0.3, reasoning = "low" }`;

const lua = (source: string): RuleDefinition => ({ kind: 'lua', name: 'tiers', category: 'c', source, origin: 'test/tiers.lua' });

/** What the live rule answers for x (the log, mostly). */
function liveDecision(x: number): { decision: string; confidence: number } {
  if (x >= 10) return { decision: 'autonomous', confidence: 0.95 };
  if (x >= 5) return { decision: 'collaborative', confidence: 0.8 };
  return { decision: 'escalated', confidence: 0.3 };
}

function captured(): CapturedDecision[] {
  const out: CapturedDecision[] = [];
  for (let x = -1; x <= 12; x++) out.push({ context: { x }, ...liveDecision(x), errorCode: null, version: 2, at: `2026-01-01T00:00:${String(x + 10).padStart(2, '0')}Z`, correlationId: `c${x}` });
  // x = 12 was logged by version 1, which said collaborative: the live version does not reproduce it.
  out[13] = { ...out[13]!, decision: 'collaborative', confidence: 0.8, version: 1 };
  // Captured without its context (--capture-contexts off): read, not replayed.
  out.push({ decision: 'escalated', confidence: 0.3, errorCode: null, version: 2 });
  return out;
}

test('a Lua draft against its live version: transitions, changed, confidence and reproduction counted exactly', async () => {
  const progress: number[] = [];
  const report = await replayDecisions(
    { draft: lua(DRAFT), live: { definition: lua(LIVE), version: 2 }, decisions: captured(), source: { kind: 'rule', rule: 'tiers' } },
    { onProgress: (p) => progress.push(p.done), progressEvery: 5 },
  );
  // x = -1 → escalated->error; 0..4 → escalated->escalated; 5..7 → collaborative->collaborative;
  // 8, 9 → collaborative->autonomous; 10..12 → autonomous->autonomous.
  assert.deepEqual(report.transitions, { 'autonomous->autonomous': 3, 'collaborative->autonomous': 2, 'collaborative->collaborative': 3, 'escalated->escalated': 5, 'escalated->error': 1 });
  assert.equal(report.read, 15);
  assert.equal(report.skipped, 1);
  assert.equal(report.replayed, 14);
  assert.equal(report.changed, 3);
  assert.equal(report.changedFraction, 3 / 14);
  assert.equal(report.notReproduced, 1);
  assert.equal(report.loggedByLive, 13);
  assert.equal(report.liveVersion, 2);
  // Live: 6 × 0.3 + 5 × 0.8 + 3 × 0.95 = 8.65; draft: 0 + 5 × 0.3 + 3 × 0.8 + 5 × 0.95 = 8.65.
  assert.deepEqual(report.confidence, {
    meanLive: 0.6179,
    meanDraft: 0.6179,
    mean: 0,
    distribution: { '< -0.5': 0, '-0.5..-0.1': 1, '-0.1..-0.01': 0, unchanged: 11, '0.01..0.1': 0, '0.1..0.5': 2, '> 0.5': 0 },
  });
  // Examples: only changed transitions, in the order read, with their contexts.
  assert.deepEqual(
    report.examples.map((e) => [e.transition, e.context]),
    [
      ['escalated->error', { x: -1 }],
      ['collaborative->autonomous', { x: 8 }],
      ['collaborative->autonomous', { x: 9 }],
    ],
  );
  const failed = report.examples[0]!;
  assert.equal(failed.draft.label, 'error');
  assert.equal(failed.draft.error?.code, 'runtime-error');
  assert.match(failed.draft.error?.message ?? '', /negative x/);
  assert.equal(failed.correlationId, 'c-1');
  assert.deepEqual(
    report.notReproducedExamples.map((e) => [e.context, e.logged]),
    [[{ x: 12 }, { version: 1, label: 'collaborative', confidence: 0.8 }]],
  );
  assert.deepEqual(progress, [5, 10, 15, 15]);
});

test('examples are bounded per transition, and an async source works the same', async () => {
  async function* many(): AsyncGenerator<CapturedDecision> {
    for (let i = 0; i < 50; i++) yield { context: { x: 8 + (i % 2) }, decision: 'collaborative', confidence: 0.8, errorCode: null, version: 2 };
  }
  const report = await replayDecisions({ draft: lua(DRAFT), live: { definition: lua(LIVE), version: 2 }, decisions: many(), source: { kind: 'rule', rule: 'tiers' } }, { examplesPerTransition: 2, yieldEveryMs: 1 });
  assert.deepEqual(report.transitions, { 'collaborative->autonomous': 50 });
  assert.equal(report.changed, 50);
  assert.equal(report.examples.length, 2);
  assert.equal(report.notReproduced, 0);
});

test('a pattern rule draft against its live version', async () => {
  const pattern = (threshold: number): RuleDefinition => ({ kind: 'pattern', name: 'score', category: 'c', origin: 'test/score.rule.json', patterns: [{ type: 'metric', metric: 'score', threshold, weight: 1 }] });
  const contexts = [{ metrics: { score: 60 } }, { metrics: { score: 95 } }, { metrics: { score: 80 } }, { metrics: {} }];
  const decisions = contexts.map((context) => ({ context, decision: 'autonomous', confidence: 1, errorCode: null, version: 1 }));
  const report = await replayDecisions({ draft: pattern(100), live: { definition: pattern(50), version: 1 }, decisions, source: { kind: 'rule', rule: 'score' } });
  // Live (threshold 50): 1, 1, 1 → autonomous; missing → 0.5 escalated. Draft (100): 0.6 E, 0.95 A, 0.8 C, 0.5 E.
  assert.deepEqual(report.transitions, { 'autonomous->autonomous': 1, 'autonomous->collaborative': 1, 'autonomous->escalated': 1, 'escalated->escalated': 1 });
  assert.equal(report.changed, 2);
  assert.equal(report.notReproduced, 1);
  assert.equal(report.confidence.mean, round((0.6 + 0.95 + 0.8 + 0.5 - 3.5) / 4));
});

test('a rule with no live version: every decision is new (none->...)', async () => {
  const decisions = [0, 6, 9, -3].map((x) => ({ context: { x }, decision: 'escalated', confidence: 0.1, errorCode: null, version: 4 }));
  const report = await replayDecisions({ draft: lua(DRAFT), live: null, decisions, source: { kind: 'category', category: 'c' } });
  assert.deepEqual(report.transitions, { 'none->autonomous': 1, 'none->collaborative': 1, 'none->escalated': 1, 'none->error': 1 });
  assert.equal(report.changed, 4);
  assert.equal(report.liveVersion, null);
  assert.equal(report.notReproduced, 0);
  assert.deepEqual(report.confidence, { meanLive: null, meanDraft: round((0.3 + 0.8 + 0.95 + 0) / 4), mean: null, distribution: {} });
});

test('a draft that loops or allocates is stopped per context and counted as error; junk contexts too', async () => {
  const looping = lua(`if context.x > 5 then while true do end end\nif context.x > 3 then local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(1e6 + i) end end\nreturn { decision = "escalated", confidence = 0.5, reasoning = "ok" }`);
  const decisions: CapturedDecision[] = [{ context: { x: 9 } }, { context: { x: 4 } }, { context: { x: 1 } }, { context: 'not an object' }, { context: [1, 2] }].map((d) => ({ ...d, decision: 'escalated', confidence: 0.3, errorCode: null, version: 2 }));
  const report = await replayDecisions({ draft: looping, live: { definition: lua(LIVE), version: 2 }, decisions, source: { kind: 'rule', rule: 'tiers' } });
  assert.equal(report.replayed, 5);
  // x = 9 (live: collaborative) loops; x = 4 (live: escalated) allocates; the two non-object contexts fail on both sides.
  assert.deepEqual(report.transitions, { 'collaborative->error': 1, 'escalated->error': 1, 'escalated->escalated': 1, 'error->error': 2 });
  const codes = report.examples.map((e) => e.draft.error?.code).sort();
  assert.deepEqual(codes, ['instruction-limit', 'memory-limit']);
});

test('a draft that does not compile is one clear error', async () => {
  await assert.rejects(replayDecisions({ draft: lua('return {'), live: null, decisions: [], source: { kind: 'rule', rule: 'tiers' } }), (e: unknown) => e instanceof ReplayError && /draft of tiers does not load/.test(e.message));
});

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

test('impactSummaryFrom keeps a summary\'s fields only: no examples, no stray keys; junk is undefined', async () => {
  const report = await replayDecisions({ draft: lua(DRAFT), live: { definition: lua(LIVE), version: 2 }, decisions: captured(), source: { kind: 'rule', rule: 'tiers' } });
  const sent = { ...report, secret: 'x', confidence: { ...report.confidence, extra: 1 } };
  const kept = impactSummaryFrom(JSON.parse(JSON.stringify(sent)));
  assert.deepEqual(kept, summaryOf(report));
  assert.equal(impactSummaryFrom(null), undefined);
  assert.equal(impactSummaryFrom({ rule: 'x' }), undefined);
  assert.equal(impactSummaryFrom('summary'), undefined);
});

test('a draft that runs to its limits on every context can be cancelled between decisions', async () => {
  const looping = lua('while true do end');
  const decisions = Array.from({ length: 1000 }, (_, x) => ({ context: { x }, decision: 'escalated', confidence: 0.3, errorCode: null, version: 2 }));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  await assert.rejects(
    replayDecisions({ draft: looping, live: { definition: lua(LIVE), version: 2 }, decisions, source: { kind: 'rule', rule: 'tiers' } }, { signal: controller.signal, limits: { instructions: 200_000 } }),
    (e: unknown) => e instanceof ReplayCancelledError && Number(/cancelled after (\d+) decisions/.exec(e.message)?.[1]) < 1000,
  );
});
