import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LuaExecutor } from '../../core/src/executor/lua-executor';

/**
 * Runs the same Lua case chunks through our executor and through Debian's `lua5.3`
 * (the oracle), and returns both answers per case. A case is the body of a
 * function (`return string.format("%5.1f", 2.25)`); its answer is what `pcall`
 * gives, written out by the same Lua serializer on both sides: type, math.type,
 * tostring and `%a` of numbers, strings with every byte outside printable ASCII
 * escaped, and error messages without their "chunk:line:" prefix.
 *
 * Many cases share one lua5.3 process (one script, all batches) so a few thousand
 * comparisons take a second, not a minute.
 */

const LUA53 = process.env.LUA_RULES_LUA53 ?? 'lua5.3';

/** Throws, with the fix, when lua5.3 is missing: these tests must not skip silently. */
export function requireLua53(): void {
  const probe = spawnSync(LUA53, ['-v'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${LUA53} is not installed: the Lua conformance tests compare against it. Install it with \`apt-get install lua5.3\` (.ci/run does), or point LUA_RULES_LUA53 at a Lua 5.3 binary.`);
  }
}

export interface LuaCase {
  /** Shown in failures. */
  name: string;
  /** The body of a function; its results (or its error) are compared. */
  body: string;
}

export interface CaseAnswer {
  name: string;
  body: string;
  ours: string;
  lua53: string;
}

const PRELUDE = `
local function esc(s)
  return (s:gsub("[^ -~]", function(c) return "\\\\" .. c:byte() end))
end
local function ser1(v)
  local t = type(v)
  if t == "number" then
    if math.type(v) == "integer" then return "int:" .. tostring(v) end
    return "float:" .. tostring(v) .. ":" .. string.format("%a", v)
  elseif t == "string" then return "str:" .. esc(v)
  elseif t == "nil" or t == "boolean" then return tostring(v)
  else return t end
end
local function ser(ok, ...)
  local out = {}
  if not ok then
    local e = ...
    if type(e) == "string" then e = e:gsub("^[^:]*:%d+: ", "") end
    return "error:" .. (type(e) == "string" and esc(e) or type(e))
  end
  local n, values = select("#", ...), { ... }
  for i = 1, n do out[i] = ser1(values[i]) end
  return table.concat(out, ",")
end
local cases = {
`;

function batchSource(cases: LuaCase[]): string {
  return PRELUDE + cases.map((c) => `function() ${c.body}\nend,\n`).join('') + `}
local results = {}
for i = 1, #cases do results[i] = ser(pcall(cases[i])) end
OUT = table.concat(results, "\\n")
`;
}

/** Cases per executor evaluation: their answers must fit the 10,000-character reasoning. */
const BATCH = 25;

/** `batchSize` 1 runs each case in its own evaluation (an internal error then costs one case, not a batch). */
export function compareWithLua53(cases: LuaCase[], executor = new LuaExecutor(), batchSize = BATCH): CaseAnswer[] {
  requireLua53();
  const batches: LuaCase[][] = [];
  for (let i = 0; i < cases.length; i += batchSize) batches.push(cases.slice(i, i + batchSize));

  // lua5.3: every batch in one process, each in its own function, answers separated by NUL.
  const script = batches
    .map((batch) => `do local ok, err = pcall(function()\n${batchSource(batch)}\nend) io.write(ok and OUT or ("batch error: " .. tostring(err)), "\\0") end\n`)
    .join('');
  const dir = mkdtempSync(join(tmpdir(), 'lua53-oracle-'));
  let oracle: string[];
  try {
    const file = join(dir, 'cases.lua');
    writeFileSync(file, script);
    const run = spawnSync(LUA53, [file], { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`lua5.3 failed: ${run.stderr}`);
    oracle = run.stdout.split('\0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const answers: CaseAnswer[] = [];
  batches.forEach((batch, b) => {
    const source = `${batchSource(batch)}\nreturn { decision = "escalated", confidence = 0, reasoning = OUT }`;
    const outcome = executor.evaluateSource(source, `oracle_batch_${b}`, {}, { instructions: 50_000_000, timeMs: 20_000 });
    const error = outcome.result.error;
    const ours = error ? batch.map(() => `executor ${error.code}: ${error.message}`) : outcome.result.reasoning.split('\n');
    const theirs = (oracle[b] ?? '').split('\n');
    if (!error && ours.length !== batch.length) throw new Error(`batch ${b}: ${ours.length} answers for ${batch.length} cases (reasoning truncated?)`);
    batch.forEach((c, i) => answers.push({ name: c.name, body: c.body, ours: ours[i] ?? '', lua53: theirs[i] ?? '(missing)' }));
  });
  return answers;
}
