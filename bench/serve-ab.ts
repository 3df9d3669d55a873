/**
 * `serve` builds side by side, loaded in alternation (issue 16): on a busy machine one
 * `bench/serve.ts` run after another differs by a third, so two builds (or two flag
 * sets) are started together and loaded in turns with the minimal Node server, a few
 * seconds each, and the medians compared. Decision log on unless a target says otherwise.
 *
 *   node --import tsx bench/serve-ab.ts "before=/path/to/other/cli/bin/lua-rules.js" "after=cli/bin/lua-rules.js" ["logoff=cli/bin/lua-rules.js --decision-log off"] [--rounds 3] [--seconds 5]
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const REPO = join(__dirname, '..');
const BODY = JSON.stringify({ epic_id: 'epic-123', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });
const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } } });

interface Server {
  base: string;
  stop(): void;
}

/** Starts a server in a fresh folder holding a copy of rules/ (the minimal server in the repository, where tsx resolves). */
function start(command: string[], inRepo = false): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-ab-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  const child = spawn(process.execPath, command, { cwd: inRepo ? REPO : dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((done, fail) => {
    const seen = (data: Buffer) => {
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(data.toString());
      if (match?.[1]) done({ base: match[1], stop: () => { child.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); } });
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => fail(new Error(`${command.join(' ')} exited with ${code}`)));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  if (positionals.length === 0) throw new Error('name the builds: "before=/path/cli/bin/lua-rules.js" "after=cli/bin/lua-rules.js [flags]"');
  const servers = new Map<string, Server>();
  for (const spec of positionals) {
    const [name, rest] = spec.split(/=(.*)/s) as [string, string];
    const [cli, ...flags] = rest.split(' ').filter(Boolean);
    const server = await start([resolve(cli as string), 'serve', '--port', '0', '--seed', 'rules', '--log-level', 'warn', ...flags]);
    servers.set(name, { base: `${server.base}/v1/evaluate/epic`, stop: server.stop });
  }
  servers.set('minimal', await start(['--import', 'tsx', join(__dirname, 'minimal-http-server.ts')], true));
  const names = [...servers.keys()];
  const seen = new Map<string, { rate: number; p99: number }[]>(names.map((n) => [n, []]));
  console.log(`serve A/B — ${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const load = (name: string, duration: number) => autocannon({ url: (servers.get(name) as Server).base, method: 'POST', body: BODY, headers: { 'content-type': 'application/json' }, connections: 50, duration });
  for (const name of names) await load(name, 2);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const name of round % 2 ? [...names].reverse() : names) {
      const r = await load(name, Number(values.seconds));
      seen.get(name)?.push({ rate: r.requests.average, p99: r.latency.p99 });
      console.log(`  ${name}: ${Math.round(r.requests.average).toLocaleString('en-US')}/s, p99 ${r.latency.p99} ms, errors ${r.errors + r.non2xx}`);
    }
  }
  const minimal = median((seen.get('minimal') ?? []).map((x) => x.rate));
  for (const name of names) {
    const runs = seen.get(name) ?? [];
    const rate = median(runs.map((x) => x.rate));
    console.log(`${name}: median ${Math.round(rate).toLocaleString('en-US')}/s (${((100 * rate) / minimal).toFixed(0)} % of minimal), p99 median ${median(runs.map((x) => x.p99))} ms`);
  }
  console.log(`load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const server of servers.values()) server.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`serve-ab: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
