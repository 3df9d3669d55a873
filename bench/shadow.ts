/**
 * Shadow runs (issue 13): request latency and rate of `serve` (decision log on) under
 * HTTP load, without a shadow, with a shadow of the rule that answers (a different
 * threshold: it disagrees on some contexts), and with a shadow that loops until its
 * time limit. The shadow runs on its own thread after each answer is sent, so the
 * figures with a shadow should match the ones without. Prints figures; never fails.
 *
 *   node --import tsx bench/shadow.ts [--load-seconds 10] [--connections 50]
 *   (run `npx tsc -b` first: serve runs from out/)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { openStore, ShadowRunner } from '../store/src';
import { startServe } from '../test/serve/serve-process';

const REPO = join(__dirname, '..');
const { values } = parseArgs({ options: { 'load-seconds': { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } } });
const SECONDS = Number(values['load-seconds']);
const CONNECTIONS = Number(values.connections);
const BODY = JSON.stringify({ epic_id: 'epic-123', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });

async function phase(base: string, label: string): Promise<void> {
  const options = { url: `${base}/v1/evaluate/epic`, method: 'POST' as const, body: BODY, headers: { 'content-type': 'application/json' }, connections: CONNECTIONS };
  await autocannon({ ...options, duration: 2 });
  const r = await autocannon({ ...options, duration: SECONDS });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const shadow = [...metrics.matchAll(/lua_rules_shadow_evaluations_total\{rule="([^"]+)",outcome="(\w+)"\} (\d+)/g)].map((m) => `${m[2]} ${m[3]}`).join(', ');
  console.log(
    `${label.padEnd(34)} ${Math.round(r.requests.average).toString().padStart(6)} req/s   p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   max ${r.latency.max} ms   errors ${r.errors + r.non2xx}   load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}${shadow ? `\n${''.padEnd(34)} shadow since start: ${shadow}` : ''}`,
  );
}

/** The serving thread's whole cost per shadowed answer: ShadowRunner.offer (a Map lookup and a postMessage of the context). */
async function offerCost(dir: string): Promise<void> {
  const url = `sqlite:${join(dir, 'offer.db')}`;
  const store = openStore(url, { cwd: dir });
  const live = { kind: 'lua' as const, name: 'r', category: 'epic', source: 'return { decision = "autonomous", confidence = 0.95, reasoning = "x" }', origin: 'r.lua' };
  await store.publish(live, { author: 'bench' });
  await store.startShadow({ ...live, source: live.source.replace('0.95', '0.9') }, { author: 'bench', fileName: 'r.lua' });
  const runner = new ShadowRunner(store, { engineId: 'bench', maxQueued: 1_000_000 });
  await runner.reload();
  const context = JSON.parse(BODY) as unknown;
  const result = { rule: 'r', version: 1, decision: 'autonomous' as const, confidence: 0.95, reasoning: 'x', error: null, line: 1, durationMs: 0, instructions: 0, cached: false, shortCircuited: false };
  // Answers arrive a few per event-loop turn under load: 50 per turn here, and the batch
  // of each turn posted after it (what offer() schedules), against the same turns without.
  const turns = 400;
  const perTurn = 50;
  const run = async (offering: boolean): Promise<number> => {
    const started = performance.now();
    for (let t = 0; t < turns; t++) {
      if (offering) for (let i = 0; i < perTurn; i++) runner.offer(context, result, 'c');
      await new Promise((resolve) => setImmediate(resolve));
    }
    return performance.now() - started;
  };
  await run(true);
  await runner.drain(10_000);
  const base = Math.min(await run(false), await run(false));
  const withOffers = await run(true);
  const perOffer = ((withOffers - base) * 1000) / (turns * perTurn);
  await runner.drain(30_000);
  const [shadow] = await store.shadows('r');
  console.log(`offer() on the serving thread: ${perOffer.toFixed(2)} µs per shadowed answer, posting included (${turns * perTurn} offers in ${turns} turns; the thread compared ${shadow?.compared ?? 0} of ${2 * turns * perTurn})`);
  await runner.stop();
  await store.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-shadow-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  const url = `sqlite:${join(dir, 'rules.db')}`;
  const serve = await startServe(['--store', url, '--seed', 'rules', '--log-level', 'warn'], { cwd: dir });
  const store = openStore(url, { cwd: dir });
  try {
    console.log(`shadow runs: ${CONNECTIONS} connections, ${SECONDS} s per phase, ${cpus().length} cores, node ${process.version}`);
    await offerCost(dir);
    await phase(serve.base, 'no shadow');
    const live = (await store.history('epic_wsjf_validation'))[0]?.content ?? '';
    const waitLoaded = async (): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        await fetch(`${serve.base}/v1/evaluate/epic`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } });
        if (/lua_rules_shadow_queued [1-9]|outcome="(agreed|disagreed)"\} [1-9]/.test(await (await fetch(`${serve.base}/metrics`)).text())) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await store.startShadow({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source: `${live}\n-- same decisions`, origin: 'epic_wsjf_validation.lua' }, { author: 'bench', fileName: 'epic_wsjf_validation.lua' });
    await waitLoaded();
    await phase(serve.base, 'shadow (agrees)');
    await store.startShadow({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source: live.replace(/wsjf > 50/, 'wsjf > 65'), origin: 'epic_wsjf_validation.lua' }, { author: 'bench', fileName: 'epic_wsjf_validation.lua' });
    await new Promise((r) => setTimeout(r, 500));
    await phase(serve.base, 'shadow (disagrees on this context)');
    await store.startShadow({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source: '---@category epic\nwhile true do end\n', origin: 'epic_wsjf_validation.lua' }, { author: 'bench', fileName: 'epic_wsjf_validation.lua' });
    await new Promise((r) => setTimeout(r, 500));
    await phase(serve.base, 'shadow looping to its time limit');
    await store.stopShadow('epic_wsjf_validation', 'bench');
    await new Promise((r) => setTimeout(r, 500));
    await phase(serve.base, 'shadow stopped');
  } finally {
    await store.close();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
