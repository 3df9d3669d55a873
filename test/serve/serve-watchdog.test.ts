/* eslint-disable no-control-regex -- the log test looks for control characters on purpose */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../cli/cli-harness';
import { post, startServe, type ServeProcess } from './serve-process';

describe('serve watchdog: a wedged evaluation cannot keep the process alive', () => {
  it('a main thread blocked in an "evaluation" past stuckMs is killed, with one line on stderr', async () => {
    // The watchdog in a child whose main thread then never returns to its event loop.
    const script = `
      const { startWatchdog } = require(${JSON.stringify(join(REPO, 'out', 'service', 'src', 'watchdog.js'))});
      const dog = startWatchdog(500);
      setTimeout(() => { dog.busy(true); const end = Date.now() + 20000; while (Date.now() < end) {} process.exit(3); }, 50);
    `;
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    const ms = performance.now() - started;
    assert.equal(signal, 'SIGKILL', `exit ${code}`);
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.match(stderr, /blocked the service for more than 500 ms/);
  });

  it('an idle or working process is left alone', async () => {
    const script = `
      const { startWatchdog } = require(${JSON.stringify(join(REPO, 'out', 'service', 'src', 'watchdog.js'))});
      const dog = startWatchdog(300);
      let n = 0;
      const t = setInterval(() => { dog.busy(true); const end = Date.now() + 100; while (Date.now() < end) {} dog.busy(false); if (++n === 10) { clearInterval(t); dog.stop().then(() => process.exit(0)); } }, 20);
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    assert.equal(signal, null);
    assert.equal(code, 0);
  });
});

describe('serve circuit breaker: a rule that keeps hitting its limits is answered fast and shown in /metrics', { timeout: 120_000 }, () => {
  let dir = '';
  let serve: ServeProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-breaker-'));
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'loop.lua'), '---@category loop\nwhile context.forever do end\nreturn { decision = "escalated", confidence = 0.1, reasoning = "done" }\n');
    // A rule whose error message carries terminal escapes, a C1 CSI and a bidi override.
    writeFileSync(join(dir, 'rules', 'noisy.lua'), '---@category noisy\nif context.boom then error("bad\\27[31m\\194\\155\\226\\128\\174 text") end\nreturn { decision = "escalated", confidence = 0.1, reasoning = "ok" }\n');
    serve = await startServe(['--seed', 'rules', '--instructions', '10000000000', '--request-time-ms', '200', '--breaker-failures', '3', '--breaker-cooldown-ms', '60000', '--decision-log', 'off'], { cwd: dir, timeoutMs: 60_000 });
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three time-limits open it; then answers are immediate, with the same code and a reason', async () => {
    for (let i = 0; i < 3; i++) assert.equal(((await post(`${serve.base}/v1/rules/loop/evaluate`, '{"forever": true}')).json['error'] as { code: string }).code, 'time-limit');
    const started = performance.now();
    const fast = await post(`${serve.base}/v1/rules/loop/evaluate`, '{"forever": true}');
    const ms = performance.now() - started;
    const error = fast.json['error'] as { code: string; message: string };
    assert.equal(error.code, 'time-limit');
    assert.match(error.message, /circuit open: the rule hit its limits 3 times in a row/);
    assert.ok(ms < 150, `took ${ms} ms`);
    const metrics = await (await fetch(`${serve.base}/metrics`)).text();
    assert.match(metrics, /^lua_rules_circuit_open\{rule="loop"\} 1$/m);
    assert.match(metrics, /^lua_rules_circuit_opened_total\{rule="loop"\} 1$/m);
    assert.match(metrics, /^lua_rules_circuit_short_circuits_total\{rule="loop"\} 1$/m);
  });

  it('log lines escape the text a rule chose (ESC, C1, bidi) and stay valid JSON', async () => {
    const failed = await post(`${serve.base}/v1/rules/noisy/evaluate`, '{"boom": true}');
    assert.equal((failed.json['error'] as { code: string }).code, 'runtime-error');
    await new Promise((r) => setTimeout(r, 300));
    const lines = serve.stdout().trim().split('\n');
    const line = lines.find((l) => l.includes('noisy') && l.includes('bad'));
    assert.ok(line, serve.stdout());
    assert.doesNotMatch(line, /[\u001b\u009b\u202e]/);
    assert.match(JSON.parse(line).msg as string, /bad\u001b\[31m\u009b\u202e text/);
  });
});

describe('serve overload: waiting evaluations are bounded (--max-pending)', { timeout: 120_000 }, () => {
  let dir = '';
  let serve: ServeProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-overload-'));
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'rules', 'loop.lua'), '---@category loop\nwhile context.forever do end\nreturn { decision = "escalated", confidence = 0.1, reasoning = "done" }\n');
    serve = await startServe(['--seed', 'rules', '--instructions', '10000000000', '--request-time-ms', '300', '--breaker-failures', '0', '--max-pending', '2', '--decision-log', 'off'], { cwd: dir, timeoutMs: 60_000 });
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('past the bound, requests are answered 503 overloaded at once with Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(`${serve.base}/v1/evaluate/loop`, '{"forever": true}').catch(() => null)));
    const codes = answers.map((a) => (a ? `${a.status}:${(a.json['error'] as { code: string }).code}` : 'failed'));
    assert.ok(codes.includes('503:overloaded'), codes.join(' '));
    assert.ok(codes.includes('200:time-limit'), codes.join(' '));
    const overloaded = answers.find((a) => a?.status === 503);
    assert.equal(overloaded?.headers.get('retry-after'), '1');
    // And it recovers.
    assert.equal((await post(`${serve.base}/v1/evaluate/loop`, '{}')).status, 200);
  });
});
