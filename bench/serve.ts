/**
 * The engine service benchmark (issue 6): HTTP load with autocannon beside the
 * engine's in-process rate from the same run, a soak with a publish every second,
 * and three `serve` processes on one PostgreSQL (publish → all three answer with the
 * new version, measured through HTTP). Prints figures; never fails on them.
 *
 *   node --import tsx bench/serve.ts [--load-seconds 10] [--rounds 3] [--soak-seconds 180] [--publishes 100] [--skip-pg] [--skip-soak]
 *
 * Section 3 publishes 100 times by default: with 30 the "p99" was the slowest one
 * (the first, cold, in most runs); the maximum and the first are printed beside it.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { RuleEngine } from '../core/src/engine/rule-engine';
import { FileRuleSource } from '../core/src/rules-folder/file-rule-source';
import { openStore } from '../store/src';
import { startPostgres } from '../test/store/pg-harness';
import { startServe, type ServeProcess } from '../test/serve/serve-process';

const REPO = join(__dirname, '..');
const { values } = parseArgs({
  options: {
    'load-seconds': { type: 'string', default: '10' },
    'soak-seconds': { type: 'string', default: '180' },
    publishes: { type: 'string', default: '100' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    'skip-pg': { type: 'boolean', default: false },
    'skip-soak': { type: 'boolean', default: false },
  },
});
const LOAD_SECONDS = Number(values['load-seconds']);
const SOAK_SECONDS = Number(values['soak-seconds']);
const PUBLISHES = Number(values.publishes);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const EPIC_CONTEXT = { epic_id: 'epic-123', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } };
const BODY = JSON.stringify(EPIC_CONTEXT);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Did the decision log keep up? What it wrote, what it had not written yet, and what it dropped (serve's /metrics). */
async function decisionLogCounts(base: string): Promise<{ written: number; pending: number; dropped: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const metric = (name: string): number => Number(new RegExp(`^${name.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    written: metric('lua_rules_decision_log_records_total{outcome="written",sink="store"}'),
    pending: metric('lua_rules_decision_log_pending'),
    dropped: metric('lua_rules_decision_log_records_total{outcome="dropped",sink="store"}'),
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))] ?? NaN;
}

/**
 * Section 3's probe: POST the epic context to one engine's rule, answer the version that
 * served it. node:http on a keep-alive agent, not fetch: the bench shares 2 cores with
 * the three engines it measures, and a fetch cost the client about 1 ms of CPU per probe
 * against 0.2-0.4 ms (bench/serve.ts probes 3-10 times per publish; docs/benchmarks.md,
 * "Hot reload on PostgreSQL").
 */
const probeAgent = new Agent({ keepAlive: true });
function servedVersion(base: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/v1/rules/epic_wsjf_validation/evaluate`, { method: 'POST', agent: probeAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve((JSON.parse(text) as { version: number }).version);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(BODY);
  });
}

async function inProcessRate(): Promise<number> {
  const engine = new RuleEngine({ source: new FileRuleSource([join(REPO, 'rules')]) });
  await engine.start();
  for (let i = 0; i < 20_000; i++) engine.evaluateCategory('epic', EPIC_CONTEXT);
  const rates: number[] = [];
  for (let s = 0; s < 5; s++) {
    const started = performance.now();
    let n = 0;
    while (performance.now() - started < 400) {
      for (let i = 0; i < 1000; i++) engine.evaluateCategory('epic', JSON.parse(BODY));
      n += 1000;
    }
    rates.push(n / ((performance.now() - started) / 1000));
  }
  return percentile(rates, 50);
}

function seededFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-serve-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  return dir;
}

async function load(serve: ServeProcess, seconds: number, connections: number) {
  await autocannon({ url: `${serve.base}/v1/evaluate/epic`, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, connections, duration: 2 });
  return autocannon({ url: `${serve.base}/v1/evaluate/epic`, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, connections, duration: seconds });
}

/** A Lua source for version n of the epic rule: same decisions, a different reasoning, so fixtures still pass. */
function epicVersion(source: string, n: number): string {
  return source.replace(/manageable job size[^"]*/, `manageable job size v${n}`);
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { loadavgAtStart: loadavg()[0] };
  console.log(`engine service benchmark — ${new Date().toISOString()}, load average ${loadavg()[0]?.toFixed(2)} on ${cpus().length} cores`);

  // 1. In-process rate and HTTP load, same run.
  const inProcess = await inProcessRate();
  results['inProcessDecisionsPerSec'] = Math.round(inProcess);
  console.log(`in-process evaluateCategory('epic') incl. JSON.parse of the body: ${Math.round(inProcess).toLocaleString('en-US')} decisions/s`);
  {
    // serve and its peer (Node's HTTP stack alone: body read, constant answer) are
    // loaded in turns, ROUNDS pairs, and the share is the median of each pair's ratio:
    // on a shared 2-core machine other work comes and goes, and a peer measured once,
    // after serve, made the share swing from 49 % to 104 % between two runs.
    const dir = seededFolder();
    const serve = await startServe(['--seed', 'rules', '--log-level', 'warn'], { cwd: dir });
    const peer = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'minimal-http-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const peerBase = await new Promise<string>((resolve) =>
      peer.stdout.on('data', (d: Buffer) => {
        const m = /listening (\S+)/.exec(d.toString());
        if (m?.[1]) resolve(m[1]);
      }),
    );
    const loadPeer = async (seconds: number) => autocannon({ url: peerBase, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, connections: CONNECTIONS, duration: seconds });
    await loadPeer(2);
    const pairs: { serve: Awaited<ReturnType<typeof load>>; peer: Awaited<ReturnType<typeof loadPeer>> }[] = [];
    console.log(`HTTP POST /v1/evaluate/epic, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${LOAD_SECONDS} s each for serve and for its peer, in turns (autocannon in another process on the same 2 cores; decision log on):`);
    for (let round = 0; round < ROUNDS; round++) {
      const r = await load(serve, LOAD_SECONDS, CONNECTIONS);
      const p = await loadPeer(LOAD_SECONDS);
      pairs.push({ serve: r, peer: p });
      console.log(`  round ${round + 1} (load ${loadavg()[0]?.toFixed(2)}): serve ${Math.round(r.requests.average).toLocaleString('en-US')}/s p99 ${r.latency.p99} ms; peer ${Math.round(p.requests.average).toLocaleString('en-US')}/s p99 ${p.latency.p99} ms; ${((100 * r.requests.average) / p.requests.average).toFixed(0)} %`);
    }
    peer.kill('SIGTERM');
    const shares = pairs.map((x) => x.serve.requests.average / x.peer.requests.average);
    const share = percentile(shares, 50);
    const rate = percentile(pairs.map((x) => x.serve.requests.average), 50);
    const peerRate = percentile(pairs.map((x) => x.peer.requests.average), 50);
    const p50 = Math.max(...pairs.map((x) => x.serve.latency.p50));
    const p99 = Math.max(...pairs.map((x) => x.serve.latency.p99));
    const errors = pairs.reduce((n, x) => n + x.serve.errors + x.serve.non2xx + x.serve.timeouts, 0);
    const log = await decisionLogCounts(serve.base);
    Object.assign(results, { httpDecisionLog: log });
    Object.assign(results, { httpDecisionsPerSec: Math.round(rate), httpP50Ms: p50, httpP99Ms: p99, httpErrors: errors, httpOverInProcess: Number((rate / inProcess).toFixed(3)) });
    console.log(`  serve: median ${Math.round(rate).toLocaleString('en-US')} decisions/s (target >= 10,000), p50 ${p50} ms, p99 ${p99} ms (the worst round; target <= 10 ms), errors/non-2xx ${errors}`);
    console.log(`  HTTP rate / in-process rate = ${(rate / inProcess).toFixed(3)}`);
    console.log(`  decision log when the load ended: ${log.written.toLocaleString('en-US')} written, ${log.pending.toLocaleString('en-US')} pending, ${log.dropped.toLocaleString('en-US')} dropped`);
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
    Object.assign(results, { minimalHttpPerSec: Math.round(peerRate), minimalHttpP99Ms: Math.max(...pairs.map((x) => x.peer.latency.p99)), serveOverMinimalHttp: Number(share.toFixed(3)), serveOverMinimalHttpRounds: shares.map((x) => Number(x.toFixed(3))) });
    console.log(`  peer: a minimal Node http server (read body, constant JSON), same load: median ${Math.round(peerRate).toLocaleString('en-US')} req/s; serve reaches ${(100 * share).toFixed(0)} % of it (median of the rounds' ratios; ${cpus().length} cores)`);
  }

  // 2. Soak: steady load, a publish every second, RSS sampled.
  if (!values['skip-soak']) {
    const dir = seededFolder();
    const serve = await startServe(['--seed', 'rules', '--log-level', 'warn'], { cwd: dir });
    const store = openStore('sqlite:.lua-rules/rules.db', { cwd: dir });
    const source = (await store.history('epic_wsjf_validation'))[0]?.content ?? '';
    const pid = serve.child.pid as number;
    const rss: { t: number; mib: number }[] = [];
    let published = 0;
    let publishFailures = 0;
    const publishErrors: string[] = [];
    const publishMs: number[] = [];
    const started = Date.now();
    const publisher = setInterval(() => {
      published++;
      const t0 = performance.now();
      store.publish({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source: epicVersion(source, published), origin: 'epic_wsjf_validation.lua' }, { author: 'soak' }).then(
        () => publishMs.push(performance.now() - t0),
        (e: unknown) => {
          publishFailures++;
          // Say why (and after how long): a failed publish under load is a finding, not noise.
          const reason = `${(e as Error).message} (after ${Math.round(performance.now() - t0)} ms)`;
          if (publishErrors.length < 5) publishErrors.push(reason);
        },
      );
    }, 1000);
    const sampler = setInterval(() => rss.push({ t: (Date.now() - started) / 1000, mib: rssMiB(pid) }), 5000);
    const r = await autocannon({ url: `${serve.base}/v1/evaluate/epic`, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, connections: 10, duration: SOAK_SECONDS });
    clearInterval(publisher);
    clearInterval(sampler);
    const logAtEnd = await decisionLogCounts(serve.base);
    const served = (await (await fetch(`${serve.base}/v1/rules`)).json()) as { name: string; version: number }[];
    const version = served.find((x) => x.name === 'epic_wsjf_validation')?.version;
    const firstMinute = rss.filter((s) => s.t <= 60).map((s) => s.mib);
    const lastMinute = rss.filter((s) => s.t >= SOAK_SECONDS - 60).map((s) => s.mib);
    const soak = {
      seconds: SOAK_SECONDS,
      requests: r.requests.total,
      failedRequests: r.errors + r.non2xx + r.timeouts,
      publishes: published,
      publishFailures,
      decisionLogAtEnd: logAtEnd,
      publishP50Ms: Number(percentile(publishMs, 50).toFixed(1)),
      publishP99Ms: Number(percentile(publishMs, 99).toFixed(1)),
      publishMaxMs: Number(Math.max(0, ...publishMs).toFixed(1)),
      servedVersionAtEnd: version,
      rssFirstMinuteMedianMiB: Number(percentile(firstMinute, 50).toFixed(1)),
      rssLastMinuteMedianMiB: Number(percentile(lastMinute, 50).toFixed(1)),
      rssMaxMiB: Number(Math.max(...rss.map((s) => s.mib)).toFixed(1)),
      rssSamplesMiB: rss.map((s) => Number(s.mib.toFixed(1))),
    };
    results['soak'] = soak;
    console.log(`soak: ${SOAK_SECONDS} s, 10 connections, a publish every second:`);
    console.log(`  ${soak.requests.toLocaleString('en-US')} requests, ${soak.failedRequests} failed; ${published} publishes (${publishFailures} failed), version served at the end ${version}`);
    console.log(`  decision log when the load ended: ${logAtEnd.written.toLocaleString('en-US')} written, ${logAtEnd.pending.toLocaleString('en-US')} pending, ${logAtEnd.dropped.toLocaleString('en-US')} dropped`);
    console.log(`  publish call, the ones that succeeded: p50 ${soak.publishP50Ms} ms, p99 ${soak.publishP99Ms} ms, max ${soak.publishMaxMs} ms`);
    for (const reason of publishErrors) console.log(`  publish failed: ${reason}`);
    console.log(`  RSS median first minute ${soak.rssFirstMinuteMedianMiB} MiB, last minute ${soak.rssLastMinuteMedianMiB} MiB, max ${soak.rssMaxMiB} MiB`);
    console.log(`  RSS samples (every 5 s): ${soak.rssSamplesMiB.join(' ')}`);
    await store.close();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // 3. Three engines on one PostgreSQL: publish → all three answer with the new version.
  if (!values['skip-pg']) {
    const pg = await startPostgres({ ownCluster: true });
    const url = await pg.createDatabase();
    const dir = seededFolder();
    const first = await startServe(['--store', url, '--seed', 'rules', '--log-level', 'warn'], { cwd: dir });
    const others = await Promise.all([0, 1].map(() => startServe(['--store', url, '--log-level', 'warn'], { cwd: dir })));
    const engines = [first, ...others];
    const store = openStore(url, { cwd: dir });
    const source = (await store.history('epic_wsjf_validation'))[0]?.content ?? '';
    // The probe's own first use (its connections, the code paths of the client) is
    // warmed before the clock runs: it is the bench's start-up, not the engines'
    // (the first fetch of a process loaded undici: 93 ms at load 8). The engines' own
    // first reload stays in the figures: publish 1 is printed on its own too.
    for (const engine of engines) await servedVersion(engine.base);
    const lags: number[] = [];
    const publishMs: number[] = [];
    const loadBefore = loadavg()[0] ?? 0;
    for (let n = 1; n <= PUBLISHES; n++) {
      const started = performance.now();
      const outcome = await store.publish({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source: epicVersion(source, 1000 + n), origin: 'epic_wsjf_validation.lua' }, { author: 'bench' });
      publishMs.push(performance.now() - started);
      const version = outcome.version.number;
      await Promise.all(
        engines.map(async (engine) => {
          while ((await servedVersion(engine.base)) < version) await new Promise((resolve) => setTimeout(resolve, 1));
        }),
      );
      lags.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    probeAgent.destroy();
    const three = {
      publishes: PUBLISHES,
      p50Ms: Number(percentile(lags, 50).toFixed(1)),
      p99Ms: Number(percentile(lags, 99).toFixed(1)),
      maxMs: Number(Math.max(...lags).toFixed(1)),
      firstMs: Number((lags[0] ?? NaN).toFixed(1)),
      publishCallP50Ms: Number(percentile(publishMs, 50).toFixed(1)),
      loadavg: [Number(loadBefore.toFixed(2)), Number((loadavg()[0] ?? 0).toFixed(2))],
    };
    results['threeEnginesPostgres'] = three;
    console.log(`three serve processes on one PostgreSQL, ${PUBLISHES} publishes, publish call → all three answer with the new version over HTTP (load ${three.loadavg[0]} → ${three.loadavg[1]}):`);
    console.log(`  p50 ${three.p50Ms} ms, p99 ${three.p99Ms} ms (target <= 50 ms), max ${three.maxMs} ms; the first publish ${three.firstMs} ms; the publish call itself p50 ${three.publishCallP50Ms} ms`);
    await store.close();
    await Promise.all(engines.map((e) => e.stop()));
    await pg.close();
    rmSync(dir, { recursive: true, force: true });
  }

  writeFileSync(join(__dirname, 'serve-results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/serve-results.json');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
