/**
 * `lua-rules impact` end to end (issue 13) on a SQLite file and a real PostgreSQL:
 * captured decisions written through the store API (recordExecutions with contexts),
 * replayed through a draft and the live version, counts checked against a
 * hand-computed expectation; Lua and pattern rules, a rule with no live version, and
 * bad input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExecutionLogRecord, Store } from '../../store/src';
import { cli, writeIn } from '../cli/cli-harness';
import { main } from '../../cli/src/main';
import { POSTGRES_SKIPPED, startPostgres } from './pg-harness';
import { postgresBackend, sqliteBackend, type Backend } from './store-helpers';

const LIVE = `---@rule tiers
---@category c
local x = context.x
if x >= 10 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end
if x >= 5 then return { decision = "collaborative", confidence = 0.8, reasoning = "mid" } end
return { decision = "escalated", confidence = 0.3, reasoning = "low" }
`;
/** Autonomous from 8 instead of 10, and a failure on a negative x. */
const DRAFT = LIVE.replace('if x >= 10', 'if x < 0 then error("negative x") end\nif x >= 8');

function liveAnswer(x: number): Pick<ExecutionLogRecord, 'decision' | 'confidence'> {
  if (x >= 10) return { decision: 'autonomous', confidence: 0.95 };
  if (x >= 5) return { decision: 'collaborative', confidence: 0.8 };
  return { decision: 'escalated', confidence: 0.3 };
}

function ago(seconds: number): string {
  return new Date(Date.now() - seconds * 1000).toISOString();
}

function rec(rule: string, extra: Partial<ExecutionLogRecord>): ExecutionLogRecord {
  return { rule, version: 1, decision: 'escalated', confidence: 0.3, durationMs: 0.2, errorCode: null, correlationId: null, engineId: 'e1', category: 'c', ...extra };
}

interface ImpactJson {
  rule: string;
  liveVersion: number | null;
  replayed: number;
  changed: number;
  transitions: Record<string, number>;
  examples: { transition: string; context: unknown; draft: { label: string; error: { code: string } | null } }[];
  notReproduced: number;
  loggedByLive: number;
  changedFraction: number;
  source: unknown;
  confidence: { mean: number | null; meanLive: number | null; meanDraft: number | null };
}

function suite(name: 'sqlite' | 'postgres', makeBackend: () => Promise<Backend>): void {
  describe(`lua-rules impact on ${name}`, { skip: name === 'postgres' && POSTGRES_SKIPPED }, () => {
    let backend: Backend;
    let url = '';
    let dir = '';
    const run = (...argv: string[]) => cli(['impact', ...argv, '--store', url], { cwd: dir });

    before(async () => {
      backend = await makeBackend();
      url = await backend.freshUrl();
      dir = mkdtempSync(join(tmpdir(), 'lua-rules-impact-'));
      const store: Store = backend.open(url);
      try {
        await store.publish({ kind: 'lua', name: 'tiers', category: 'c', source: LIVE, origin: 'tiers.lua' }, { author: 'ann' });
        await store.publish({ kind: 'pattern', name: 'score', category: 'p', origin: 'score.rule.json', patterns: [{ type: 'metric', metric: 'score', threshold: 50, weight: 1 }] }, { author: 'ann' });
        const records: ExecutionLogRecord[] = [];
        // x = -1..12, one a second, each its own request; x = 12 was logged as collaborative (an older answer).
        for (let x = -1; x <= 12; x++) records.push(rec('tiers', { ...liveAnswer(x), ...(x === 12 ? { decision: 'collaborative', confidence: 0.8 } : {}), context: { x }, at: ago(100 - x), correlationId: `req-${x}` }));
        // Not replayable or out of the window: no context; another rule; eight days old.
        records.push(rec('tiers', { at: ago(50) }));
        records.push(rec('other', { context: { x: 7 }, at: ago(40), correlationId: 'req-5' }));
        records.push(rec('tiers', { context: { x: 9 }, at: ago(8 * 86_400) }));
        for (const score of [60, 95, 80]) records.push(rec('score', { category: 'p', decision: 'autonomous', confidence: 1, context: { metrics: { score } }, at: ago(30 + score / 100) }));
        records.push(rec('score', { category: 'p', decision: 'escalated', confidence: 0.5, context: { metrics: {} }, at: ago(20) }));
        await store.recordExecutions(records);
      } finally {
        await store.close();
      }
      writeIn(dir, 'tiers.lua', DRAFT);
      writeIn(dir, 'score.rule.json', JSON.stringify({ name: 'score', category: 'p', patterns: [{ type: 'metric', metric: 'score', threshold: 100, weight: 1 }] }));
      writeIn(dir, 'fresh.lua', DRAFT.replace('---@rule tiers', '---@rule fresh'));
      writeIn(dir, 'orphan.lua', 'return { decision = "escalated", confidence = 0.1, reasoning = "x" }\n');
      writeIn(dir, 'broken.lua', '---@rule tiers\n---@category c\nreturn {');
    });
    after(async () => {
      await backend?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('--json: the counts worked out by hand', async () => {
      const out = await run('tiers.lua', '--json');
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stderr, '');
      const report = JSON.parse(out.stdout) as ImpactJson;
      assert.deepEqual(Object.keys(report).slice(0, 6), ['rule', 'liveVersion', 'replayed', 'changed', 'transitions', 'examples']);
      assert.equal(report.rule, 'tiers');
      assert.equal(report.liveVersion, 1);
      // x = -1..12 within 7 days with a context; not the one without, not the other rule's, not the old one.
      assert.equal(report.replayed, 14);
      assert.deepEqual(report.transitions, { 'autonomous->autonomous': 3, 'collaborative->autonomous': 2, 'collaborative->collaborative': 3, 'escalated->escalated': 5, 'escalated->error': 1 });
      assert.equal(report.changed, 3);
      assert.equal(report.notReproduced, 1);
      assert.equal(report.loggedByLive, 14);
      assert.deepEqual(report.source, { kind: 'rule', rule: 'tiers' });
      assert.deepEqual(report.confidence, { meanLive: 0.6179, meanDraft: 0.6179, mean: 0, distribution: { '< -0.5': 0, '-0.5..-0.1': 1, '-0.1..-0.01': 0, unchanged: 11, '0.01..0.1': 0, '0.1..0.5': 2, '> 0.5': 0 } });
      // Newest first: x = 9 before x = 8 before x = -1.
      assert.deepEqual(report.examples.map((e) => [e.transition, e.context]), [
        ['collaborative->autonomous', { x: 9 }],
        ['collaborative->autonomous', { x: 8 }],
        ['escalated->error', { x: -1 }],
      ]);
      assert.equal(report.examples[2]?.draft.error?.code, 'runtime-error');
    });

    test('text: summary, transitions, confidence and examples; --limit and --since narrow', async () => {
      const out = await run('tiers.lua');
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^tiers: 3 of 14 decisions change \(21\.4%\) against live version 1\n/);
      assert.match(out.stdout, /collaborative → autonomous +2 {2}changed/);
      assert.match(out.stdout, /escalated → escalated +5\n/);
      assert.match(out.stdout, /confidence: mean 0\.6179 → 0\.6179 \(\+0\.0000\)/);
      assert.match(out.stdout, /not reproduced: 1 /);
      assert.match(out.stdout, /context: \{"x":-1\}/);
      const limited = JSON.parse((await run('tiers.lua', '--json', '--limit', '4')).stdout) as ImpactJson;
      // The newest four: x = 12, 11, 10, 9.
      assert.deepEqual(limited.transitions, { 'autonomous->autonomous': 3, 'collaborative->autonomous': 1 });
      const wide = JSON.parse((await run('tiers.lua', '--json', '--since', '9d')).stdout) as ImpactJson;
      assert.equal(wide.replayed, 15);
    });

    test('on a terminal, progress goes to stderr and is cleared; the report still goes to stdout', async () => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), readStdin: async () => '', cwd: dir, env: {}, isTTY: true };
      const code = await main(['impact', 'tiers.lua', '--store', url], io);
      assert.equal(code, 0, stderr);
      // Every line starts by clearing the one before; the last clears itself.
      assert.equal(stderr, 'reading captured decisions…\r\u001b[Kreplaying 14 / 14…\r\u001b[K');
      assert.match(stdout, /^tiers: 3 of 14 decisions change/);
    });

    test('--max-changed: exit 1 above the fraction, 0 at or below it', async () => {
      const over = await run('tiers.lua', '--max-changed', '0.2');
      assert.equal(over.code, 1);
      assert.match(over.stderr, /^lua-rules impact: tiers: 3 of 14 decisions change \(21\.4%\) against live version 1: more than --max-changed 0\.2\n$/);
      const under = await run('tiers.lua', '--max-changed', '0.25', '--json');
      assert.equal(under.code, 0, under.stderr);
    });

    test('a pattern rule draft', async () => {
      const out = await run('score.rule.json', '--json');
      assert.equal(out.code, 0, out.stderr);
      const report = JSON.parse(out.stdout) as ImpactJson;
      // Live threshold 50: 1, 1, 1, 0.5 (missing). Draft threshold 100: 0.6 E, 0.95 A, 0.8 C, 0.5 E.
      assert.deepEqual(report.transitions, { 'autonomous->autonomous': 1, 'autonomous->collaborative': 1, 'autonomous->escalated': 1, 'escalated->escalated': 1 });
      assert.equal(report.changed, 2);
      assert.equal(report.notReproduced, 0);
    });

    test('a rule with no live version replays its category, one context per request', async () => {
      const out = await run('fresh.lua', '--json');
      assert.equal(out.code, 0, out.stderr);
      const report = JSON.parse(out.stdout) as ImpactJson;
      assert.equal(report.liveVersion, null);
      assert.deepEqual(report.source, { kind: 'category', category: 'c' });
      // Category c in 7 days: the 14 of tiers plus other's req-5, which repeats tiers' req-5: 14 contexts.
      assert.equal(report.replayed, 14);
      assert.deepEqual(report.transitions, { 'none->autonomous': 5, 'none->collaborative': 3, 'none->escalated': 5, 'none->error': 1 });
      assert.equal(report.changed, 14);
      const text = await run('fresh.lua');
      assert.match(text.stdout, /^fresh: new rule, 14 decisions on its category's contexts \(/);
    });

    test('bad input: one line, exit 2', async () => {
      const cases: [string[], RegExp][] = [
        [['missing.lua'], /^lua-rules: impact: missing\.lua: file not found\n$/],
        [['tiers.lua', '--max-changed', '2'], /--max-changed must be a number from 0 to 1, got '2'/],
        [['tiers.lua', '--since', 'yesterday'], /--since must be a duration back from now \(like 30m, 1h, 7d\) or an ISO date-time/],
        [['tiers.lua', '--limit', '0'], /--limit must be a whole number from 1/],
        [['tiers.lua', '--maxchanged', '0.1'], /unknown/i],
        [['broken.lua'], /the draft of tiers does not load: .*unexpected symbol|the draft of tiers does not load/],
        [['orphan.lua'], /orphan has no live version and no ---@category/],
        [['tiers.lua', 'score.rule.json'], /one draft at a time/],
      ];
      for (const [argv, pattern] of cases) {
        const out = await run(...argv);
        assert.equal(out.code, 2, `${argv.join(' ')}: ${out.stderr}`);
        assert.match(out.stderr, pattern, argv.join(' '));
        assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
        assert.equal(out.stdout, '');
      }
      const noStore = await cli(['impact', 'tiers.lua'], { cwd: dir });
      assert.equal(noStore.code, 2);
      assert.match(noStore.stderr, /no store/);
    });

    // Last: it makes the draft the live version.
    test('publish --impact prints the summary and stores it in the evidence; history --json shows it', async () => {
      // On PostgreSQL the author is the database user (issue 14): --author only where it may differ.
      const published = await cli(['publish', 'tiers.lua', '--impact', '--store', url, ...(name === 'sqlite' ? ['--author', 'bob'] : [])], { cwd: dir });
      assert.equal(published.code, 0, published.stderr);
      assert.match(published.stdout, /^impact: tiers: 3 of 14 decisions change \(21\.4%\) against live version 1\npublished tiers version 2 \(live\)\n$/);
      const history = await cli(['history', 'tiers', '--json', '--store', url], { cwd: dir });
      assert.equal(history.code, 0, history.stderr);
      const versions = (JSON.parse(history.stdout) as { versions: { number: number; evidence: { impact?: ImpactJson & { examples?: unknown } } | null }[] }).versions;
      const impact = versions[0]?.evidence?.impact;
      assert.ok(impact, 'version 2 keeps its impact');
      assert.deepEqual([impact.rule, impact.liveVersion, impact.replayed, impact.changed, impact.notReproduced], ['tiers', 1, 14, 3, 1]);
      assert.deepEqual(impact.transitions, { 'autonomous->autonomous': 3, 'collaborative->autonomous': 2, 'collaborative->collaborative': 3, 'escalated->escalated': 5, 'escalated->error': 1 });
      assert.equal(impact.examples, undefined, 'no example contexts in the evidence');
      assert.equal(versions[1]?.evidence?.impact, undefined, 'published without --impact: none');
      const text = await cli(['history', 'tiers', '--store', url], { cwd: dir });
      assert.match(text.stdout, /\n {2}v2 .*impact: 3 of 14 changed vs v1 /);
      // Now the draft is live: replaying it against itself changes nothing.
      const again = JSON.parse((await run('tiers.lua', '--json')).stdout) as ImpactJson;
      assert.deepEqual([again.liveVersion, again.changed], [2, 0]);
    });
  });
}

suite('sqlite', async () => sqliteBackend());
suite('postgres', async () => postgresBackend(await startPostgres()));
