/**
 * Shadow runs (issue 13) on both backends: the store's shadows (start, replace, stop,
 * promote, results), and a running engine service that picks a shadow up from the
 * change feed, compares it on the requests it serves off the request path, records
 * exact counts and the disagreements, and ends it on promotion. A shadow that loops
 * or fails changes neither the live answers nor their latency.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { LuaRuleDefinition } from '../../core/src/model/rule';
import { DISAGREEMENTS_KEPT, GateRefusedError, ShadowError, ShadowRunner, UnknownRuleError, type Store } from '../../store/src';
import { startEngineService, type EngineServiceHandle } from '../../service/src/engine-service';
import { post } from '../serve/serve-process';
import { serviceOptions } from '../serve/service-options';
import { POSTGRES_SKIPPED, startPostgres } from './pg-harness';
import { eventually, luaRule, patternRule, postgresBackend, sqliteBackend, type Backend } from './store-helpers';
import { RuleEngine } from '../../core/src/engine/rule-engine';

/** Live: autonomous above 50, escalated below. */
const LIVE = (name: string): LuaRuleDefinition => ({
  kind: 'lua',
  name,
  category: 'shadowed',
  source: `---@rule ${name}\n---@category shadowed\nlocal n = context.n or 0\nif n > 50 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end\nreturn { decision = "escalated", confidence = 0.5, reasoning = "low" }\n`,
  origin: `${name}.lua`,
});

/**
 * The shadow: its threshold is 60 (51..60 disagree: escalated instead of autonomous),
 * it fails on n = 13 (an error where the live version answers), and it gives a
 * different confidence but the same decision above 90 (agreement: decisions compare).
 */
const SHADOW = (name: string): LuaRuleDefinition => ({
  kind: 'lua',
  name,
  category: 'shadowed',
  source: `---@rule ${name}\n---@category shadowed\nlocal n = context.n or 0\nif n == 13 then error("unlucky") end\nif n > 90 then return { decision = "autonomous", confidence = 0.99, reasoning = "very high" } end\nif n > 60 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end\nreturn { decision = "escalated", confidence = 0.5, reasoning = "low" }\n`,
  origin: `${name}.lua`,
});

const LOOPING = (name: string): LuaRuleDefinition => ({ ...LIVE(name), source: `---@rule ${name}\n---@category shadowed\nwhile true do end\n` });

/** The hand-built request set: n, and whether the shadow agrees with the live answer. */
const REQUESTS: { n: number; agrees: boolean }[] = [
  { n: 1, agrees: true },
  { n: 13, agrees: false }, // the shadow fails
  { n: 40, agrees: true },
  { n: 51, agrees: false }, // live autonomous, shadow escalated
  { n: 55, agrees: false },
  { n: 60, agrees: false },
  { n: 61, agrees: true },
  { n: 75, agrees: true },
  { n: 95, agrees: true }, // same decision, other confidence
  { n: 13, agrees: false },
];

/** Everything the database holds, as text: the SQLite files' bytes, or every text column of every PostgreSQL table. */
async function databaseText(backend: Backend, url: string): Promise<string> {
  if (backend.name === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    return [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('\n');
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string }>(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'text'`);
    const out: string[] = [];
    for (const { table_name: table, column_name: column } of columns.rows) {
      for (const r of (await client.query<{ v: string | null }>(`SELECT "${column}" AS v FROM "${table}"`)).rows) if (r.v !== null) out.push(r.v);
    }
    return out.join('\n');
  } finally {
    await client.end();
  }
}

function suite(name: 'sqlite' | 'postgres', makeBackend: () => Promise<Backend>): void {
  describe(`shadow runs on ${name}`, { skip: name === 'postgres' && POSTGRES_SKIPPED }, () => {
    let backend: Backend;
    let dir = '';
    const open: Store[] = [];
    const services: EngineServiceHandle[] = [];
    const fresh = async (): Promise<{ store: Store; url: string }> => {
      const url = await backend.freshUrl();
      const store = backend.open(url);
      open.push(store);
      return { store, url };
    };
    before(async () => {
      backend = await makeBackend();
      dir = mkdtempSync(join(tmpdir(), 'lua-rules-shadow-'));
    });
    after(async () => {
      for (const s of services) await s.stop().catch(() => undefined);
      for (const s of open) await s.close().catch(() => undefined);
      await backend?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a shadow starts against the live version, replaces the running one, and ends with a change event each time', async () => {
      const { store } = await fresh();
      await store.publish(LIVE('r'), { author: 'ann' });
      const first = await store.startShadow(SHADOW('r'), { author: 'ann', fileName: 'r.lua', message: 'threshold 60' });
      assert.deepEqual([first.created, first.replaced, first.shadow.number, first.shadow.liveVersion, first.shadow.endedAt], [true, null, 1, 1, null]);
      const same = await store.startShadow(SHADOW('r'), { author: 'bob', fileName: 'r.lua' });
      assert.deepEqual([same.created, same.shadow.number, same.shadow.author], [false, 1, 'ann'], 'the same content again writes nothing');
      const second = await store.startShadow(luaRule('r', 'other', { category: 'shadowed' }), { author: 'bob', fileName: 'r.lua' });
      assert.deepEqual([second.created, second.replaced, second.shadow.number], [true, 1, 2]);
      const shadows = await store.shadows('r');
      assert.deepEqual(
        shadows.map((s) => [s.number, s.endReason, s.endedBy]),
        [
          [2, null, null],
          [1, 'replaced', 'bob'],
        ],
      );
      assert.deepEqual((await store.runningShadows()).map((s) => [s.rule, s.number]), [['r', 2]]);
      const stopped = await store.stopShadow('r', 'carol');
      assert.deepEqual([stopped.number, stopped.endReason, stopped.endedBy], [2, 'stopped', 'carol']);
      assert.deepEqual(await store.runningShadows(), []);
      const events = (await store.changesSince(0)).map((c) => [c.event, c.version]);
      assert.deepEqual(events, [
        ['live', 1],
        ['shadow', 1],
        ['shadow-ended', 1],
        ['shadow', 2],
        ['shadow-ended', 2],
      ]);
      // The rule's versions are untouched: a shadow is not in its history.
      assert.deepEqual((await store.history('r')).map((v) => [v.number, v.state]), [[1, 'live']]);
      assert.equal((await store.getRule('r'))?.headVersion, 1);
    });

    test('bad requests are refused in one line and write nothing', async () => {
      const { store } = await fresh();
      await assert.rejects(store.startShadow(SHADOW('ghost'), { author: 'ann', fileName: 'ghost.lua' }), UnknownRuleError);
      await store.publish({ ...LIVE('pending'), consensus: 1 }, { author: 'ann' });
      await assert.rejects(store.startShadow(SHADOW('pending'), { author: 'ann', fileName: 'pending.lua' }), (e: unknown) => e instanceof ShadowError && /has no live version to shadow; publish it first/.test(e.message));
      await store.publish(LIVE('same'), { author: 'ann' });
      await assert.rejects(store.startShadow(LIVE('same'), { author: 'ann', fileName: 'same.lua' }), (e: unknown) => e instanceof ShadowError && /is "same"'s live version 1/.test(e.message));
      await assert.rejects(store.stopShadow('same', 'ann'), (e: unknown) => e instanceof ShadowError && e.message === 'rule "same" has no shadow running');
      await assert.rejects(store.promoteShadow('same', { author: 'ann' }), (e: unknown) => e instanceof ShadowError && /no shadow running to promote/.test(e.message));
      const refused = { ok: false, findings: [], fixtures: [], summary: '1 failing fixture' };
      await assert.rejects(store.startShadow(SHADOW('same'), { author: 'ann', fileName: 'same.lua', gate: async () => refused }), (e: unknown) => e instanceof GateRefusedError && /was not shadowed: 1 failing fixture/.test(e.message));
      assert.deepEqual(await store.shadows('same'), []);
    });

    test('promotion writes a version through the gate with the run in its evidence; a consensus rule gets it pending', async () => {
      const { store } = await fresh();
      await store.publish(LIVE('p'), { author: 'ann' });
      await store.startShadow(SHADOW('p'), { author: 'ann', fileName: 'p.lua' });
      await store.recordShadowResults({ engineId: 'e1', counts: [{ rule: 'p', shadow: 1, compared: 7, agreed: 5 }], disagreements: [] });
      await store.recordShadowResults({ engineId: 'e2', counts: [{ rule: 'p', shadow: 1, compared: 3, agreed: 3 }], disagreements: [] });
      await store.recordShadowResults({ engineId: 'e1', counts: [{ rule: 'p', shadow: 1, compared: 2, agreed: 1 }], disagreements: [] });
      const refused = { ok: false, findings: [], fixtures: [], summary: '2 failing fixtures' };
      await assert.rejects(store.promoteShadow('p', { author: 'bob', gate: async () => refused }), (e: unknown) => e instanceof GateRefusedError && /shadow 1 of "p" was not promoted: 2 failing fixtures/.test(e.message));
      assert.equal((await store.shadows('p'))[0]?.endedAt, null, 'a refused promotion leaves the shadow running');
      const promoted = await store.promoteShadow('p', { author: 'bob', gate: async () => ({ ok: true, findings: [], fixtures: [{ name: 'f', passed: true }] }) });
      assert.deepEqual([promoted.version.number, promoted.version.state, promoted.version.message, promoted.created], [2, 'live', 'promoted from shadow 1', true]);
      assert.deepEqual(promoted.version.evidence?.shadow, { number: 1, startedAt: promoted.shadow.startedAt, compared: 12, agreed: 9, against: 1 });
      assert.deepEqual([promoted.shadow.endReason, promoted.shadow.promotedTo, promoted.shadow.endedBy], ['promoted', 2, 'bob']);
      assert.equal((await store.version('p', 2)).content, SHADOW('p').source);
      assert.equal((await store.getRule('p'))?.liveVersion, 2);
      assert.deepEqual((await store.changesSince(0)).map((c) => c.event), ['live', 'shadow', 'live', 'shadow-ended']);

      await store.publish({ ...LIVE('c'), consensus: 1 }, { author: 'ann' });
      await store.approve('c', 1, 'bob');
      await store.startShadow({ ...SHADOW('c'), consensus: 1 }, { author: 'ann', fileName: 'c.lua' });
      const pending = await store.promoteShadow('c', { author: 'ann' });
      assert.deepEqual([pending.version.number, pending.version.state, pending.approvalsMissing, pending.shadow.endReason], [2, 'pending', 1, 'promoted']);
      assert.equal((await store.getRule('c'))?.liveVersion, 1, 'the live version keeps serving until the approvals');
      assert.equal((await store.approve('c', 2, 'bob')).wentLive, true);
    });

    test('counts add up across engines and writes; the newest DISAGREEMENTS_KEPT disagreements are kept', async () => {
      const { store } = await fresh();
      await store.publish(LIVE('many'), { author: 'ann' });
      await store.startShadow(SHADOW('many'), { author: 'ann', fileName: 'many.lua' });
      const one = (i: number) => ({
        rule: 'many',
        shadow: 1,
        liveVersion: 1,
        live: { decision: 'autonomous' as const, confidence: 0.95, errorCode: null },
        shadowAnswer: { decision: 'escalated' as const, confidence: 0.5, errorCode: null },
        context: { i },
        correlationId: `c${i}`,
        engineId: null,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(),
      });
      const total = DISAGREEMENTS_KEPT + 3;
      const half = Math.floor(total / 2);
      await store.recordShadowResults({ engineId: 'e1', counts: [{ rule: 'many', shadow: 1, compared: half + 5, agreed: 5 }], disagreements: Array.from({ length: half }, (_, i) => one(i)) });
      await store.recordShadowResults({ engineId: 'e2', counts: [{ rule: 'many', shadow: 1, compared: total - half, agreed: 0 }], disagreements: Array.from({ length: total - half }, (_, i) => one(half + i)) });
      // A result for a shadow that no longer exists (an engine behind the feed) is ignored, not an error.
      await store.recordShadowResults({ engineId: 'e3', counts: [{ rule: 'many', shadow: 9, compared: 4, agreed: 4 }], disagreements: [{ ...one(0), shadow: 9 }] });
      const [shadow] = await store.shadows('many');
      assert.deepEqual([shadow?.compared, shadow?.agreed], [total + 5, 5]);
      const kept = await store.shadowDisagreements('many', 1, total);
      assert.equal(kept.length, DISAGREEMENTS_KEPT);
      assert.deepEqual([kept[0]?.context, kept.at(-1)?.context], [{ i: total - 1 }, { i: 3 }]);
    });

    test('an engine stores at most 200 disagreements a second; the counts stay exact', async () => {
      const { store } = await fresh();
      await store.publish(LIVE('busy'), { author: 'ann' });
      await store.startShadow(SHADOW('busy'), { author: 'ann', fileName: 'busy.lua' });
      const runner = new ShadowRunner(store, { engineId: 'e1', maxQueued: 10_000 });
      try {
        await runner.reload();
        const live = { rule: 'busy', version: 1, decision: 'autonomous' as const, confidence: 0.95, reasoning: 'high', error: null, line: 4, durationMs: 0, instructions: 0, cached: false, shortCircuited: false };
        // n = 55: live autonomous, shadow escalated; 1,000 of them at once.
        const started = Date.now();
        for (let i = 0; i < 1000; i++) runner.offer({ n: 55, i }, live, `c${i}`);
        await runner.drain(60_000);
        // The shadow thread counts by the clock's seconds; its work lies within these.
        const seconds = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
        const [shadow] = await store.shadows('busy');
        assert.deepEqual([shadow?.compared, shadow?.agreed], [1000, 0]);
        const stored = (await store.shadowDisagreements('busy', 1, 2000)).length;
        assert.equal(stored + runner.droppedUnwritten, 1000);
        assert.ok(stored >= Math.min(200, 1000) && stored <= 200 * seconds, `${stored} stored in ${seconds} clock seconds`);
        assert.ok(stored < 1000 || seconds >= 5, 'some were counted but not stored');
      } finally {
        await runner.stop();
      }
    });

    test('a running engine picks up a shadow, counts exactly, records the disagreements with their contexts, and promotion ends it', async () => {
      const { store, url } = await fresh();
      await store.publish(LIVE('wsjf'), { author: 'ann' });
      const service = await startEngineService(serviceOptions(backend.open(url), url, dir, { adminToken: 'admin-token' }));
      services.push(service);
      assert.deepEqual(service.shadows?.running(), []);
      await store.startShadow(SHADOW('wsjf'), { author: 'ann', fileName: 'wsjf.lua' });
      await eventually(() => service.shadows?.running().length === 1, 'the engine loads the shadow');
      const status = (await (await fetch(`${service.url}/admin/status`, { headers: { authorization: 'Bearer admin-token' } })).json()) as { shadows: unknown };
      assert.deepEqual(status.shadows, { running: [{ rule: 'wsjf', shadow: 1 }], queued: 0 });
      // Half by name, half by category: both routes compare.
      for (const [i, r] of REQUESTS.entries()) {
        const path = i % 2 === 0 ? '/v1/rules/wsjf/evaluate' : '/v1/evaluate/shadowed';
        const { status, json } = await post(`${service.url}${path}`, JSON.stringify({ n: r.n, note: `request ${i}` }), { 'x-correlation-id': `req-${i}` });
        assert.equal(status, 200);
        assert.equal(json['decision'], r.n > 50 ? 'autonomous' : 'escalated', 'the live version answers');
        assert.equal(json['version'], 1);
      }
      // drain() returns once the shadow thread has answered; on a loaded machine the thread
      // may still be starting, hence the generous bound.
      await service.shadows?.drain(60_000);
      const [shadow] = await store.shadows('wsjf');
      const agreed = REQUESTS.filter((r) => r.agrees).length;
      assert.deepEqual([shadow?.compared, shadow?.agreed], [REQUESTS.length, agreed]);
      const disagreements = await store.shadowDisagreements('wsjf', 1, 100);
      const expected = REQUESTS.map((r, i) => ({ ...r, i })).filter((r) => !r.agrees).reverse();
      assert.deepEqual(
        disagreements.map((d) => [d.correlationId, d.context, d.live.decision, d.shadowAnswer.decision, d.shadowAnswer.errorCode, d.liveVersion]),
        expected.map((r) => [`req-${r.i}`, { n: r.n, note: `request ${r.i}` }, r.n > 50 ? 'autonomous' : 'escalated', 'escalated', r.n === 13 ? 'runtime-error' : null, 1]),
      );
      assert.ok(disagreements.every((d) => d.engineId === service.engineId));
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(metrics, new RegExp(`lua_rules_shadow_evaluations_total\\{rule="wsjf",outcome="agreed"\\} ${agreed}\\n`));
      assert.match(metrics, new RegExp(`lua_rules_shadow_evaluations_total\\{rule="wsjf",outcome="disagreed"\\} ${REQUESTS.length - agreed}\\n`));

      const promoted = await store.promoteShadow('wsjf', { author: 'bob' });
      assert.equal(promoted.version.number, 2);
      await eventually(() => service.engine.list()[0]?.version === 2 && service.shadows?.running().length === 0, 'the promoted version serves and the shadow is gone');
      const { json } = await post(`${service.url}/v1/rules/wsjf/evaluate`, JSON.stringify({ n: 55 }));
      assert.deepEqual([json['decision'], json['version']], ['escalated', 2], 'the shadow answers now');
      await service.stop();

      // An engine started with shadows off (serve --shadow-queue 0) runs none.
      await store.startShadow(LIVE('wsjf'), { author: 'ann', fileName: 'wsjf.lua' });
      const without = await startEngineService(serviceOptions(backend.open(url), url, dir, { shadows: false }));
      services.push(without);
      assert.equal(without.shadows, undefined);
      assert.equal((await post(`${without.url}/v1/rules/wsjf/evaluate`, JSON.stringify({ n: 55 }))).status, 200);
      await without.stop();
    });

    test("the decision log's masks apply to the contexts of disagreements; with capture off none is stored", async () => {
      const { store, url } = await fresh();
      await store.publish(LIVE('masked'), { author: 'ann' });
      const service = await startEngineService(serviceOptions(backend.open(url), url, dir, { decisionLog: true, decisionLogSettings: { masks: ['owner.email', 'items.sku'] } }));
      services.push(service);
      await store.startShadow(SHADOW('masked'), { author: 'ann', fileName: 'masked.lua' });
      await eventually(() => service.shadows?.running().length === 1, 'the engine loads the shadow');
      const secret = 'shadow-secret@example.com';
      const context = { n: 55, owner: { email: secret, team: 'core' }, items: [{ sku: 'sku-secret-1', qty: 1 }] };
      assert.equal((await post(`${service.url}/v1/rules/masked/evaluate`, JSON.stringify(context))).json['decision'], 'autonomous');
      await service.shadows?.drain(60_000);
      const [d] = await store.shadowDisagreements('masked', 1);
      assert.deepEqual(d?.context, { n: 55, owner: { team: 'core' }, items: [{ qty: 1 }] });
      await service.stop();
      const everything = await databaseText(backend, url);
      assert.ok(everything.includes('"team":"core"'), 'the dump holds the stored contexts');
      for (const hidden of [secret, 'sku-secret-1']) assert.ok(!everything.includes(hidden), `${hidden} is stored somewhere`);

      const off = await startEngineService(serviceOptions(backend.open(url), url, dir, { decisionLogSettings: { captureContexts: false } }));
      services.push(off);
      await eventually(() => off.shadows?.running().length === 1, 'the second engine loads the shadow');
      await post(`${off.url}/v1/rules/masked/evaluate`, JSON.stringify({ n: 56 }));
      await off.shadows?.drain(60_000);
      const newest = (await store.shadowDisagreements('masked', 1))[0];
      assert.deepEqual([newest?.context, newest?.engineId], [null, off.engineId]);
      await off.stop();
    });

    test("with the decision log's thread, shadow results are written there, never from the serving thread", async () => {
      const { store, url } = await fresh();
      await store.publish(LIVE('threaded'), { author: 'ann' });
      // On SQLite a write from the serving thread waits, synchronously, in SQLite's busy
      // handler while the log's thread holds the lock: every request would wait with it.
      let fromServingThread = 0;
      const served = backend.open(url);
      const watched = new Proxy(served, {
        get(target, key, receiver) {
          if (key === 'recordShadowResults') {
            return () => {
              fromServingThread++;
              return Promise.reject(new Error('shadow results written from the serving thread'));
            };
          }
          const value: unknown = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const service = await startEngineService(serviceOptions(watched, url, dir, { decisionLog: true }));
      services.push(service);
      await store.startShadow(SHADOW('threaded'), { author: 'ann', fileName: 'threaded.lua' });
      await eventually(() => service.shadows?.running().length === 1, 'the engine loads the shadow');
      for (const n of [10, 55, 60]) assert.equal((await post(`${service.url}/v1/rules/threaded/evaluate`, JSON.stringify({ n }))).status, 200);
      await service.shadows?.drain(60_000);
      const [shadow] = await store.shadows('threaded');
      assert.deepEqual([shadow?.compared, fromServingThread], [3, 0]);
      await service.stop();
    });

    test('a pattern rule is shadowed too (the shadow thread runs pattern rules like the engine)', async () => {
      const { store, url } = await fresh();
      await store.publish(patternRule('pat', 50), { author: 'ann' });
      const service = await startEngineService(serviceOptions(backend.open(url), url, dir));
      services.push(service);
      await store.startShadow(patternRule('pat', 70), { author: 'ann', fileName: 'pat.rule.json' });
      await eventually(() => service.shadows?.running().length === 1, 'the engine loads the pattern shadow');
      // What each version answers, from an engine of its own: the shadow must disagree exactly where they differ.
      const local = (threshold: number) => {
        const engine = new RuleEngine();
        engine.applyChange({ upserted: [{ definition: patternRule('pat', threshold), version: 1, checksum: String(threshold) }], removed: [] });
        return (n: number) => engine.evaluateRule('pat', { metrics: { wsjf_score: n } }).decision;
      };
      const [live, shadow] = [local(50), local(70)];
      const scores = [10, 40, 55, 65, 75, 100];
      for (const n of scores) assert.equal((await post(`${service.url}/v1/rules/pat/evaluate`, JSON.stringify({ metrics: { wsjf_score: n } }))).json['decision'], live(n));
      await service.shadows?.drain(60_000);
      const differing = scores.filter((n) => live(n) !== shadow(n));
      assert.ok(differing.length > 0, 'the two thresholds differ somewhere in the set');
      const [record] = await store.shadows('pat');
      assert.deepEqual([record?.compared, record?.agreed], [scores.length, scores.length - differing.length]);
      assert.deepEqual((await store.shadowDisagreements('pat', 1)).map((d) => (d.context as { metrics: { wsjf_score: number } }).metrics.wsjf_score).reverse(), differing);
      await service.stop();
    });

    test('a shadow that keeps hitting its limits is paused (its jobs skipped and counted), not run again and again', async () => {
      const { store, url } = await fresh();
      await store.publish(LIVE('spin'), { author: 'ann' });
      // The default instruction budget ends each loop quickly; five in a row open the shadow's breaker.
      const service = await startEngineService(serviceOptions(backend.open(url), url, dir, { shadows: { maxQueued: 100 } }));
      services.push(service);
      await store.startShadow(LOOPING('spin'), { author: 'ann', fileName: 'spin.lua' });
      await eventually(() => service.shadows?.running().length === 1, 'the engine loads the looping shadow');
      for (let i = 0; i < 12; i++) assert.equal((await post(`${service.url}/v1/rules/spin/evaluate`, JSON.stringify({ n: i }))).status, 200);
      await service.shadows?.drain(60_000);
      const [shadow] = await store.shadows('spin');
      assert.deepEqual([shadow?.compared, shadow?.agreed], [5, 0]);
      assert.deepEqual(service.shadows?.ruleStats().get('spin'), { agreed: 0, disagreed: 5, dropped: 0, paused: 7 });
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(metrics, /lua_rules_shadow_evaluations_total\{rule="spin",outcome="paused"\} 7\n/);
      await service.stop();
    });

    test('a looping or failing shadow changes neither the live answers nor their latency; a full queue drops and counts', async () => {
      const { store, url } = await fresh();
      await store.publish(LIVE('hot'), { author: 'ann' });
      // Instructions high enough that the loop runs until the time limit (1 s).
      const service = await startEngineService(serviceOptions(backend.open(url), url, dir, { instructions: 1e12, shadows: { maxQueued: 3 } }));
      services.push(service);
      await store.startShadow(LOOPING('hot'), { author: 'ann', fileName: 'hot.lua' });
      await eventually(() => service.shadows?.running().length === 1, 'the engine loads the looping shadow');
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const { status, json } = await post(`${service.url}/v1/rules/hot/evaluate`, JSON.stringify({ n: i * 10 }));
        latencies.push(performance.now() - started);
        assert.equal(status, 200);
        assert.deepEqual([json['decision'], json['error']], [i * 10 > 50 ? 'autonomous' : 'escalated', null]);
      }
      // At least three jobs were taken (the queue bound), each a 1 s loop: had they run on
      // the serving thread, these requests would have waited 3 s in all. Typically they take
      // well under 1 s in all, even on a loaded machine.
      const total = latencies.reduce((a, b) => a + b, 0);
      assert.ok(total < 2500, `the 20 requests took ${total.toFixed(0)} ms in all (max ${Math.max(...latencies).toFixed(0)} ms)`);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      const dropped = Number(/lua_rules_shadow_evaluations_total\{rule="hot",outcome="dropped"\} (\d+)/.exec(metrics)?.[1]);
      assert.ok(dropped >= 20 - 3, `dropped ${dropped}`);
      // The loops end at the time limit and count as disagreements (the shadow failed).
      await service.shadows?.drain(60_000);
      const [shadow] = await store.shadows('hot');
      assert.equal(shadow?.agreed, 0);
      assert.equal(shadow?.compared, 20 - dropped);
      const codes = new Set((await store.shadowDisagreements('hot', 1)).map((d) => d.shadowAnswer.errorCode));
      assert.deepEqual([...codes], ['time-limit']);
      await service.stop();
    });
  });
}

suite('sqlite', async () => sqliteBackend());
suite('postgres', async () => postgresBackend(await startPostgres()));
