#!/usr/bin/env node
// Our small, tested changes to fengari 0.1.5 (issue 10: limits inside library calls;
// issue 11: Lua 5.3 semantics), kept as unified diffs in patches/fengari/ and applied
// on every install (`postinstall`), rather than a fork.
//
//   node scripts/fengari-patches.mjs apply        restore the pristine package, apply every patch in name order
//   node scripts/fengari-patches.mjs save NAME    write patches/fengari/NAME.patch: what you changed in
//                                                 node_modules/fengari/src against pristine + every other patch
//   node scripts/fengari-patches.mjs status       which patches are applied
//
// To change fengari: `apply`, edit node_modules/fengari/src/*.js, then `save NN-topic`.
// Patches own separate hunks; applying matches each hunk's context exactly (an offset
// is allowed, fuzz is not), so a patch that no longer fits fails loudly with its name.
// Only needs Node and `diff` (diffutils, on every Debian) for `save`.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = join(ROOT, 'node_modules', 'fengari');
const PRISTINE = join(ROOT, 'node_modules', '.cache', 'fengari-pristine');
const PATCHES = join(ROOT, 'patches', 'fengari');
const MARKER = join(PACKAGE, '.lua-rules-patches.json');
const PINNED = '0.1.5';

function fail(message) {
  console.error(`fengari-patches: ${message}`);
  process.exit(1);
}

function patchFiles() {
  if (!existsSync(PATCHES)) return [];
  return readdirSync(PATCHES).filter((f) => f.endsWith('.patch')).sort();
}

function ensurePristine() {
  if (!existsSync(PACKAGE)) fail('node_modules/fengari is missing: run npm install');
  const version = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')).version;
  if (version !== PINNED) fail(`fengari ${version} is installed; the patches are for ${PINNED} (package.json pins it)`);
  if (existsSync(join(PRISTINE, 'src'))) return;
  // A package without our marker is as npm installed it: keep that copy as the base.
  if (existsSync(MARKER)) fail('node_modules/fengari is patched but its pristine copy is gone: run npm ci');
  mkdirSync(PRISTINE, { recursive: true });
  cpSync(join(PACKAGE, 'src'), join(PRISTINE, 'src'), { recursive: true });
}

/** Parses a unified diff into files, each with hunks of [kind, text] lines. */
function parsePatch(text, name) {
  const files = [];
  let file = null;
  let hunk = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('--- ')) continue;
    if (line.startsWith('+++ ')) {
      const path = line.slice(4).split('\t')[0].replace(/^b\//, '');
      file = { path, hunks: [] };
      files.push(file);
      hunk = null;
    } else if (line.startsWith('@@')) {
      const m = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
      if (!m || !file) fail(`${name}: malformed hunk header: ${line}`);
      hunk = { oldStart: Number(m[1]), lines: [] };
      file.hunks.push(hunk);
    } else if (hunk && (line.startsWith(' ') || line.startsWith('+') || line.startsWith('-'))) {
      hunk.lines.push([line[0], line.slice(1)]);
    } else if (hunk && line === '\\ No newline at end of file') {
      // the last line has no newline; our files all end with one
    }
  }
  return files;
}

function applyHunks(source, hunks, where) {
  const lines = source.split('\n');
  let shift = 0;
  for (const hunk of hunks) {
    const before = hunk.lines.filter(([k]) => k !== '+').map(([, t]) => t);
    const after = hunk.lines.filter(([k]) => k !== '-').map(([, t]) => t);
    const expected = hunk.oldStart - 1 + shift;
    const matchesAt = (at) => at >= 0 && before.every((t, i) => lines[at + i] === t);
    let at = -1;
    for (let d = 0; d < lines.length && at < 0; d++) {
      if (matchesAt(expected + d)) at = expected + d;
      else if (matchesAt(expected - d)) at = expected - d;
    }
    if (at < 0) fail(`${where}: hunk at line ${hunk.oldStart} does not apply (its context is not in the file)`);
    lines.splice(at, before.length, ...after);
    shift = at - (hunk.oldStart - 1) + after.length - before.length;
  }
  return lines.join('\n');
}

/** Builds into `target` the pristine src with the named patches applied. */
function build(target, names) {
  rmSync(target, { recursive: true, force: true });
  cpSync(join(PRISTINE, 'src'), target, { recursive: true });
  for (const name of names) {
    for (const file of parsePatch(readFileSync(join(PATCHES, name), 'utf8'), name)) {
      const path = join(target, relative('src', file.path));
      const source = existsSync(path) ? readFileSync(path, 'utf8') : '';
      writeFileSync(path, applyHunks(source, file.hunks, `${name} → ${file.path}`));
    }
  }
}

function digest(names) {
  const hash = createHash('sha256');
  for (const name of names) hash.update(name).update(readFileSync(join(PATCHES, name)));
  return hash.digest('hex');
}

const [command = 'apply', arg] = process.argv.slice(2);
if (command === 'apply') {
  ensurePristine();
  const names = patchFiles();
  build(join(PACKAGE, 'src'), names);
  writeFileSync(MARKER, JSON.stringify({ patches: names, digest: digest(names) }, null, 2) + '\n');
  console.log(`fengari-patches: fengari ${PINNED} with ${names.length ? names.join(', ') : 'no patches'}`);
  // npm trusts node_modules/.package-lock.json only while it is newer than every package
  // folder; patching after npm wrote it made it stale, and then every `npx lua-rules`
  // re-read the whole node_modules tree (about a second). Re-date it after patching.
  const hidden = join(ROOT, 'node_modules', '.package-lock.json');
  if (existsSync(hidden)) utimesSync(hidden, new Date(), new Date());
} else if (command === 'save') {
  if (!arg || !/^[0-9]{2}-[a-z0-9-]+$/.test(arg)) fail('save needs a name like 10-table-budget');
  ensurePristine();
  const others = patchFiles().filter((n) => n !== `${arg}.patch`);
  const base = mkdtempSync(join(tmpdir(), 'fengari-base-'));
  const baseSrc = join(base, 'src');
  build(baseSrc, others);
  let diff = '';
  // diff wants both trees side by side under the same names a/ and b/.
  cpSync(baseSrc, join(base, 'a', 'src'), { recursive: true });
  cpSync(join(PACKAGE, 'src'), join(base, 'b', 'src'), { recursive: true });
  try {
    diff = execFileSync('diff', ['-ruN', '-U', '3', 'a/src', 'b/src'], { cwd: base, encoding: 'utf8' });
  } catch (error) {
    if (error.status !== 1) throw error;
    diff = error.stdout;
  }
  rmSync(base, { recursive: true, force: true });
  // Timestamps would make every save a change of its own.
  diff = diff.replace(/^((?:---|\+\+\+) \S+)\t.*$/gm, '$1');
  mkdirSync(PATCHES, { recursive: true });
  const out = join(PATCHES, `${arg}.patch`);
  if (!diff.trim()) {
    rmSync(out, { force: true });
    console.log(`fengari-patches: no changes beyond the other patches; ${arg}.patch removed`);
  } else {
    writeFileSync(out, diff);
    console.log(`fengari-patches: wrote ${relative(ROOT, out)} (${diff.split('\n').length} lines)`);
  }
} else if (command === 'status') {
  const marker = existsSync(MARKER) ? JSON.parse(readFileSync(MARKER, 'utf8')) : null;
  const names = patchFiles();
  const current = marker && marker.digest === digest(names);
  console.log(`applied: ${marker ? marker.patches.join(', ') || '(none)' : '(not patched)'}; patches/fengari: ${names.join(', ') || '(none)'}; ${current ? 'up to date' : 'run apply'}`);
} else {
  fail(`unknown command ${command}; use apply, save NAME or status`);
}
