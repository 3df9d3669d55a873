/* eslint-disable no-control-regex -- these tests look for control characters on purpose */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, cli, REPO } from './cli-harness';
import { displayText, quotedText, safeJson } from '../../core/src/util/display-text';
import { invalidUtf8Offset } from '../../core/src/rules-folder/utf8';

const RULE = 'rules/epic_wsjf_validation.lua';

describe('CLI hardening: user text is escaped wherever it is printed', () => {
  it('displayText escapes controls, C1, separators and bidi; safeJson parses back to the same data', () => {
    const nasty = 'a\nb\r\t\x1b[31m\x9b2J\u2028\u202eZ';
    const shown = displayText(nasty);
    assert.doesNotMatch(shown, /[\n\r\t\x1b\x9b\u2028\u202e]/);
    assert.equal(shown, 'a\\nb\\r\\t\\u{001b}[31m\\u{009b}2J\\u{2028}\\u{202e}Z');
    assert.equal(quotedText('say "hi"\n'), '"say \\"hi\\"\\n"');
    const json = safeJson({ nasty });
    assert.doesNotMatch(json, /[\x1b\x9b\u2028\u202e]/);
    assert.deepEqual(JSON.parse(json), { nasty });
  });

  it('history cannot be forged by an --author or --message with a newline, a fake row or ANSI escapes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-forge-'));
    const store = `sqlite:${join(dir, 'r.db')}`;
    const author = 'me\n  v9    live        2026-01-01 00:00:00  mallory\x1b[2J\x1b[31m';
    const published = await cli(['publish', RULE, '--store', store, '--author', author, '--message', 'ok\n  v8 fake\u202e']);
    assert.equal(published.code, 0, published.stderr);
    const history = await cli(['history', 'epic_wsjf_validation', '--store', store]);
    assert.equal(history.code, 0, history.stderr);
    const lines = history.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, history.stdout);
    assert.doesNotMatch(history.stdout, /[\x1b\u202e]/);
    assert.match(lines[1] ?? '', /me\\n {2}v9 .*mallory\\u\{001b\}\[2J/);
    const json = await cli(['history', 'epic_wsjf_validation', '--store', store, '--json']);
    assert.equal((JSON.parse(json.stdout) as { versions: { author: string }[] }).versions[0]?.author, author);
  });
});

describe('CLI hardening: reading commands never write', () => {
  it('history on a missing path refuses with one line and creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-missing-'));
    const path = join(dir, 'no', 'such', 'r.db');
    const out = await cli(['history', 'x', '--store', `sqlite:${path}`]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /no store at sqlite:.*the file does not exist/);
    assert.equal(out.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(join(dir, 'no')), false, 'no folders created');
  });

  it('history on a read-only file in a read-only folder works (as a user who cannot write there)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-ro-'));
    const db = join(dir, 'r.db');
    assert.equal((await cli(['publish', RULE, '--store', `sqlite:${db}`, '--author', 'me'])).code, 0);
    chmodSync(db, 0o444);
    chmodSync(dir, 0o555);
    try {
      // Root may write anyway; run as nobody when we are root, so the folder really is read-only.
      const asNobody = process.getuid?.() === 0;
      chmodSync(tmpdir(), 0o1777);
      const command = [process.execPath, join(REPO, 'cli', 'bin', 'lua-rules.js'), 'history', 'epic_wsjf_validation', '--store', `sqlite:${db}`];
      const run = asNobody ? spawnSync('su', ['nobody', '-s', '/bin/sh', '-c', command.map((a) => `'${a}'`).join(' ')], { encoding: 'utf8' }) : spawnSync(command[0] as string, command.slice(1), { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /v1 +live/);
      assert.doesNotMatch(run.stderr, /readonly database/);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe('CLI hardening: input and output', () => {
  it('a non-UTF-8 rule is refused by publish and check with the byte offset, never published with replaced bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-utf8-'));
    const file = join(dir, 'bad.lua');
    writeFileSync(file, Buffer.concat([Buffer.from('---@rule bad\n---@category epic\nreturn { decision = "escalated", confidence = 0.1, reasoning = "caf'), Buffer.from([0xe9]), Buffer.from('" }\n')]));
    const publish = await cli(['publish', file, '--store', `sqlite:${join(dir, 'r.db')}`, '--author', 'me']);
    assert.equal(publish.code, 2);
    assert.match(publish.stderr, /not valid UTF-8: byte 98/);
    const check = await cli(['check', file]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /bad\.lua:3:68: error syntax-error: not valid UTF-8: byte 98/);
    for (const [bytes, offset] of [[[0x61, 0xc0, 0x80], 1], [[0xed, 0xa0, 0x80], 0], [[0xf4, 0x90, 0x80, 0x80], 0], [[0x61, 0xe2, 0x82], 1], [[0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1]] as const) {
      assert.equal(invalidUtf8Offset(Uint8Array.from(bytes)), offset, `${bytes.join(',')}`);
    }
  });

  it('check and publish refuse a pattern-rule regex that cannot run in linear time, with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-regex-'));
    const file = join(dir, 'dup.rule.json');
    writeFileSync(file, JSON.stringify({ category: 'epic', patterns: [{ type: 'regex', field: 'id', regex: '^(a+)\\1$', weight: 1 }] }));
    const check = await cli(['check', file, '--format', 'json']);
    assert.equal(check.code, 1);
    const findings = JSON.parse(check.stdout) as { code: string; message: string }[];
    assert.equal(findings[0]?.code, 'invalid-pattern-rule');
    assert.match(findings[0]?.message ?? '', /cannot be matched in guaranteed linear time: backreferences/);
    const publish = await cli(['publish', file, '--store', `sqlite:${join(dir, 'r.db')}`, '--author', 'me']);
    assert.equal(publish.code, 2);
    assert.match(publish.stderr, /cannot be matched in guaranteed linear time/);
    // The ReDoS example itself runs in linear time on RE2, so it is accepted.
    writeFileSync(file, JSON.stringify({ category: 'epic', patterns: [{ type: 'regex', field: 'id', regex: '^([a-z]+)+$', weight: 1 }] }));
    assert.equal((await cli(['check', file])).code, 0);
  });

  it('numeric flags say what is wrong with the value, negative numbers included', async () => {
    const neg = await cli(['run', RULE, '--fixture', 'x', '--instructions', '-5']);
    assert.equal(neg.code, 2);
    assert.match(neg.stderr, /--instructions must be a whole number from 1000 to .*got '-5'/);
    const port = await cli(['serve', '--port', '-1']);
    assert.match(port.stderr, /--port must be a whole number from 0 to 65535, got '-1'/);
    const missing = await cli(['run', RULE, '--fixture', 'x', '--instructions']);
    assert.match(missing.stderr, /needs a value/);
  });

  it('output to a full disk (/dev/full) is one clear line and exit code 1, not a stack trace', { skip: !existsSync('/dev/full') }, () => {
    for (const argv of [['--help'], ['check', 'rules'], ['test', 'rules', '--json']]) {
      const full = openSync('/dev/full', 'w');
      try {
        const run = spawnSync(process.execPath, [join(REPO, 'cli', 'bin', 'lua-rules.js'), ...argv], { cwd: REPO, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
        assert.equal(run.status, 1, argv.join(' '));
        assert.match(run.stderr, /^lua-rules: cannot write the output to stdout: no space left on device \(ENOSPC\)$/m);
        assert.doesNotMatch(run.stderr, /\n\s+at |Unhandled/, 'no stack trace');
      } finally {
        closeSync(full);
      }
    }
    assert.equal(binary(['--version']).code, 0);
  });
});
