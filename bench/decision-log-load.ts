/**
 * The decision log's cost under HTTP load (issue 13): `serve` with the log on (as
 * configured by the flags given) against the same `serve` with `--decision-log off`,
 * alternating, in one run. Prints rate, p50, p99 and the load average; never fails.
 *
 *   node --import tsx bench/decision-log-load.ts [--seconds 5] [--rounds 2] [--connections 50] [-- serve flags for the "on" runs...]
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startServe } from '../test/serve/serve-process';

const REPO = join(__dirname, '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' }, connections: { type: 'string', default: '50' } },
});
const BODY = JSON.stringify({ epic_id: 'epic-123', owner: { email: 'ann@example.com' }, metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });

async function once(flags: string[]): Promise<{ rate: number; p50: number; p99: number; load: number; rssMiB: number; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-log-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  const serve = await startServe(['--seed', 'rules', '--log-level', 'warn', ...flags], { cwd: dir });
  const opts = { url: `${serve.base}/v1/evaluate/epic`, method: 'POST' as const, body: BODY, headers: { 'content-type': 'application/json' }, connections: Number(values.connections) };
  await autocannon({ ...opts, duration: 2 });
  const r = await autocannon({ ...opts, duration: Number(values.seconds) });
  const load = loadavg()[0] ?? NaN;
  // What the log did with the load: records written, dropped, and still pending when
  // the load ended (then given up to 20 s to catch up).
  const log = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`${serve.base}/metrics`)).text();
    const read = (name: string): number => Number(new RegExp(`^${name.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return {
      written: read('lua_rules_decision_log_records_total{outcome="written",sink="store"}'),
      dropped: read('lua_rules_decision_log_records_total{outcome="dropped",sink="store"}'),
      pending: read('lua_rules_decision_log_pending'),
    };
  };
  const atEnd = await log();
  const rssMiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  let after = atEnd;
  for (let i = 0; i < 200 && (after.pending ?? 0) > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await log();
  }
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
  return { rate: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, load, rssMiB, log: Number.isNaN(atEnd.written) ? '' : `; log: pending ${atEnd.pending} when the load ended, then written ${after.written}, dropped ${after.dropped}` };
}

async function main(): Promise<void> {
  console.log(`decision log under load — ${new Date().toISOString()}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`"on" flags: ${positionals.join(' ') || '(defaults)'}`);
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [name, flags] of [['log on ', positionals], ['log off', ['--decision-log', 'off']]] as const) {
      const r = await once([...flags]);
      console.log(`  round ${round} ${name}: ${Math.round(r.rate).toLocaleString('en-US')} decisions/s, p50 ${r.p50} ms, p99 ${r.p99} ms, RSS ${r.rssMiB.toFixed(0)} MiB (load ${r.load.toFixed(2)})${r.log}`);
    }
  }
}

void main();
