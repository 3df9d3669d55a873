import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LuaCase } from './lua53-oracle';
import { compareWithLua53 } from './lua53-oracle';

/**
 * Lua 5.3.6's own tests (lua/lua at tag v5.3.6, testes/; copied byte for byte into
 * test/core/lua53-official/, MIT notice in its LICENSE) run as case chunks through
 * our executor and through lua5.3, assertion by assertion.
 *
 * Each file is split by original line numbers into chunks (run) and skips (not
 * run, with the reason). A chunk is the file's prelude lines (its local helpers)
 * plus its own lines; every other line is blank, so line numbers stay the
 * original ones. In a chunk, every call of `assert` or of a listed helper
 * (`checkerror`, ...) becomes an assertion site named `file:line:column`, which
 * records its outcomes instead of stopping the chunk. A site agrees when both
 * sides record the same outcomes; a site neither side reaches counts as skipped.
 *
 * Mechanical adaptations, the same on both sides: bytes above 127 (the files are
 * Latin-1) become `\ddd` escapes because rule sources are UTF-8; listed text
 * substitutions replace what the sandbox does not offer (rawset, os.clock,
 * math.random, given as deterministic stand-ins).
 */

export interface Port {
  file: string;
  /** Lines every chunk includes (local helpers), as [from, to] ranges. */
  prelude: [number, number][];
  chunks: [number, number][];
  skips: { from: number; to: number; reason: string }[];
  /** Functions whose calls are assertion sites besides `assert`. */
  helpers: string[];
  substitutions?: [string, string][];
  /** Lua run before the chunk's lines (globals such as _soft). */
  setup?: string;
}

export interface SiteResult {
  site: string;
  ours: string;
  lua53: string;
  verdict: 'agree' | 'differ' | 'unreached';
}

export interface PortResult {
  file: string;
  sites: SiteResult[];
  /** Assertion sites in skipped sections. */
  skipped: number;
  skipReasons: { lines: string; reason: string; sites: number }[];
}

const DIR = join(__dirname, 'lua53-official');

/** Wrapper: sites record outcomes; print is silenced so lua5.3's stdout stays the oracle's channel. */
const HARNESS = `
local R, CUR, ERR = {}, "prelude", nil
local function record(site, ok)
  local t = R[site]
  if not t then t = {}; R[site] = t end
  t[#t + 1] = ok and "." or "F"
end
local assert = function(c, ...) record(CUR, c) return c, ... end
local function A(site) return function(c, ...) record(site, c) return c, ... end end
local function H(site, f)
  return function(...)
    local saved = CUR
    CUR = site
    local r = table.pack(f(...))
    CUR = saved
    return table.unpack(r, 1, r.n)
  end
end
local print = function() end
local RND_STATE = 12345
local function RND(m, n)
  RND_STATE = (RND_STATE * 1103515245 + 12345) % 2147483648
  local r = RND_STATE / 2147483648
  if m == nil then return r end
  if n == nil then m, n = 1, m end
  return m + math.floor(r * (n - m + 1))
end
local function RESULT()
  local keys = {}
  for k in pairs(R) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    -- run-length: ".x120F" for 120 passes then a failure
    local t, parts, i = R[k], {}, 1
    while i <= #t do
      local j = i
      while j < #t and t[j + 1] == t[i] do j = j + 1 end
      parts[#parts + 1] = t[i] .. (j > i and ("x" .. (j - i + 1)) or "")
      i = j + 1
    end
    out[#out + 1] = k .. "=" .. table.concat(parts)
  end
  return table.concat(out, ";") .. (ERR and ("|error: " .. ERR) or "")
end
`;

function escapeHighBytes(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    out += code > 127 ? '\\' + String(code).padStart(3, '0') : line[i];
  }
  return out;
}

function inRanges(line: number, ranges: [number, number][]): boolean {
  return ranges.some(([from, to]) => line >= from && line <= to);
}

function callPattern(helpers: string[]): RegExp {
  return new RegExp(`(?<![\\w.:])(function\\s+)?(assert|${helpers.join('|')})\\s*\\(`, 'g');
}

/** Assertion sites in the given lines (for skipped sections). */
function countSites(lines: string[], helpers: string[]): number {
  let count = 0;
  for (const line of lines) {
    const code = line.replace(/--.*$/, '');
    for (const m of code.matchAll(callPattern(helpers))) if (!m[1]) count++;
  }
  return count;
}

export function loadPort(port: Port): { cases: LuaCase[]; skipped: number; skipReasons: PortResult['skipReasons'] } {
  const lines = readFileSync(join(DIR, port.file), 'latin1').split('\n');
  const skipped = port.skips.map((s) => ({ lines: `${s.from}-${s.to}`, reason: s.reason, sites: countSites(lines.slice(s.from - 1, s.to), port.helpers) }));
  const cases = port.chunks.map(([from, to]) => {
    const body = lines.map((raw, index) => {
      const n = index + 1;
      const isPrelude = inRanges(n, port.prelude);
      const isChunk = n >= from && n <= to;
      if (!isPrelude && !isChunk) return '';
      if (port.skips.some((s) => n >= s.from && n <= s.to)) return '';
      let line = escapeHighBytes(raw);
      for (const [from2, to2] of port.substitutions ?? []) line = line.split(from2).join(to2);
      if (isPrelude) return line;
      return line.replace(callPattern(port.helpers), (match: string, def: string | undefined, name: string, offset: number) => {
        if (def) return match;
        const site = JSON.stringify(`${port.file}:${n}:${offset + 1}`);
        return name === 'assert' ? `A(${site})(` : `H(${site}, ${name})(`;
      });
    });
    const source = `${HARNESS}\n${port.setup ?? ''}\nlocal ok, e = pcall(function()\n${body.join('\n')}\nend)\nif not ok then ERR = tostring(e) end\nreturn RESULT()`;
    return { name: `${port.file}:${from}-${to}`, body: source };
  });
  return { cases, skipped: skipped.reduce((sum, s) => sum + s.sites, 0), skipReasons: skipped };
}

/** Sites a chunk contains, from its rewritten source: "file:line:col". */
function sitesOf(body: string): string[] {
  return [...body.matchAll(/(?:A|H)\("([^"]+)"/g)].map((m) => m[1] as string);
}

function parseResult(answer: string): { sites: Map<string, string>; error: string | null } {
  const text = answer.startsWith('str:') ? answer.slice(4) : answer;
  const [list, error] = text.split('|error: ');
  const sites = new Map<string, string>();
  for (const entry of (list ?? '').split(';')) {
    const at = entry.lastIndexOf('=');
    if (at > 0) sites.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return { sites, error: error ?? (answer.startsWith('str:') ? null : answer) };
}

export function runPort(port: Port): PortResult {
  const { cases, skipped, skipReasons } = loadPort(port);
  const answers = compareWithLua53(cases, undefined, 1);
  const sites: SiteResult[] = [];
  answers.forEach((answer) => {
    const ours = parseResult(answer.ours);
    const theirs = parseResult(answer.lua53);
    for (const site of new Set(sitesOf(answer.body))) {
      const o = ours.sites.get(site) ?? '';
      const t = theirs.sites.get(site) ?? '';
      const verdict = o === '' && t === '' ? 'unreached' : o === t ? 'agree' : 'differ';
      sites.push({ site, ours: o || (ours.error ? `(not reached: ${ours.error})` : '(not reached)'), lua53: t || (theirs.error ? `(not reached: ${theirs.error})` : '(not reached)'), verdict });
    }
  });
  return { file: port.file, sites, skipped, skipReasons };
}
