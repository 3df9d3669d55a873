import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cli, REPO } from './cli-harness';
import { redactStoreUrl, redactText, secretsOfUrl } from '../../store/src/store-url';

/**
 * Every URL shape we could think of that carries a secret, through every command that
 * takes a store, by flag and by LUA_RULES_STORE: the secret never reaches stdout or
 * stderr. The hosts are 127.0.0.1 port 1 (nothing listens) or do not parse at all.
 */
const SECRET = 'S3cr3tXyZ';
const SHAPES = [
  `postgres://alice:${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa/ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa#ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa?ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa@ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa%40ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa"ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa'ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:pa\\ss-${SECRET}@127.0.0.1:1/db`,
  `postgres://alice:${SECRET}@127.0.0.1:99999/db`,
  `postgres://alice:${SECRET}@:1/db`,
  `postgresql://alice:${SECRET}@127.0.0.1:1/db?sslmode=disable`,
  `postgres://127.0.0.1:1/db?sslpassword=${SECRET}`,
  `postgres://127.0.0.1:1/db?user=a&password=${SECRET}&x=1`,
  `postgres://127.0.0.1:1/db?PASSWORD=${SECRET}#frag`,
  `postgres:alice:${SECRET}@127.0.0.1:1/db`,
  `mysql://alice:${SECRET}@127.0.0.1:1/db`,
  `  postgres://alice:${SECRET}@127.0.0.1:1/db  `,
];
const COMMANDS: string[][] = [
  ['publish', 'rules/epic_wsjf_validation.lua', '--author', 'me'],
  ['history', 'epic_wsjf_validation'],
  ['rollback', 'epic_wsjf_validation', '--to', '1', '--author', 'me'],
  ['approve', 'epic_wsjf_validation', '--version', '1', '--author', 'me'],
  ['migrate'],
  // Issue 13 (h13-shadow): shadow runs.
  ['publish', 'rules/epic_wsjf_validation.lua', '--shadow', '--author', 'me'],
  ['shadow', 'epic_wsjf_validation'],
  ['shadow', 'epic_wsjf_validation', '--promote', '--author', 'me'],
  ['shadow', 'epic_wsjf_validation', '--stop', '--author', 'me'],
];

function assertClean(text: string, what: string): void {
  assert.ok(!text.includes(SECRET), `${what} leaked the secret: ${text}`);
}

describe('secrets: redacted from every message whatever the URL looks like', () => {
  for (const shape of SHAPES) {
    it(`redactStoreUrl and redactText hide it: ${shape}`, () => {
      assertClean(redactStoreUrl(shape), 'redactStoreUrl');
      assertClean(redactText(`failed for "${shape}": boom`, secretsOfUrl(shape)), 'redactText with its secrets');
    });
  }
  it('every store command, by flag and by LUA_RULES_STORE', { timeout: 120_000 }, async () => {
    for (const shape of SHAPES) {
      for (const command of COMMANDS) {
        const byFlag = await cli([...command, '--store', shape]);
        assertClean(byFlag.stdout + byFlag.stderr, `${command[0]} --store ${shape}`);
        assert.notEqual(byFlag.code, 0);
        assert.ok(byFlag.stderr.trim().split('\n').length <= 2, byFlag.stderr);
        const byEqualsFlag = await cli([...command, `--store=${shape}`]);
        assertClean(byEqualsFlag.stdout + byEqualsFlag.stderr, `${command[0]} --store=${shape}`);
        const byEnv = await cli(command, { env: { LUA_RULES_STORE: shape } });
        assertClean(byEnv.stdout + byEnv.stderr, `${command[0]} with LUA_RULES_STORE=${shape}`);
      }
    }
  });
  it('serve, by flag and by LUA_RULES_STORE (the real binary: logs and stderr)', { timeout: 120_000 }, async () => {
    for (const shape of SHAPES.slice(0, 8)) {
      for (const viaEnv of [false, true]) {
        const out = await new Promise<string>((resolve) => {
          const child = spawn(process.execPath, [join(REPO, 'cli', 'bin', 'lua-rules.js'), 'serve', '--port', '0', ...(viaEnv ? [] : ['--store', shape])], { cwd: REPO, env: { ...process.env, LUA_RULES_STORE: viaEnv ? shape : '' } });
          let text = '';
          child.stdout.on('data', (d: Buffer) => (text += d.toString()));
          child.stderr.on('data', (d: Buffer) => (text += d.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          child.on('close', () => {
            clearTimeout(timer);
            resolve(text);
          });
        });
        assertClean(out, `serve ${viaEnv ? 'LUA_RULES_STORE=' : '--store '}${shape}`);
        assert.match(out, /lua-rules/);
      }
    }
  });
});
