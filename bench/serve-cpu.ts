/**
 * CPU time per request of `serve` and of the minimal Node server (issue 16), per thread.
 *
 * On this 2-core machine the load generator, the request thread and the decision log's
 * thread share the cores, so a rate depends on what else runs (rates of one build swing
 * 2x from round to round with other work on the machine). The CPU time each server
 * spends per request does not, and it is what the rate is made of: with the cores busy,
 * rate ≈ cores / (load generator + request thread + log thread, per request). So this
 * loads each server with a fixed number of requests and reads its threads' CPU time from
 * /proc (Linux only), for builds given as `name=path/to/cli/bin/lua-rules.js [flags]`.
 *
 *   node --import tsx bench/serve-cpu.ts ["name=cli/bin/lua-rules.js --flag" ...] [--requests 100000] [--rounds 2]
 *
 * The decision log prunes every 2 s here (default 60 s), so that its retention work is
 * part of every measurement rather than of some.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const REPO = join(__dirname, '..');
const BODY = JSON.stringify({ epic_id: 'epic-123', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });
const { values, positionals } = parseArgs({ allowPositionals: true, options: { requests: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '2' } } });
const REQUESTS = Number(values.requests);
const TICK_US = 1e6 / 100; // USER_HZ: /proc reports CPU time in 1/100 s

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  dir: string;
}

/** CPU time (µs) of each thread of `pid`, by thread: the main thread is the one whose id is the pid. */
function threadTimes(pid: number): Map<number, { comm: string; us: number }> {
  const out = new Map<number, { comm: string; us: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(Number(tid), { comm, us: (Number(fields[11]) + Number(fields[12])) * TICK_US });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

async function start(name: string, command: string[], inRepo: boolean, url: (base: string) => string): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-cpu-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  const child = spawn(process.execPath, command, { cwd: inRepo ? REPO : dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const base = await new Promise<string>((done, fail) => {
    const look = (d: Buffer): void => {
      text += d.toString();
      const m = / at (http:\/\/[\d.:]+)\n[\s\S]*Stop: Ctrl\+C|listening (http:\/\/[\d.:]+)/.exec(text);
      if (m) done((m[1] ?? m[2]) as string);
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.on('exit', (code) => fail(new Error(`${name} exited with ${code}: ${text}`)));
  });
  return { name, url: url(base), child, dir };
}

/** Per request, µs of CPU: the server's threads, and the load generator (this process, autocannon). */
async function measure(server: Server): Promise<{ total: number; main: number; others: number; rate: number; loader: number }> {
  const load = (amount: number): ReturnType<typeof autocannon> => autocannon({ url: server.url, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, connections: 50, amount });
  await load(Math.min(20_000, REQUESTS));
  const pid = server.child.pid as number;
  const before = threadTimes(pid);
  const loader = process.cpuUsage();
  const r = await load(REQUESTS);
  const loaderSpent = process.cpuUsage(loader);
  const after = threadTimes(pid);
  let main = 0;
  let others = 0;
  for (const [tid, t] of after) {
    const spent = t.us - (before.get(tid)?.us ?? 0);
    if (tid === pid) main += spent;
    else others += spent;
  }
  const n = r.requests.total;
  return { total: (main + others) / n, main: main / n, others: others / n, rate: r.requests.average, loader: (loaderSpent.user + loaderSpent.system) / n };
}

async function main(): Promise<void> {
  const targets = positionals.length > 0 ? positionals : ['serve=cli/bin/lua-rules.js'];
  console.log(`serve CPU per request — ${new Date().toISOString()}, ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(2)}; ${REQUESTS.toLocaleString('en-US')} requests each, 50 connections, POST /v1/evaluate/epic`);
  const servers: Server[] = [];
  for (const target of targets) {
    const [name, spec] = target.split(/=(.*)/s) as [string, string];
    const [cli, ...flags] = spec.split(' ').filter((x) => x !== '');
    servers.push(await start(name, [resolve(cli as string), 'serve', '--port', '0', '--seed', 'rules', '--log-level', 'warn', '--decision-log-prune-every', '2s', ...flags], false, (b) => `${b}/v1/evaluate/epic`));
  }
  servers.push(await start('minimal', ['--import', 'tsx', join(__dirname, 'minimal-http-server.ts')], true, (b) => b));
  const results = new Map<string, { total: number[]; main: number[]; others: number[]; rate: number[]; loader: number[] }>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const server of servers) {
      const m = await measure(server);
      const acc = results.get(server.name) ?? { total: [], main: [], others: [], rate: [], loader: [] };
      acc.loader.push(m.loader);
      acc.total.push(m.total);
      acc.main.push(m.main);
      acc.others.push(m.others);
      acc.rate.push(m.rate);
      results.set(server.name, acc);
      console.log(`  ${server.name}: ${m.total.toFixed(1)} µs CPU per request (request thread ${m.main.toFixed(1)}, other threads ${m.others.toFixed(1)}; load generator ${m.loader.toFixed(1)}); ${Math.round(m.rate).toLocaleString('en-US')} req/s`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const minimal = results.get('minimal');
  const capacity = (r: { main: number[]; total: number[]; loader: number[] }): number => {
    // With every thread busy: no faster than the request thread alone, than the load
    // generator alone, or than the machine's cores shared by all of it.
    const cores = cpus().length;
    return 1e6 / Math.max(median(r.main), median(r.loader), (median(r.total) + median(r.loader)) / cores);
  };
  console.log(`medians (the rate these CPU costs allow on ${cpus().length} cores, shared with the load generator):`);
  for (const [name, r] of results) {
    const share = minimal === undefined ? NaN : capacity(r) / capacity(minimal);
    console.log(`  ${name}: ${median(r.total).toFixed(1)} µs per request (request thread ${median(r.main).toFixed(1)}, others ${median(r.others).toFixed(1)}; load generator ${median(r.loader).toFixed(1)}): allows ${Math.round(capacity(r)).toLocaleString('en-US')}/s, ${(100 * share).toFixed(0)} % of the minimal server's`);
  }
  console.log(`load average at the end ${loadavg()[0]?.toFixed(2)}`);
  for (const s of servers) {
    s.child.kill('SIGTERM');
    rmSync(s.dir, { recursive: true, force: true });
  }
}

void main();
