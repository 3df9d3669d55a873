import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REPO } from '../cli/cli-harness';
import { openStore } from '../../store/src';
import type { Store } from '../../store/src';
import { eventually } from '../store/store-helpers';
import { post, startServe, type ServeProcess } from './serve-process';

const EPIC = JSON.stringify({ epic_id: 'epic-123', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });

describe('lua-rules serve: the HTTP API on the embedded SQLite store', () => {
  let dir = '';
  let serve: ServeProcess;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    serve = await startServe(['--seed', 'rules', '--max-body', '4096', '--instructions', '20000'], { cwd: dir, env: { LUA_RULES_ADMIN_TOKEN: 'let-me-in' } });
    store = openStore('sqlite:.lua-rules/rules.db', { cwd: dir });
  });
  after(async () => {
    await store?.close();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds the example rules on first start and prints how to use it', () => {
    assert.match(serve.stderr(), /publishing the 3 rules of rules/);
    assert.match(serve.stderr(), /curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/v1\/evaluate\/epic/);
    assert.match(serve.stderr(), /npx lua-rules publish rules\/epic_wsjf_validation\.lua --store sqlite:\.lua-rules\/rules\.db/);
  });
  it('evaluates a category with the contract result', async () => {
    const { status, json } = await post(`${serve.base}/v1/evaluate/epic`, EPIC);
    assert.equal(status, 200);
    assert.deepEqual([json['decision'], json['confidence'], json['rule'], json['error']], ['autonomous', 0.95, 'epic_wsjf_validation', null]);
    assert.equal(typeof json['line'], 'number', 'the line of the return that produced the result');
    assert.equal((json['results'] as unknown[]).length, 2);
  });
  it('evaluates one rule and echoes the correlation id', async () => {
    const { status, json, headers } = await post(`${serve.base}/v1/rules/feature_readiness_check/evaluate`, '{"metrics": {"acceptance_criteria_count": 5, "dependencies_met": 1}}', { 'x-correlation-id': 'order-42' });
    assert.equal(status, 200);
    assert.equal(json['decision'], 'autonomous');
    assert.equal(headers.get('x-correlation-id'), 'order-42');
    assert.equal(json['correlationId'], 'order-42');
  });
  it('lists the rules it serves', async () => {
    const rules = (await (await fetch(`${serve.base}/v1/rules`)).json()) as { name: string; version: number; kind: string; category: string }[];
    assert.deepEqual(rules.map((r) => `${r.name}@${r.version}:${r.kind}:${r.category}`), ['epic_priority@1:pattern:epic', 'epic_wsjf_validation@1:lua:epic', 'feature_readiness_check@1:lua:feature']);
  });

  const bad: [string, number, string][] = [
    ['unknown category', 404, 'category-not-found'],
    ['unknown rule', 404, 'rule-not-found'],
    ['invalid JSON', 400, 'invalid-json'],
    ['empty body', 400, 'invalid-json'],
    ['a body over the limit', 413, 'body-too-large'],
    ['an array instead of an object', 400, 'invalid-context'],
    ['nesting deeper than 32 levels', 400, 'invalid-context'],
    ['GET on an evaluate route', 405, 'method-not-allowed'],
    ['an unknown route', 404, 'not-found'],
    ['admin without the token', 401, 'unauthorized'],
  ];
  const requests: Record<string, () => Promise<Response>> = {
    'unknown category': () => fetch(`${serve.base}/v1/evaluate/nope`, { method: 'POST', body: '{}' }),
    'unknown rule': () => fetch(`${serve.base}/v1/rules/nope/evaluate`, { method: 'POST', body: '{}' }),
    'invalid JSON': () => fetch(`${serve.base}/v1/evaluate/epic`, { method: 'POST', body: '{"metrics": ' }),
    'empty body': () => fetch(`${serve.base}/v1/evaluate/epic`, { method: 'POST', body: '' }),
    'a body over the limit': () => fetch(`${serve.base}/v1/evaluate/epic`, { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(5000) }) }),
    'an array instead of an object': () => fetch(`${serve.base}/v1/evaluate/epic`, { method: 'POST', body: '[1, 2]' }),
    'nesting deeper than 32 levels': () => fetch(`${serve.base}/v1/evaluate/epic`, { method: 'POST', body: '{"a":'.repeat(40) + '1' + '}'.repeat(40) }),
    'GET on an evaluate route': () => fetch(`${serve.base}/v1/evaluate/epic`),
    'an unknown route': () => fetch(`${serve.base}/v2/whatever`),
    'admin without the token': () => fetch(`${serve.base}/admin/status`),
  };
  for (const [name, status, code] of bad) {
    it(`answers ${name} with ${status} and a JSON error`, async () => {
      const response = await (requests[name] as () => Promise<Response>)();
      assert.equal(response.status, status);
      const json = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(json.error.code, code);
      assert.ok(json.error.message.length > 10, json.error.message);
    });
  }
  it('still serves after all that', async () => {
    assert.equal((await post(`${serve.base}/v1/evaluate/epic`, EPIC)).status, 200);
  });

  // A small instruction budget (--instructions 20000) trips long before the wall clock, even on a loaded machine.
  it('a rule that fails answers the escalated contract result with its error code', async () => {
    await store.publish({ kind: 'lua', name: 'loops', category: 'loopy', source: 'while true do end', origin: 'loops.lua' }, { author: 'test' });
    await eventually(async () => (await post(`${serve.base}/v1/rules/loops/evaluate`, '{}')).status === 200, 'the looping rule to be served');
    const { json } = await post(`${serve.base}/v1/rules/loops/evaluate`, '{}');
    assert.deepEqual([json['decision'], json['confidence'], (json['error'] as { code: string }).code], ['escalated', 0, 'instruction-limit']);
    assert.equal((await post(`${serve.base}/v1/evaluate/epic`, EPIC)).status, 200);
  });
  it('hot-reloads a published version, and never serves the old cached result', async () => {
    const before = await post(`${serve.base}/v1/rules/epic_wsjf_validation/evaluate`, EPIC);
    assert.equal(before.json['version'], 1);
    const history = await store.history('epic_wsjf_validation');
    const source = (history[0]?.content ?? '').replace('manageable job size', 'job size within reach');
    await store.publish({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source, origin: 'epic_wsjf_validation.lua' }, { author: 'test', baseVersion: 1 });
    await eventually(async () => (await post(`${serve.base}/v1/rules/epic_wsjf_validation/evaluate`, EPIC)).json['version'] === 2, 'version 2 to be served');
    const after = await post(`${serve.base}/v1/rules/epic_wsjf_validation/evaluate`, EPIC);
    assert.match(String(after.json['reasoning']), /job size within reach/);
  });
  it('reports Prometheus metrics', async () => {
    const text = await (await fetch(`${serve.base}/metrics`)).text();
    assert.match(text, /^# TYPE lua_rules_evaluations_total counter$/m);
    assert.match(text, /^lua_rules_evaluations_total\{rule="epic_wsjf_validation",decision="autonomous"\} \d+$/m);
    assert.match(text, /^lua_rules_evaluation_errors_total\{rule="loops",code="instruction-limit"\} \d+$/m);
    assert.match(text, /^lua_rules_cache_hits_total\{rule="epic_wsjf_validation"\} \d+$/m);
    assert.match(text, /^lua_rules_request_duration_seconds_bucket\{route="evaluate-category",le="0.01"\} \d+$/m);
    assert.match(text, /^lua_rules_reloads_total\{outcome="applied"\} [1-9]\d*$/m);
    assert.match(text, /^lua_rules_reload_lag_seconds_count [1-9]\d*$/m);
  });
  it('health is ok and admin endpoints work with the token', async () => {
    const health = await fetch(`${serve.base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const status = await fetch(`${serve.base}/admin/status`, { headers: { authorization: 'Bearer let-me-in' } });
    assert.equal(status.status, 200);
    assert.ok(Array.isArray(((await status.json()) as { rules: unknown[] }).rules));
    const reload = await fetch(`${serve.base}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer let-me-in' } });
    assert.equal(reload.status, 200);
    const wrong = await fetch(`${serve.base}/admin/status`, { headers: { authorization: 'Bearer nope-nope' } });
    assert.equal(wrong.status, 401);
  });
  it('logs JSON lines with the correlation id of a failed rule', () => {
    const lines = serve.stdout().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l['msg'] === 'serving'));
    assert.ok(lines.some((l) => typeof l['correlationId'] === 'string' && l['code'] === 'instruction-limit'));
  });
  it('shuts down gracefully on SIGTERM: exit 0 and the decision log flushed', async () => {
    assert.equal(await serve.stop(), 0);
    const executions = await store.decisions({ limit: 1000 });
    assert.ok(executions.length >= 5, `decision log has ${executions.length} records`);
    assert.ok(executions.some((e) => e.correlationId === 'order-42'));
  });
});

describe('lua-rules serve: bad flags', () => {
  for (const [args, message] of [
    [['--port', 'http'], /--port must be a whole number from 0 to 65535/],
    [['--store', 'mysql://x'], /serve: .*mysql/],
    [['--decision-log', 'maybe'], /--decision-log must be 'on' or 'off'/],
    [['--seed', 'no-such-folder'], /--seed folder not found/],
  ] as const) {
    it(`${args.join(' ')} is a one-line usage error`, async () => {
      const run = await cli(['serve', ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
    });
  }
});
