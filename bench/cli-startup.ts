/**
 * CLI start-up (issue 15): how long `lua-rules --version`, `--help` and `run` of one
 * rule take as new processes, beside `node -e 0` measured in the same run, so the
 * ratios hold on a busy machine too. Targets: --version/--help ≤ 2× node -e 0, run of
 * one rule ≤ 4×. Also `npx lua-rules --version`, which adds npm's own start-up.
 * Samples are interleaved (one of each per round) so load drifts hit all alike.
 * Run: node --import tsx bench/cli-startup.ts [rounds]   (part of `npm run bench`)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const REPO = join(__dirname, '..');
const BIN = join(REPO, 'cli', 'bin', 'lua-rules.js');
const ROUNDS = Math.max(3, Number(process.argv[2] ?? 25) || 25);
const NPX_ROUNDS = 5;

interface Subject {
  label: string;
  command: string;
  args: string[];
  /** Allowed multiple of `node -e 0`; undefined for figures without a target. */
  targetRatio?: number;
  rounds: number;
}

const subjects: Subject[] = [
  { label: 'node -e 0', command: process.execPath, args: ['-e', '0'], rounds: ROUNDS },
  { label: 'lua-rules --version', command: process.execPath, args: [BIN, '--version'], targetRatio: 2, rounds: ROUNDS },
  { label: 'lua-rules --help', command: process.execPath, args: [BIN, '--help'], targetRatio: 2, rounds: ROUNDS },
  { label: 'lua-rules run <rule> --fixture', command: process.execPath, args: [BIN, 'run', 'rules/epic_wsjf_validation.lua', '--fixture', 'high-wsjf'], targetRatio: 4, rounds: ROUNDS },
  { label: 'lua-rules check <rule>', command: process.execPath, args: [BIN, 'check', 'rules/epic_wsjf_validation.lua'], rounds: ROUNDS },
  { label: 'npx lua-rules --version', command: 'npx', args: ['--offline', 'lua-rules', '--version'], rounds: NPX_ROUNDS },
];

function once(subject: Subject): number {
  const start = performance.now();
  const out = spawnSync(subject.command, subject.args, { cwd: REPO, encoding: 'utf8', env: { ...process.env, LUA_RULES_STORE: '' } });
  const ms = performance.now() - start;
  if (out.status !== 0) throw new Error(`${subject.label} exited ${out.status}: ${out.stderr.trim().split('\n')[0] ?? ''}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function main(): void {
  process.stderr.write(`cli start-up: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]?.toFixed(2)}; ${ROUNDS} rounds\n`);
  const samples = new Map<Subject, number[]>(subjects.map((s) => [s, []]));
  for (const s of subjects) once(s); // warm the file cache
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of subjects) if (round < s.rounds) samples.get(s)!.push(once(s));
  }
  const base = median(samples.get(subjects[0]!)!);
  const rows = subjects.map((s) => {
    const values = samples.get(s)!;
    const ms = median(values);
    const ratio = ms / base;
    return { label: s.label, medianMs: ms, minMs: Math.min(...values), ratio, target: s.targetRatio === undefined ? '' : `≤ ${s.targetRatio}×`, met: s.targetRatio === undefined ? null : ratio <= s.targetRatio, samples: values.length };
  });
  const header = ['command', 'median', 'min', '× node -e 0', 'target', ''];
  const cells = rows.map((r) => [r.label, `${r.medianMs.toFixed(1)} ms`, `${r.minMs.toFixed(1)} ms`, `${r.ratio.toFixed(2)}×`, r.target, r.met === null ? '' : r.met ? 'met' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => (i >= 1 && i <= 3 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n'));
  writeFileSync(join(REPO, 'bench', 'cli-startup-results.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, load: loadavg()[0], rows }, null, 2) + '\n');
}

main();
