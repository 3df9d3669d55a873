/**
 * Issue 15, the CLI side of the author's loop: the author defaults to the OS user,
 * `serve` stops with its parent and names its PID, `test --filter` leaves out what it
 * did not select, `check` and `test` describe bad fixture values alike, and every
 * command module is loaded lazily.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../cli/src/commands/index';
import { defaultAuthor } from '../../cli/src/commands/store-common';
import { binary, cli, REPO, writeIn } from './cli-harness';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lua-rules-loop-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => writeIn(dir, name, text);
const RULE = '---@rule loop_rule\n---@category epic\nif (context.score or 0) > 5 then\n  return { decision = "autonomous", confidence = 0.95, reasoning = "high" }\nend\nreturn { decision = "escalated", confidence = 0.3, reasoning = "low" }\n';

describe('--author defaults to the OS user', () => {
  it('publish without --author, and with an empty one ("$USER" unset), records the OS user', async () => {
    file('author/loop_rule.lua', RULE);
    const store = `sqlite:${join(dir, 'author', 'rules.db')}`;
    const env = { USER: '', LOGNAME: '' };
    const first = await cli(['publish', 'loop_rule.lua', '--store', store], { cwd: join(dir, 'author'), env });
    assert.equal(first.code, 0, first.stderr);
    file('author/loop_rule.lua', RULE.replace('"high"', '"high!"'));
    const second = await cli(['publish', 'loop_rule.lua', '--store', store, '--author', ''], { cwd: join(dir, 'author'), env });
    assert.equal(second.code, 0, second.stderr);
    const history = await cli(['history', 'loop_rule', '--store', store, '--json'], { cwd: join(dir, 'author'), env });
    const versions = (JSON.parse(history.stdout) as { versions: { author: string }[] }).versions;
    assert.deepEqual(versions.map((v) => v.author), [userInfo().username, userInfo().username]);
  });
  it('falls back to the environment, then the uid, never to an empty name', () => {
    assert.equal(defaultAuthor({}), userInfo().username);
    assert.notEqual(defaultAuthor({ USER: '' }).trim(), '');
  });
});

describe('serve --exit-with-parent (npm start)', () => {
  it('prints its own PID to stop it, and stops when the process that started it is killed', { timeout: 150_000 }, async () => {
    const store = `sqlite:${join(dir, 'serve.db')}`;
    // Like npm start: a parent (npm) runs sh -c, which runs the server.
    const script = `const { spawn } = require('node:child_process');
      const c = spawn('sh', ['-c', ${JSON.stringify(`"${process.execPath}" "${join(REPO, 'cli', 'bin', 'lua-rules.js')}" serve --port 0 --store ${store} --exit-with-parent`)}], { stdio: ['ignore', 'ignore', 'inherit'] });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    parent.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const pid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${err}`)), 90_000);
      parent.stderr.on('data', () => {
        const match = /Stop: Ctrl\+C, or kill (\d+)/.exec(err);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    const alive = (p: number): boolean => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(alive(pid), 'the PID printed is the running server');
    parent.kill('SIGKILL');
    const deadline = Date.now() + 45_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const orphaned = alive(pid);
    if (orphaned) process.kill(pid, 'SIGKILL');
    assert.equal(orphaned, false, 'the server stopped after its parent was killed');
  });
});

describe('test --filter', () => {
  it('leaves out files with no selected fixture, and says so when nothing matches', async () => {
    file('filter/loop_rule.lua', RULE);
    file('filter/loop_rule.fixtures.json', JSON.stringify({ fixtures: [{ name: 'high', context: { score: 9 }, expect: { decision: 'autonomous' } }] }));
    file('filter/other_rule.lua', RULE.replace('loop_rule', 'other_rule'));
    file('filter/other_rule.fixtures.json', JSON.stringify({ fixtures: [{ name: 'low', context: { score: 1 }, expect: { decision: 'escalated' } }] }));
    const run = await cli(['test', join(dir, 'filter'), '--filter', 'high']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /other_rule|0\/0/);
    assert.match(run.stdout, /1 passed, 0 failed/);
    const none = await cli(['test', join(dir, 'filter'), '--filter', 'zzz']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no fixture or rule name contains 'zzz'/);
  });
});

describe('check and test describe a bad fixture value alike', () => {
  it('got … and did-you-mean in both', async () => {
    file('values/loop_rule.lua', RULE);
    file('values/loop_rule.fixtures.json', JSON.stringify({ fixtures: [{ name: 'a', context: {}, expect: { decision: 'autonomus', confidence: { min: 0.2, max: 'x' } } }, { name: 'b', context: {}, expect: { confidnce: 0.3 } }] }));
    const check = await cli(['check', join(dir, 'values')]);
    const test = await cli(['test', join(dir, 'values')]);
    for (const out of [check.stdout, test.stdout]) {
      assert.match(out, /decision must be one of "autonomous", "collaborative", "escalated", got "autonomus" \(did you mean 'autonomous'\?\)/);
      assert.match(out, /confidence\.max must be (a )?number.*, got "x"/);
      assert.match(out, /confidnce.*did you mean .confidence./);
    }
    assert.doesNotMatch(check.stdout, /confidence must be number, got an object/, 'the object form is not reported as "must be number"');
  });
});

describe('lazy command modules', () => {
  it("each entry's summary is its command's own", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      assert.equal(command.name, entry.name);
      assert.equal(command.summary, entry.summary, entry.name);
    }
  });
  it('--version and --help load no command module', () => {
    const probe = `const M = require('module'); const load = M._load; const seen = [];
      M._load = function (r) { seen.push(r); return load.apply(this, arguments); };
      require(${JSON.stringify(join(REPO, 'out', 'cli', 'src', 'main.js'))}).main([process.argv[1]]).then(() => process.stderr.write(JSON.stringify(seen)));`;
    for (const flag of ['--version', '--help']) {
      const out = binaryNode(['-e', probe, '--', flag]);
      const loaded = JSON.parse(out) as string[];
      assert.deepEqual(loaded.filter((m) => m.includes('commands/') || m.includes('fengari') || m.includes('sqlite') || m === 'pg'), ['./commands/index'], `${flag} loaded ${loaded.join(', ')}`);
    }
    assert.equal(binary(['--version']).code, 0);
  });
});

function binaryNode(args: string[]): string {
  const out = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return out.stderr;
}

describe('run --explain, test --coverage', () => {
  it('run --explain prints the lines that ran with the context values read, and the returning line', async () => {
    const run = await cli(['run', 'rules/epic_wsjf_validation.lua', '--fixture', 'high-wsjf', '--explain']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /→ autonomous \(confidence 0\.95\), returned at line 17/);
    assert.match(run.stdout, /12 +local wsjf = metrics\.wsjf_score or 0 +│ context\.metrics\.wsjf_score = 60/);
    assert.match(run.stdout, /17 +return \{ +│ ← returned the result/);
    const json = JSON.parse((await cli(['run', 'rules/epic_wsjf_validation.lua', '--fixture', 'high-wsjf', '--explain', '--json'])).stdout) as { line: number; explain: { line: number; reads: unknown[] }[] };
    assert.equal(json.line, 17);
    assert.ok(json.explain.some((s) => s.line === 12 && s.reads.length === 1));
  });
  it('test --coverage writes coverage/lcov.info and prints a percentage per rule with the lines not run', async () => {
    file('cov/rules/loop_rule.lua', RULE);
    file('cov/rules/loop_rule.fixtures.json', JSON.stringify({ fixtures: [{ name: 'high', context: { score: 9 }, expect: { decision: 'autonomous' } }] }));
    const run = await cli(['test', '--coverage'], { cwd: join(dir, 'cov') });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /coverage \(lines of each Lua rule run by its fixtures; coverage\/lcov\.info\):\n {2}rules\/loop_rule\.lua +67% +2\/3 +not run: 6\n/);
    const lcov = readFileSync(join(dir, 'cov', 'coverage', 'lcov.info'), 'utf8');
    assert.match(lcov, /^TN:\nSF:rules\/loop_rule\.lua\n(DA:\d+,\d+\n)+LF:3\nLH:2\nend_of_record\n$/);
  });
});

describe('a failed rule in test and run output', () => {
  it('is said in the rule\'s terms, and its fallback is not shown as its answer', async () => {
    file('failing/f.lua', '---@rule f\n---@category epic\nreturn { decision = context.d, confidence = 0.5, reasoning = "x" }\n');
    file('failing/f.fixtures.json', JSON.stringify({ fixtures: [{ name: 'a', context: { d: 'maybe' }, expect: { decision: 'escalated' } }] }));
    const test = await cli(['test', join(dir, 'failing')]);
    assert.equal(test.code, 1);
    assert.match(test.stdout, /\n {8}the rule failed \(invalid-result\): invalid result: decision "maybe" is not one of/);
    assert.match(test.stdout, /decision +escalated +\(none: the rule failed\)/);
    assert.doesNotMatch(test.stdout, /error +none/);
    const run = await cli(['run', join(dir, 'failing', 'f.lua'), '--fixture', 'a']);
    assert.match(run.stdout, /^f → failed \(invalid-result\), returned at line 3\n/);
  });
});
