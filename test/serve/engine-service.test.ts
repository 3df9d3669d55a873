/**
 * The engine service as a library (service/src/engine-service.ts), in this process:
 * what `lua-rules serve` does through flags, a program does through
 * `startEngineService(options)` and the handle's `stop()`. The seed goes through the
 * same `publishFiles()` as `lua-rules publish`, so it refuses what publish refuses.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../cli/cli-harness';
import { openStore } from '../../store/src';
import { EngineServiceError, startEngineService, type EngineServiceHandle, type EngineServiceOptions } from '../../service/src/engine-service';
import { post } from './serve-process';
import { serviceOptions } from './service-options';

function options(dir: string, overrides: Partial<EngineServiceOptions> = {}): EngineServiceOptions & { lines: string[] } {
  const url = `sqlite:${join(dir, 'rules.db')}`;
  const lines: string[] = [];
  return {
    ...serviceOptions(openStore(url, { cwd: dir }), url, dir, {
      decisionLog: true,
      heartbeatIntervalMs: 5000,
      requestTimeMs: 500,
      breakerFailures: 5,
      graceMs: 2000,
      stderr: (text) => void lines.push(text),
      ...overrides,
    }),
    lines,
  };
}

describe('startEngineService', () => {
  let dir: string;
  let service: EngineServiceHandle | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-engine-service-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  });
  after(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds an empty store through publishFiles, serves, and stops with its handle', async () => {
    const opts = options(dir, { seed: 'rules' });
    service = await startEngineService(opts);
    assert.match(opts.lines.join(''), /publishing the 3 rules of rules\n[\s\S]*published epic_wsjf_validation version 1 \(live\)/);
    assert.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(service.port > 0);
    const { status, json } = await post(`${service.url}/v1/evaluate/epic`, '{"epic_id": "e-1", "metrics": {"wsjf_score": 60, "business_value": 80, "job_size": 30}}');
    assert.equal(status, 200);
    assert.equal(json['rule'], 'epic_wsjf_validation');

    // A second service cannot take the same port: one line, and its store is closed.
    const busy = options(dir, { port: service.port });
    await assert.rejects(startEngineService(busy), (e: unknown) => e instanceof EngineServiceError && /cannot listen on 127\.0\.0\.1:\d+: the port is in use/.test(e.message));
    await assert.rejects(busy.store.listRules());

    const stopping = service.stop('test');
    assert.equal(service.stop('again'), stopping, 'stop() is idempotent');
    await stopping;
    await assert.rejects(fetch(`${service.url}/healthz`));
    service = undefined;
  });

  it('refuses to start when the seed has a rule its fixtures fail, and publishes none of them', async () => {
    const seedDir = mkdtempSync(join(dir, 'seed-'));
    cpSync(join(REPO, 'rules'), seedDir, { recursive: true });
    // The example's fixtures expect "autonomous" for a high WSJF score; this rule says otherwise.
    writeFileSync(join(seedDir, 'epic_wsjf_validation.lua'), '---@category epic\nreturn { decision = "escalated", confidence = 0.5, reasoning = "always" }\n');
    const fresh = mkdtempSync(join(dir, 'store-'));
    const opts = options(fresh, { seed: seedDir });
    await assert.rejects(startEngineService(opts), (e: unknown) => e instanceof EngineServiceError && /publishing the rules of .* failed/.test(e.message));
    assert.match(opts.lines.join(''), /✗ .*epic_wsjf_validation.lua: epic_wsjf_validation not published/);
    const check = openStore(`sqlite:${join(fresh, 'rules.db')}`, { cwd: fresh });
    try {
      assert.deepEqual(await check.listRules(), []);
    } finally {
      await check.close();
    }
  });

  it('a seed folder that does not exist is refused before anything starts', async () => {
    const opts = options(mkdtempSync(join(dir, 'none-')), { seed: 'no-such-folder' });
    await assert.rejects(startEngineService(opts), /--seed folder not found: no-such-folder/);
  });
});
