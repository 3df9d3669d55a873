/**
 * One behavioural suite, run against both backends: SQLite (a temp file) and a real
 * PostgreSQL (see pg-harness.ts; these tests fail, never skip, when there is none).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RuleChange } from '../../core/src/engine/rule-source';
import {
  ApprovalError,
  ConflictError,
  GateRefusedError,
  HeartbeatWriter,
  InvalidRuleError,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  StoreDecisionLog,
  StoreEngine,
  StoreRuleSource,
  UnknownRuleError,
  UnknownVersionError,
  sha256,
  type ChangeRecord,
  type Store,
} from '../../store/src';
import { POSTGRES_SKIPPED, startPostgres } from './pg-harness';
import { eventually, luaRule, patternRule, postgresBackend, sqliteBackend, type Backend } from './store-helpers';

function behaviour(name: 'sqlite' | 'postgres', makeBackend: () => Promise<Backend>): void {
  describe(`rule store on ${name}`, { skip: name === 'postgres' && POSTGRES_SKIPPED }, () => {
    let backend: Backend;
    const open: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const store = backend.open(await backend.freshUrl());
      open.push(store);
      return store;
    };
    before(async () => {
      backend = await makeBackend();
    });
    after(async () => {
      for (const s of open) await s.close().catch(() => undefined);
      await backend?.close();
    });

    test('migrations run on first use, once', async () => {
      const url = await backend.freshUrl({ empty: true });
      const first = backend.open(url);
      open.push(first);
      assert.equal((await first.listRules()).length, 0);
      assert.deepEqual(await first.migrate(), { applied: MIGRATIONS.map((m) => m.version), current: LATEST_SCHEMA_VERSION });
      const second = backend.open(url);
      open.push(second);
      assert.deepEqual(await second.migrate(), { applied: [], current: LATEST_SCHEMA_VERSION });
    });

    test('version(rule, n) is one version, the same as in the history; unknown ones are errors', async () => {
      const store = await fresh();
      await store.publish(luaRule('one', 'autonomous'), { author: 'ann' });
      await store.publish(luaRule('one', 'escalated'), { author: 'bob', message: 'second' });
      const history = await store.history('one');
      assert.deepEqual(await store.version('one', 1), history.find((v) => v.number === 1));
      assert.deepEqual(await store.version('one', 2), history.find((v) => v.number === 2));
      await assert.rejects(store.version('one', 3), UnknownVersionError);
      await assert.rejects(store.version('none', 1), UnknownRuleError);
    });

    test('publish writes version 1 live, with checksum and author', async () => {
      const store = await fresh();
      const def = luaRule('wsjf');
      const out = await store.publish(def, { author: 'ann', message: 'first' });
      assert.equal(out.created, true);
      assert.equal(out.version.number, 1);
      assert.equal(out.version.state, 'live');
      assert.equal(out.version.checksum, sha256(def.source));
      assert.equal(out.version.author, 'ann');
      assert.equal(out.version.message, 'first');
      const live = await store.liveRules();
      assert.equal(live.length, 1);
      assert.equal(live[0]?.version, 1);
      assert.equal(live[0]?.definition.kind, 'lua');
      assert.equal(live[0]?.definition.origin, 'store:wsjf@1');
      const rule = await store.getRule('wsjf');
      assert.equal(rule?.status, 'active');
      assert.equal(rule?.createdBy, 'ann');
      assert.equal(rule?.evolutionCount, 1);
      assert.equal(rule?.category, 'epic');
    });

    test('unchanged content makes no new version', async () => {
      const store = await fresh();
      await store.publish(luaRule('r'), { author: 'ann' });
      const before = await store.currentRevision();
      const again = await store.publish(luaRule('r'), { author: 'bob' });
      assert.equal(again.created, false);
      assert.equal(again.version.number, 1);
      assert.equal(again.version.author, 'ann');
      assert.equal(await store.currentRevision(), before);
      assert.equal((await store.history('r')).length, 1);
    });

    test('a new version supersedes the live one; history keeps both', async () => {
      const store = await fresh();
      await store.publish(luaRule('r', 'one'), { author: 'ann' });
      const two = await store.publish(luaRule('r', 'two'), { author: 'bob', baseVersion: 1 });
      assert.equal(two.version.number, 2);
      const history = await store.history('r');
      assert.deepEqual(
        history.map((v) => [v.number, v.state]),
        [
          [2, 'live'],
          [1, 'superseded'],
        ],
      );
      assert.equal((await store.getRule('r'))?.evolutionCount, 2);
      assert.match((await store.liveRules())[0]?.definition.kind === 'lua' ? ((await store.liveRules())[0]?.definition as { source: string }).source : '', /two/);
    });

    test('publishing on a replaced version is a conflict and writes nothing', async () => {
      const store = await fresh();
      await store.publish(luaRule('r', 'one'), { author: 'ann' });
      await store.publish(luaRule('r', 'two'), { author: 'bob', baseVersion: 1 });
      const revision = await store.currentRevision();
      await assert.rejects(store.publish(luaRule('r', 'three'), { author: 'cid', baseVersion: 1 }), (e: unknown) => {
        assert.ok(e instanceof ConflictError);
        assert.match(e.message, /rule "r" is at version 2, not 1/);
        return true;
      });
      await assert.rejects(store.publish(luaRule('r', 'four'), { author: 'cid', baseVersion: 0 }), ConflictError);
      assert.equal((await store.history('r')).length, 2);
      assert.equal(await store.currentRevision(), revision);
    });

    test('the store validation: Lua needs a script, patterns need patterns, a category and an author', async () => {
      const store = await fresh();
      await assert.rejects(store.publish(luaRule('r', 'x', { source: '   ' }), { author: 'ann' }), /a Lua rule needs a script/);
      await assert.rejects(store.publish({ ...patternRule('p'), patterns: [] }, { author: 'ann' }), /needs at least one pattern/);
      await assert.rejects(store.publish(luaRule('r', 'x', { category: undefined }), { author: 'ann' }), /no category/);
      await assert.rejects(store.publish(luaRule('bad name!'), { author: 'ann' }), InvalidRuleError);
      await assert.rejects(store.publish(luaRule('r'), { author: ' ' }), /an author is needed/);
      await assert.rejects(store.publish({ ...patternRule('p'), patterns: [{ type: 'metric', metric: 'm', threshold: 0, weight: 1 }] }, { author: 'ann' }), /threshold/);
      assert.equal((await store.listRules()).length, 0);
    });

    test('pattern rules round-trip; key order does not change the checksum', async () => {
      const store = await fresh();
      const out = await store.publish(patternRule('p'), { author: 'ann' });
      const reordered = { ...patternRule('p'), patterns: [{ weight: 0.9, threshold: 50, metric: 'wsjf_score', type: 'metric' as const }] };
      assert.equal((await store.publish(reordered, { author: 'ann' })).created, false);
      const live = (await store.liveRules())[0];
      assert.equal(live?.checksum, out.version.checksum);
      assert.deepEqual(live?.definition.kind === 'pattern' ? live.definition.patterns : null, patternRule('p').patterns);
    });

    test('the publish gate: a refusal writes nothing; a pass is stored as evidence', async () => {
      const store = await fresh();
      await assert.rejects(
        store.publish(luaRule('r'), { author: 'ann', gate: async () => ({ ok: false, findings: [{ code: 'missing-return' }], fixtures: [], summary: '1 check error' }) }),
        (e: unknown) => e instanceof GateRefusedError && /not published: 1 check error/.test(e.message),
      );
      assert.equal(await store.getRule('r'), undefined);
      const out = await store.publish(luaRule('r'), { author: 'ann', gate: async () => ({ ok: true, findings: [{ code: 'undefined-global' }], fixtures: [{ name: 'high', passed: true }] }) });
      assert.equal(out.version.evidence?.gate, 'passed');
      assert.deepEqual(out.version.evidence?.fixtures, [{ name: 'high', passed: true }]);
      assert.deepEqual(out.version.evidence?.findings, [{ code: 'undefined-global' }]);
    });

    test('consensus: pending until enough distinct others approve', async () => {
      const store = await fresh();
      const out = await store.publish(luaRule('c', 'one', { consensus: 2 }), { author: 'ann' });
      assert.equal(out.version.state, 'pending');
      assert.equal(out.approvalsMissing, 2);
      assert.deepEqual(await store.liveRules(), []);
      assert.equal((await store.getRule('c'))?.status, 'proposed');
      await assert.rejects(store.approve('c', 1, 'ann'), (e: unknown) => e instanceof ApprovalError && /cannot approve/.test(e.message));
      await assert.rejects(store.approve('c', 1, 'ANN '), ApprovalError);
      const first = await store.approve('c', 1, 'bob');
      assert.equal(first.wentLive, false);
      assert.equal(first.approvalsMissing, 1);
      await assert.rejects(store.approve('c', 1, 'Bob'), /already approved/);
      const second = await store.approve('c', 1, 'cid');
      assert.equal(second.wentLive, true);
      assert.equal(second.version.state, 'live');
      assert.deepEqual(second.version.approvals.map((a) => a.approver).sort(), ['bob', 'cid']);
      assert.equal((await store.liveRules())[0]?.version, 1);
      await assert.rejects(store.approve('c', 1, 'dan'), /is live, not pending/);
      await assert.rejects(store.approve('c', 7, 'dan'), UnknownVersionError);
      await assert.rejects(store.approve('nope', 1, 'dan'), UnknownRuleError);
      // A new version of a consensus rule waits too, while version 1 keeps serving;
      // a newer proposal supersedes the older pending one.
      const v2 = await store.publish(luaRule('c', 'two', { consensus: 2 }), { author: 'bob' });
      assert.equal(v2.version.state, 'pending');
      const v3 = await store.publish(luaRule('c', 'three', { consensus: 0 }), { author: 'bob' });
      assert.equal(v3.version.state, 'pending', 'a version cannot lower the consensus that judges it');
      assert.equal((await store.history('c')).find((v) => v.number === 2)?.state, 'superseded');
      assert.equal((await store.liveRules())[0]?.version, 1);
    });

    test('rollback writes a new version with the old content', async () => {
      const store = await fresh();
      const one = await store.publish(luaRule('r', 'one'), { author: 'ann', gate: async () => ({ ok: true, findings: [], fixtures: [{ name: 'f' }] }) });
      await store.publish(luaRule('r', 'two'), { author: 'ann' });
      const back = await store.rollback('r', 1, { author: 'bob' });
      assert.equal(back.created, true);
      assert.equal(back.version.number, 3);
      assert.equal(back.version.checksum, one.version.checksum);
      assert.equal(back.version.rollbackOf, 1);
      assert.equal(back.version.message, 'rollback to version 1');
      assert.deepEqual(back.version.evidence?.fixtures, [{ name: 'f' }]);
      assert.deepEqual(
        (await store.history('r')).map((v) => [v.number, v.state, v.content === one.version.content]),
        [
          [3, 'live', true],
          [2, 'superseded', false],
          [1, 'superseded', true],
        ],
      );
      assert.equal((await store.rollback('r', 1, { author: 'bob' })).created, false, 'already that content');
      await assert.rejects(store.rollback('r', 9, { author: 'bob' }), /has no version 9 \(latest is 3\)/);
      await assert.rejects(store.rollback('zzz', 1, { author: 'bob' }), /unknown rule "zzz"/);
      await assert.rejects(store.history('zzz'), UnknownRuleError);
    });

    test('the change feed: one monotonic revision per change', async () => {
      const store = await fresh();
      await store.publish(luaRule('a'), { author: 'ann' });
      await store.publish(luaRule('b', 'x', { consensus: 1 }), { author: 'ann' });
      await store.approve('b', 1, 'bob');
      const changes = await store.changesSince(0);
      assert.deepEqual(
        changes.map((c) => [c.rule, c.version, c.event]),
        [
          ['a', 1, 'live'],
          ['b', 1, 'proposed'],
          ['b', 1, 'live'],
        ],
      );
      for (let i = 1; i < changes.length; i++) assert.ok((changes[i]?.revision ?? 0) > (changes[i - 1]?.revision ?? 0));
      assert.deepEqual(await store.changesSince(changes[1]?.revision ?? 0), changes.slice(2));
      assert.equal(await store.currentRevision(), changes[2]?.revision);
    });

    test('a watcher on another connection sees each change once, in order', async () => {
      const url = await backend.freshUrl();
      const writer = backend.open(url);
      const reader = backend.open(url);
      open.push(writer, reader);
      await writer.publish(luaRule('w', 'zero'), { author: 'ann' });
      const seen: ChangeRecord[] = [];
      const watcher = reader.watch(await reader.currentRevision(), (changes) => {
        seen.push(...changes);
      });
      for (let i = 1; i <= 5; i++) await writer.publish(luaRule('w', `v${i}`), { author: 'ann' });
      await eventually(() => seen.length >= 5, 'five changes');
      await watcher.stop();
      assert.deepEqual(
        seen.map((c) => c.version),
        [2, 3, 4, 5, 6],
      );
    });

    test('two store objects in one process write at the same time without blocking each other', async () => {
      const url = await backend.freshUrl();
      const a = backend.open(url);
      const b = backend.open(url);
      open.push(a, b);
      await a.migrate();
      const started = Date.now();
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => a.publish(luaRule(`a${i}`), { author: 'ann' })),
        ...Array.from({ length: 10 }, (_, i) => b.publish(luaRule(`b${i}`), { author: 'bob' })),
        b.recordExecutions([{ rule: 'a0', version: 1, decision: 'escalated', confidence: 0.1, durationMs: 1, errorCode: null, correlationId: null, engineId: null }]),
      ]);
      assert.equal((await a.liveRules()).length, 20);
      // Generous bound: only a lock wait that ran into the busy timeout (5 s) would exceed it.
      assert.ok(Date.now() - started < 4000, 'no busy-timeout stall');
    });

    test('StoreRuleSource: load gives live rules; watch pushes versions as they go live', async () => {
      const url = await backend.freshUrl();
      const writer = backend.open(url);
      const engineStore = backend.open(url);
      open.push(writer, engineStore);
      await writer.publish(luaRule('a', 'one'), { author: 'ann' });
      await writer.publish(patternRule('p'), { author: 'ann' });
      await writer.publish(luaRule('c', 'pending', { consensus: 1 }), { author: 'ann' });
      const source = new StoreRuleSource(engineStore);
      const loaded = await source.load();
      assert.deepEqual(loaded.map((r) => [r.definition.name, r.version]).sort(), [
        ['a', 1],
        ['p', 1],
      ]);
      const received: RuleChange[] = [];
      const stop = source.watch((c) => received.push(c));
      await writer.publish(luaRule('a', 'two'), { author: 'ann' });
      await eventually(() => received.length === 1, 'a@2');
      assert.deepEqual(received[0]?.upserted.map((r) => [r.definition.name, r.version]), [['a', 2]]);
      await writer.publish(luaRule('c', 'pending-2', { consensus: 1 }), { author: 'ann' }); // pending: nothing to serve
      await writer.approve('c', 2, 'bob');
      await eventually(() => received.length === 2, 'c@2 after approval');
      assert.deepEqual(received[1]?.upserted.map((r) => [r.definition.name, r.version]), [['c', 2]]);
      assert.equal(received.flatMap((c) => c.upserted).length, 2);
      stop();
      await source.stop();
    });

    test('decision log: batched asynchronous writes, flushed on stop; rule stats updated', async () => {
      const store = await fresh();
      await store.publish(luaRule('r'), { author: 'ann' });
      const log = new StoreDecisionLog(store, { batchSize: 7, flushIntervalMs: 10_000, engineId: 'e1' });
      for (let i = 0; i < 20; i++) {
        log.record({ rule: 'r', version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 1.5, errorCode: i === 0 ? 'runtime-error' : null, correlationId: `c${i}`, cached: false, at: Date.now() });
      }
      await log.stop();
      assert.equal(log.written, 20);
      const rows = await store.decisions({ rule: 'r', limit: 100 });
      assert.equal(rows.length, 20);
      assert.equal(rows[0]?.engineId, 'e1');
      assert.equal(rows.find((r) => r.correlationId === 'c0')?.errorCode, 'runtime-error');
      const stats = (await store.getRule('r'))?.stats;
      assert.equal(stats?.count, 20);
      assert.equal(stats?.errors, 1);
      assert.ok(Math.abs((stats?.meanConfidence ?? 0) - 0.9) < 1e-9);
      assert.ok(stats?.lastExecutedAt !== null);
    });

    test('StoreEngine: evaluates, hot-reloads, refuses a broken version, logs decisions, beats', async () => {
      const url = await backend.freshUrl();
      const writer = backend.open(url);
      const engineStore = backend.open(url);
      open.push(writer, engineStore);
      await writer.publish(luaRule('hot', 'one'), { author: 'ann' });
      const errors: string[] = [];
      const { engine, report } = await StoreEngine.start(engineStore, { engineId: 'e-test', decisionLog: { flushIntervalMs: 20 }, heartbeatIntervalMs: 60_000, onError: (e) => errors.push(e.message) });
      assert.deepEqual(report.applied, [{ name: 'hot', version: 1 }]);
      assert.equal(engine.engine.evaluateRule('hot', {}).reasoning, 'one');
      await writer.publish(luaRule('hot', 'two'), { author: 'ann' });
      await eventually(() => engine.engine.evaluateRule('hot', {}).reasoning === 'two', 'the new version serving');
      assert.equal(engine.engine.evaluateRule('hot', {}).version, 2);
      // A version that does not compile is refused; version 2 keeps serving.
      await writer.publish(luaRule('hot', 'broken', { source: 'return {' }), { author: 'ann' });
      await eventually(() => errors.some((m) => /version 3 of rule "hot" was refused/.test(m)), 'the refusal reported');
      assert.equal(engine.engine.evaluateRule('hot', {}).reasoning, 'two');
      await eventually(async () => (await engineStore.engines())[0]?.rules.hot === 2, `heartbeat shows version 2 (errors: ${errors.join(' | ')}; engines: ${JSON.stringify(await engineStore.engines())})`);
      await engine.stop();
      const logged = await engineStore.decisions({ rule: 'hot' });
      assert.ok(logged.length >= 3);
      assert.ok(logged.every((r) => r.engineId === 'e-test'));
      assert.equal((await engineStore.engines())[0]?.status, 'stopped');
    });

    test('heartbeat: which version of each rule an engine serves', async () => {
      const store = await fresh();
      const hb = new HeartbeatWriter(store, { engineId: 'engine-1', intervalMs: 60_000, served: () => ({ a: 3, b: 1 }) });
      hb.start();
      await hb.beat();
      let engines = await store.engines();
      assert.equal(engines.length, 1);
      assert.deepEqual(engines[0]?.rules, { a: 3, b: 1 });
      assert.equal(engines[0]?.status, 'running');
      assert.equal(engines[0]?.pid, process.pid);
      await hb.stop();
      engines = await store.engines();
      assert.equal(engines[0]?.status, 'stopped');
    });
  });
}

behaviour('sqlite', async () => sqliteBackend());
behaviour('postgres', async () => postgresBackend(await startPostgres()));
