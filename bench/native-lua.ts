import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './contexts';
import { contextsAsLua } from './contexts';
import type { Timing } from './measure';

/**
 * The physical limit: Debian's lua5.4 running the same rule source over the same
 * contexts, as a pure Lua loop. The contexts are embedded as a Lua table (built
 * before timing, so, unlike Fengari, no JSON-to-table conversion is measured); the
 * rule's source becomes a function of `context` (`local context = ...` prepended on
 * its first line, so line numbers stay), called once per context. Timed inside Lua
 * with os.clock (CPU time, so medianUs and cpuMedianUs are the same figure), in
 * batches, reported as a median like everything else.
 */
const DRIVER = `
local contexts = dofile(arg[1])
local file = assert(io.open(arg[2], "r"))
local source = file:read("a")
file:close()
local rule = assert(load("local context = ...; " .. source, "=epic_wsjf_validation", "t"))
local batch, samples, warmup = tonumber(arg[3]), tonumber(arg[4]), 3
local n = #contexts
local i = 0
local counts = { autonomous = 0, collaborative = 0, escalated = 0 }
local per_op = {}
for s = 1, warmup + samples do
  local started = os.clock()
  for _ = 1, batch do
    i = i % n + 1
    rule(contexts[i])
  end
  local elapsed = os.clock() - started
  if s > warmup then per_op[#per_op + 1] = elapsed * 1e6 / batch end
end
-- One untimed pass to count decisions, for the cross-check against Fengari.
for k = 1, n do
  local result = rule(contexts[k])
  counts[result.decision] = counts[result.decision] + 1
end
table.sort(per_op)
local function pct(p) return per_op[math.max(1, math.min(#per_op, math.floor(p / 100 * (#per_op - 1) + 0.5) + 1))] end
io.write(string.format("%.6f %.6f %.6f %d %d %d %d %s\\n", pct(50), pct(10), pct(90), #per_op,
  counts.autonomous, counts.collaborative, counts.escalated, _VERSION))
`;

export interface NativeLuaRun {
  timing: Timing;
  decisions: Record<'autonomous' | 'collaborative' | 'escalated', number>;
  version: string;
}

/** An error (not a throw) when lua5.4 is not installed or fails: the benchmark reports it and carries on. */
export function runNativeLua(ruleSource: string, contexts: readonly BenchContext[], batch: number, samples: number): NativeLuaRun | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-'));
  try {
    const contextsFile = join(dir, 'contexts.lua');
    const ruleFile = join(dir, 'rule.lua');
    const driverFile = join(dir, 'driver.lua');
    writeFileSync(contextsFile, contextsAsLua(contexts));
    writeFileSync(ruleFile, ruleSource);
    writeFileSync(driverFile, DRIVER);
    const run = spawnSync('lua5.4', [driverFile, contextsFile, ruleFile, String(batch), String(samples)], { encoding: 'utf8', timeout: 120_000 });
    if (run.error) return { error: (run.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'lua5.4 is not on PATH' : run.error.message };
    if (run.status !== 0) return { error: `lua5.4 exited with ${run.status}: ${run.stderr.trim().split('\n')[0] ?? ''}` };
    const [median, p10, p90, count, auto, collab, esc, ...version] = run.stdout.trim().split(' ');
    return {
      timing: { medianUs: Number(median), cpuMedianUs: Number(median), p10Us: Number(p10), p90Us: Number(p90), samples: Number(count), opsPerSample: batch },
      decisions: { autonomous: Number(auto), collaborative: Number(collab), escalated: Number(esc) },
      version: version.join(' '),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
