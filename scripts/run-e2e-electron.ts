/**
 * The same extension-host suite (test/e2e/suite) under desktop VS Code, through
 * @vscode/test-electron. It downloads VS Code, so it runs only where that is
 * possible (a developer's laptop); on the CI machines the suite runs under
 * code-server instead (test/e2e/extension.e2e.test.ts). Here the server runs on
 * `node` from PATH while the extension host is Electron: the setup that
 * `luaRules.runtime` exists for.
 *
 * Usage: npm run test:e2e:electron   (LUA_RULES_TEST_PG_URL or local PostgreSQL binaries for the PostgreSQL test)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runTests } from '@vscode/test-electron';
import { build } from 'esbuild';
import { startPostgres } from '../test/store/pg-harness';

async function main(): Promise<number> {
  const repo = join(__dirname, '..');
  const bundled = spawnSync(process.execPath, [join(repo, 'scripts/bundle.mjs')], { stdio: 'inherit' });
  if (bundled.status !== 0) return bundled.status ?? 1;
  const testsOut = join(repo, 'out', 'e2e', 'suite', 'index.js');
  await build({ entryPoints: [join(repo, 'test/e2e/suite/index.ts')], outfile: testsOut, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], sourcemap: 'inline', logLevel: 'warning' });
  const scratch = mkdtempSync(join(tmpdir(), 'lua-rules-e2e-electron-'));
  const workspace = join(scratch, 'workspace');
  cpSync(join(repo, 'test/e2e/workspace'), workspace, { recursive: true });
  const pg = await startPostgres();
  try {
    await runTests({
      version: process.env['LUA_RULES_E2E_VSCODE_VERSION'] ?? 'stable',
      extensionDevelopmentPath: repo,
      extensionTestsPath: testsOut,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(scratch, 'user-data')],
      extensionTestsEnv: { LUA_RULES_E2E_PG_URL: await pg.createDatabase() },
    });
    return 0;
  } catch (e) {
    console.error(`e2e (electron): ${(e as Error).message}`);
    return 1;
  } finally {
    await pg.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`e2e (electron): ${(e as Error).message}`);
    process.exit(1);
  },
);
