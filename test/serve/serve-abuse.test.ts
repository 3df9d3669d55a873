import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type ServeProcess } from './serve-process';
import { REPO } from '../cli/cli-harness';

/**
 * The print bomb and the __len bomb need the executor to charge its budget inside
 * library calls (issue 10's executor side, fengari patch 10-work-meter). Before that
 * lands, one such call runs for minutes whatever the limits say (measured: a print of
 * 300 x 16 KiB eight times ran 17.8 s against a 1 s limit, 600 MB RSS), and this
 * service's watchdog ends the process, as designed. So they run when it is there.
 */
const EXECUTOR_BUDGETS_LIBRARY_CALLS = existsSync(join(REPO, 'patches', 'fengari', '10-work-meter.patch'));

/**
 * The service abuse test (issue 10): a running `serve` child process attacked the way
 * one unauthenticated client could, with /healthz checked on a fresh connection every
 * 100 ms during each attack (it must answer after less than 1 s of server CPU, and
 * within 10 s of wall time on a busy machine), and SIGTERM at the end (it
 * must exit within its grace period, even with an evaluation running). Every loop is
 * bounded in count and time; only 127.0.0.1. Figures are printed for the report.
 */
const RULES: Record<string, string> = {
  'flood.lua': '---@category flood\nreturn { decision = "autonomous", confidence = 0.95, reasoning = "flood " .. tostring(context.id) }\n',
  'redos.rule.json': JSON.stringify({ category: 'redos', patterns: [{ type: 'regex', field: 'id', regex: '^([a-z]+)+$', weight: 1 }] }),
  'spin.lua': '---@category spin\nlocal n = 0\nwhile context.forever do n = n + 1 end\nreturn { decision = "escalated", confidence = 0.1, reasoning = "done" }\n',
  'spin_long.lua': '---@category spin\nlocal x = 0\nfor i = 1, 1e15 do x = x + i end\nreturn { decision = "escalated", confidence = 0.1, reasoning = tostring(x) }\n',
  // A print flood the executor already contains: endless prints of 64 KiB lines.
  'print_flood.lua': '---@category printflood\nlocal s = string.rep("y", 64 * 1024)\nwhile not context.stop do print(s, s, s, s) end\nreturn { decision = "escalated", confidence = 0.1, reasoning = "printed" }\n',
  // The print bomb: 300 references to a 4 MiB string in one print.
  'print_bomb.lua':
    '---@category print\nlocal s = string.rep("x", 4 * 1024 * 1024)\nlocal t = {}\nfor i = 1, 300 do t[i] = s end\nprint(table.unpack(t))\nreturn { decision = "escalated", confidence = 0.1, reasoning = "printed" }\n',
  // table.insert shifting 2^31 elements inside one library call.
  'len_bomb.lua':
    '---@category lenbomb\nlocal t = setmetatable({}, { __len = function() return 2147483647 end })\ntable.insert(t, 1, "x")\nreturn { decision = "escalated", confidence = 0.1, reasoning = "inserted" }\n',
};

/** RSS of a process in bytes, from /proc. */
function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/**
 * CPU time (ms) of a process's main thread: the one that answers HTTP, from
 * /proc/<pid>/task/<pid>/stat (utime + stime in ticks of 10 ms). While a /healthz
 * waits, this says how much work the server did before answering; the wall clock also
 * counts the time a busy machine kept it off the cores.
 */
function mainThreadCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN; // the process is gone: the probe fails on its own
  }
}

/**
 * /healthz bounds. The real one is on the server's CPU: it must not do a second of
 * other work before answering (a flood that blocks the event loop shows as CPU time on
 * its main thread). The wall clock is bounded too, generously: at load 8-14 on this
 * shared 2-core machine the server waits for a core and answers take seconds of wall
 * time for milliseconds of CPU; 10 s still catches a server blocked without working
 * (a synchronous wait on the request thread), which the CPU bound cannot see.
 */
const HEALTHZ_MAX_CPU_MS = 1000;
const HEALTHZ_MAX_WALL_MS = 10_000;

/** GET on a new connection (no keep-alive agent): latency in ms, or Infinity after 15 s. */
function probe(base: string, path = '/healthz'): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(`${base}${path}`, { agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ ms: Infinity, status: 0, body: '' }));
    req.end();
  });
}

function postJson(base: string, path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 30_000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

interface AttackReport {
  requests: number;
  seconds: number;
  healthzMaxMs: number;
  /** The most CPU the server's main thread spent while one /healthz waited. */
  healthzMaxCpuMs: number;
  healthzCount: number;
  /** CPU the server's main thread spent during the attack. */
  serverCpuMs: number;
  maxRss: number;
  errors: Record<string, number>;
}

/**
 * Sends `count` requests, `concurrency` at a time (stopping early after `maxSeconds`),
 * while /healthz is probed on a new connection every 100 ms and RSS sampled.
 */
async function attack(serve: ServeProcess, count: number, concurrency: number, maxSeconds: number, make: (i: number) => { path: string; body: string }): Promise<AttackReport> {
  const pid = serve.child.pid as number;
  const cpuAtStart = mainThreadCpuMs(pid);
  const started = performance.now();
  let next = 0;
  let done = false;
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  const cpuWaits: number[] = [];
  let maxRss = rssOf(pid);
  const prober = (async () => {
    while (!done) {
      const cpuBefore = mainThreadCpuMs(pid);
      const answer = await probe(serve.base);
      cpuWaits.push(answer.ms === Infinity ? Infinity : mainThreadCpuMs(pid) - cpuBefore);
      latencies.push(answer.ms);
      if (serve.child.exitCode === null) maxRss = Math.max(maxRss, rssOf(pid));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() - started < maxSeconds * 1000) {
      const { path, body } = make(next++);
      const answer = await postJson(serve.base, path, body);
      const code = ((answer.json['error'] as { code?: string } | null)?.code ?? `ok-${answer.status}`) as string;
      errors[code] = (errors[code] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  done = true;
  await prober;
  return { requests: next, seconds: (performance.now() - started) / 1000, healthzMaxMs: Math.max(...latencies), healthzMaxCpuMs: Math.max(...cpuWaits), healthzCount: latencies.length, serverCpuMs: mainThreadCpuMs(pid) - cpuAtStart, maxRss, errors };
}

/** /healthz answered in every probe within the bounds above (HEALTHZ_MAX_CPU_MS says why two). */
function assertHealthz(report: AttackReport): void {
  assert.ok(report.healthzMaxCpuMs < HEALTHZ_MAX_CPU_MS, `the server spent ${report.healthzMaxCpuMs} ms of CPU before answering a /healthz`);
  assert.ok(report.healthzMaxMs < HEALTHZ_MAX_WALL_MS, `healthz took ${report.healthzMaxMs} ms`);
}

function show(name: string, report: AttackReport): string {
  return `${name}: ${report.requests} requests in ${report.seconds.toFixed(1)} s (${(report.serverCpuMs / 1000).toFixed(1)} s of server CPU), /healthz max ${report.healthzMaxMs.toFixed(0)} ms (${report.healthzMaxCpuMs.toFixed(0)} ms of server CPU) over ${report.healthzCount} probes, max RSS ${(report.maxRss / 1048576).toFixed(0)} MiB, answers ${JSON.stringify(report.errors)}`;
}

describe('lua-rules serve under abuse: stays responsive, bounded, and stoppable', { timeout: 240_000 }, () => {
  let dir = '';
  let serve: ServeProcess;
  const GRACE_MS = 3000;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-abuse-'));
    mkdirSync(join(dir, 'rules'));
    for (const [name, text] of Object.entries(RULES)) writeFileSync(join(dir, 'rules', name), text);
    // No instruction limit to hide behind: only the clock stops the loops.
    serve = await startServe(['--seed', 'rules', '--instructions', '10000000000', '--decision-log', 'off', '--log-level', 'error', '--grace-ms', String(GRACE_MS), '--breaker-failures', '1000'], { cwd: dir, timeoutMs: 60_000 });
  });
  after(async () => {
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('all seven rules are served', async () => {
    const rules = JSON.parse((await probe(serve.base, '/v1/rules')).body) as { name: string }[];
    assert.deepEqual(rules.map((r) => r.name).sort(), ['flood', 'len_bomb', 'print_bomb', 'print_flood', 'redos', 'spin', 'spin_long']);
  });

  it('cache flood: 400 distinct cacheable ~1 MB contexts keep RSS bounded and the cache within its byte bound', async () => {
    const blob = 'z'.repeat(1000 * 1000);
    const before = rssOf(serve.child.pid as number);
    const report = await attack(serve, 400, 4, 90, (i) => ({ path: '/v1/evaluate/flood', body: JSON.stringify({ id: i, blob }) }));
    console.log(show('cache flood', report) + `, RSS before ${(before / 1048576).toFixed(0)} MiB`);
    assert.equal(report.errors['ok-200'], report.requests);
    assertHealthz(report);
    // Keeping each 1 MB key (the old cache) would hold 400 MB; the digests and results take kilobytes.
    assert.ok(report.maxRss < before + 250 * 1048576, `RSS grew from ${before} to ${report.maxRss}`);
    const metrics = (await probe(serve.base, '/metrics')).body;
    const bytes = Number(/^lua_rules_cache_bytes (\d+)/m.exec(metrics)?.[1]);
    const entries = Number(/^lua_rules_cache_entries (\d+)/m.exec(metrics)?.[1]);
    assert.equal(entries, report.requests, 'every distinct context is cached (small results)');
    assert.ok(bytes <= 64 * 1048576 && bytes < report.requests * 2000, `cache bytes ${bytes}`);
  });

  it('ReDoS pattern rule ^([a-z]+)+$: every answer is instant', async () => {
    const report = await attack(serve, 200, 4, 30, (i) => ({ path: '/v1/evaluate/redos', body: JSON.stringify({ id: 'a'.repeat(27 + (i % 5000)) + '!' }) }));
    console.log(show('ReDoS rule', report));
    assert.equal(report.errors['ok-200'], report.requests);
    // Instant means little server work: CPU, not the wall clock of a busy machine (a
    // backtracking regex would spend minutes of CPU on one of these ids).
    assert.ok(report.serverCpuMs < 20_000, `the server spent ${report.serverCpuMs} ms of CPU (${report.seconds} s wall)`);
    assertHealthz(report);
  });

  it('limit-dodging rules (while-loop, long for-loop, no instruction limit): stopped by the request budget, healthz answers', async () => {
    const report = await attack(serve, 16, 4, 60, () => ({ path: '/v1/evaluate/spin', body: JSON.stringify({ forever: true }) }));
    console.log(show('looping rules', report));
    assert.equal(report.errors['time-limit'], report.requests);
    assertHealthz(report);
  });

  const needsExecutor = EXECUTOR_BUDGETS_LIBRARY_CALLS ? {} : { skip: 'the executor does not charge library calls yet (fengari patch 10-work-meter, issue 10 executor side)' };
  // Measured without the executor's library budgets: 1.3 s per request against the 500 ms
  // budget (print converts 256 KiB per call between two clock checks), /healthz 2.4 s.
  it('print flood (endless prints of 4 x 64 KiB): stopped by its limits, output bounded, healthz answers', needsExecutor, async () => {
    const report = await attack(serve, 12, 3, 60, () => ({ path: '/v1/evaluate/printflood', body: '{}' }));
    console.log(show('print flood', report));
    assert.equal((report.errors['time-limit'] ?? 0) + (report.errors['memory-limit'] ?? 0), report.requests, JSON.stringify(report.errors));
    assertHealthz(report);
    assert.ok(report.maxRss < 1024 * 1048576, `RSS ${report.maxRss}`);
  });

  it('print bomb (300 references to a 4 MiB string in one print): contained, healthz answers', needsExecutor, async () => {
    const report = await attack(serve, 12, 3, 60, () => ({ path: '/v1/evaluate/print', body: '{}' }));
    console.log(show('print bomb', report));
    assert.equal((report.errors['ok-200'] ?? 0) + (report.errors['memory-limit'] ?? 0) + (report.errors['time-limit'] ?? 0) + (report.errors['instruction-limit'] ?? 0), report.requests, JSON.stringify(report.errors));
    assertHealthz(report);
    assert.ok(report.maxRss < 1024 * 1048576, `RSS ${report.maxRss}`);
  });

  it('table.insert on a table whose __len is 2^31-1: contained, healthz answers', needsExecutor, async () => {
    const report = await attack(serve, 8, 2, 60, () => ({ path: '/v1/evaluate/lenbomb', body: '{}' }));
    console.log(show('__len bomb', report));
    assertHealthz(report);
    assert.equal(serve.child.exitCode, null, 'still running');
  });

  it("Node's own parser errors are JSON too", async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(serve.base).port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.setTimeout(5000, () => socket.destroy());
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(answer, /content-type: application\/json/);
    assert.equal((JSON.parse(answer.split('\r\n\r\n')[1] ?? '') as { error: { code: string } }).error.code, 'bad-request');
  });

  it('the service still answers correctly after all that', async () => {
    const answer = await postJson(serve.base, '/v1/evaluate/flood', JSON.stringify({ id: 'after' }));
    assert.equal(answer.json['reasoning'], 'flood after');
    assert.equal((await probe(serve.base)).status, 200);
  });

  it('SIGTERM with more evaluations in flight than the grace period can finish: exits within it', async () => {
    // 16 looping requests are 8 s of work at 500 ms each; the grace period is 3 s. The
    // bound below leaves 2 s for a loaded machine's scheduling (it was 0.5 s against 4 s of
    // work, and failed under load) and still tells exiting at the grace period from
    // waiting for the work.
    const inFlight = Array.from({ length: 16 }, () => postJson(serve.base, '/v1/evaluate/spin', JSON.stringify({ forever: true })).catch(() => null));
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    serve.child.kill('SIGTERM');
    const code = await Promise.race([serve.exited, new Promise<string>((r) => setTimeout(() => r('still running'), GRACE_MS + 5000))]);
    const ms = performance.now() - started;
    console.log(`SIGTERM: exited with ${String(code)} after ${ms.toFixed(0)} ms (grace ${GRACE_MS} ms)`);
    assert.notEqual(code, 'still running');
    assert.ok(ms < GRACE_MS + 2000, `took ${ms} ms`);
    const outcomes = (await Promise.all(inFlight)).map((a) => (a ? `${a.status}:${(a.json['error'] as { code?: string } | null)?.code ?? 'ok'}` : 'disconnected'));
    console.log(`SIGTERM: in-flight outcomes ${outcomes.join(' ')}`);
    // Every in-flight request got an answer (its result, or 503 while shutting down) or was disconnected at the end.
    for (const outcome of outcomes) assert.match(outcome, /^(200:time-limit|503:shutting-down|disconnected)$/);
  });
});
