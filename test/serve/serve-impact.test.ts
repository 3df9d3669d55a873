/**
 * Impact analysis on decisions a real `serve` captured (issue 13): requests through the
 * HTTP API, the decision log's worker writing contexts to SQLite, then `lua-rules impact`
 * on a draft of a live rule and on a new rule of the same category. Counts worked out
 * by hand from the example rule (rules/epic_wsjf_validation.lua).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REPO } from '../cli/cli-harness';
import { eventually } from '../store/store-helpers';
import { post, startServe, type ServeProcess } from './serve-process';

const STORE = 'sqlite:.lua-rules/rules.db';
const metrics = (wsjf_score: number, business_value: number, job_size: number) => ({ metrics: { wsjf_score, business_value, job_size } });

describe('impact on decisions captured by serve', () => {
  let dir = '';
  let serve: ServeProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-impact-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    serve = await startServe(['--seed', 'rules', '--log-level', 'warn'], { cwd: dir });
    // By rule: live answers A, A, A, C, E, E; the draft (WSJF above 55 for autonomous) moves the 52 and the 54 to C.
    for (const context of [metrics(60, 80, 30), metrics(52, 80, 30), metrics(54, 75, 10), metrics(40, 60, 20), metrics(10, 10, 5), {}]) {
      assert.equal((await post(`${serve.base}/v1/rules/epic_wsjf_validation/evaluate`, JSON.stringify(context))).status, 200);
    }
    // By category: each request logs a decision of both epic rules, under one correlation id.
    for (const [n, context] of [metrics(70, 90, 20), metrics(5, 5, 5)].entries()) {
      assert.equal((await post(`${serve.base}/v1/evaluate/epic`, JSON.stringify(context), { 'x-correlation-id': `cat-${n}` })).status, 200);
    }
    await eventually(async () => {
      const out = await cli(['decisions', '--store', STORE, '--json'], { cwd: dir });
      return out.code === 0 && out.stdout.trimEnd().split('\n').length === 10;
    }, 'the 10 decisions in the log');
    const live = readFileSync(join(dir, 'rules', 'epic_wsjf_validation.lua'), 'utf8');
    writeFileSync(join(dir, 'draft.lua'), live.replace('if wsjf > 50 and', 'if wsjf > 55 and'));
    writeFileSync(join(dir, 'epic_new.lua'), '---@rule epic_new\n---@category epic\nreturn { decision = "collaborative", confidence = 0.8, reasoning = "new" }\n');
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a draft of the live rule: its 8 captured decisions replayed, 2 changed', async () => {
    const out = await cli(['impact', 'draft.lua', '--store', STORE, '--json'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    const report = JSON.parse(out.stdout) as { rule: string; liveVersion: number; replayed: number; changed: number; transitions: Record<string, number>; notReproduced: number; examples: { context: unknown }[] };
    assert.deepEqual([report.rule, report.liveVersion, report.replayed, report.changed, report.notReproduced], ['epic_wsjf_validation', 1, 8, 2, 0]);
    assert.deepEqual(report.transitions, { 'autonomous->autonomous': 2, 'autonomous->collaborative': 2, 'collaborative->collaborative': 1, 'escalated->escalated': 3 });
    // Newest first: the 54 was evaluated after the 52.
    assert.deepEqual(report.examples.map((e) => e.context), [metrics(54, 75, 10), metrics(52, 80, 30)]);
  });

  it('a new rule of the category: one context per request (8), every decision new', async () => {
    const out = await cli(['impact', 'epic_new.lua', '--store', STORE, '--json', '--max-changed', '0.5'], { cwd: dir });
    assert.equal(out.code, 1, 'every decision of a new rule is a change');
    const report = JSON.parse(out.stdout) as { liveVersion: number | null; replayed: number; transitions: Record<string, number> };
    assert.deepEqual([report.liveVersion, report.replayed, report.transitions], [null, 8, { 'none->collaborative': 8 }]);
  });
});
