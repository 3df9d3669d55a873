import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkCommand } from '../../cli/src/commands/check';
import type { CommandIO } from '../../cli/src/command';
import { UsageError } from '../../cli/src/command';

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-check-'));
  writeFileSync(join(dir, 'context.schema.json'), JSON.stringify({ type: 'object', properties: { metrics: { type: 'object', properties: { wsjf_score: { type: 'number' } } } } }));
  writeFileSync(join(dir, 'good.lua'), 'return { decision = "escalated", confidence = 0.5, reasoning = "x" }\n');
  mkdirSync(join(dir, 'epic'));
  writeFileSync(join(dir, 'epic', 'bad.lua'), 'local s = context.metrics.wsjf\nreturn { decision = "autonomus", confidence = 0.95, reasoning = "x" }\n');
  writeFileSync(join(dir, 'epic', 'bad.fixtures.json'), '{"fixtures": [{"name": "a"}]}');
  writeFileSync(join(dir, 'wsjf.rule.json'), '{"patterns": []}');
  return dir;
}

function io(cwd: string): CommandIO & { out: string; err: string } {
  const sink = {
    out: '',
    err: '',
    stdout: (text: string) => void (sink.out += text),
    stderr: (text: string) => void (sink.err += text),
    readStdin: async () => '',
    cwd,
    env: {},
    isTTY: false,
  };
  return sink;
}

test('text output: file:line:col: severity code: message, 1-based, and a summary; exit 1 on errors', async () => {
  const dir = folder();
  try {
    const sink = io(dir);
    assert.equal(await checkCommand.run([], sink), 1);
    assert.equal(
      sink.out,
      [
        'epic/bad.fixtures.json:1:15: error fixture-error: fixtures[0] is missing "context"',
        'epic/bad.lua:1:27: warning unknown-context-field: context.metrics has no field `wsjf` in context.schema.json (did you mean `wsjf_score`?)',
        'epic/bad.lua:2:21: error invalid-decision: decision "autonomus" is not one of autonomous, collaborative, escalated (did you mean "autonomous"?)',
        'wsjf.rule.json:1:2: error invalid-pattern-rule: patterns must NOT have fewer than 1 items',
        '3 errors, 1 warning in 4 files',
        '',
      ].join('\n'),
    );
    assert.equal(sink.err, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('json output: an array with 0-based LSP ranges; a clean file exits 0', async () => {
  const dir = folder();
  try {
    const sink = io(dir);
    assert.equal(await checkCommand.run(['epic/bad.lua', '--format', 'json'], sink), 1);
    assert.deepEqual(JSON.parse(sink.out), [
      { file: 'epic/bad.lua', range: { start: { line: 0, character: 26 }, end: { line: 0, character: 30 } }, severity: 'warning', code: 'unknown-context-field', message: 'context.metrics has no field `wsjf` in context.schema.json (did you mean `wsjf_score`?)' },
      { file: 'epic/bad.lua', range: { start: { line: 1, character: 20 }, end: { line: 1, character: 31 } }, severity: 'error', code: 'invalid-decision', message: 'decision "autonomus" is not one of autonomous, collaborative, escalated (did you mean "autonomous"?)' },
    ]);
    const clean = io(dir);
    assert.equal(await checkCommand.run(['good.lua', '--format=json'], clean), 0);
    assert.equal(clean.out, '[]\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warnings alone exit 0, or 1 with --strict', async () => {
  const dir = folder();
  try {
    writeFileSync(join(dir, 'warn.lua'), 'return { decision = "autonomous", confidence = 0.5, reasoning = "x" }\n');
    assert.equal(await checkCommand.run(['warn.lua'], io(dir)), 0);
    assert.equal(await checkCommand.run(['warn.lua', '--strict'], io(dir)), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad usage: unknown flag, bad format, missing path', async () => {
  const dir = folder();
  try {
    await assert.rejects(checkCommand.run(['--fromat', 'json'], io(dir)), new UsageError('unknown option --fromat; see lua-rules check --help'));
    await assert.rejects(checkCommand.run(['--format', 'xml'], io(dir)), new UsageError('--format must be text or json (got "xml")'));
    await assert.rejects(checkCommand.run(['--format'], io(dir)), new UsageError('--format must be text or json (got nothing)'));
    await assert.rejects(checkCommand.run(['nowhere.lua'], io(dir)), new UsageError('no such file or folder: nowhere.lua'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the real binary: lua-rules check exits 1 with findings on stdout, 2 with one line on stderr for a missing file', { skip: !process.env.LUA_RULES_REPO_ROOT && 'run through scripts/run-tests.mjs' }, () => {
  const dir = folder();
  try {
    const bin = join(__dirname, '..', '..', 'cli', 'bin', 'lua-rules.js');
    const found = spawnSync(process.execPath, [bin, 'check', 'epic/bad.lua'], { cwd: dir, encoding: 'utf8' });
    assert.equal(found.status, 1, found.stderr);
    assert.match(found.stdout, /^epic\/bad\.lua:1:27: warning unknown-context-field: /);
    const missing = spawnSync(process.execPath, [bin, 'check', 'nowhere.lua'], { cwd: dir, encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.equal(missing.stdout, '');
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /no such file or folder: nowhere\.lua/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
