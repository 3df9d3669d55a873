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
import { openStore } from '../store/src';
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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-shadow-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  const url = `sqlite:${join(dir, 'rules.db')}`;
  const serve = await startServe(['--store', url, '--seed', 'rules', '--log-level', 'warn'], { cwd: dir });
  const store = openStore(url, { cwd: dir });
  try {
    console.log(`shadow runs: ${CONNECTIONS} connections, ${SECONDS} s per phase, ${cpus().length} cores, node ${process.version}`);
    await phase(serve.base, 'no shadow');
    const live = (await store.history('epic_wsjf_validation'))[0]?.content ?? '';
    const waitLoaded = async (): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        await fetch(`${serve.base}/v1/evaluate/epic`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } });
        if (/lua_rules_shadow_queued [1-9]|outcome="(agreed|disagreed)"\} [1-9]/.test(await (await fetch(`${serve.base}/metrics`)).text())) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await store.startShadow({ kind: 'lua', name: 'epic_wsjf_validation', category: 'epic', source: live.replace(/wsjf > 50/, 'wsjf > 65'), origin: 'epic_wsjf_validation.lua' }, { author: 'bench', fileName: 'epic_wsjf_validation.lua' });
    await waitLoaded();
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
