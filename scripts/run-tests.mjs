#!/usr/bin/env node
// Runs every test file under test/ (TypeScript, through tsx) with Node's own test runner.
// Node 20 does not expand globs for --test, so the files are listed here.
// Usage: node scripts/run-tests.mjs [--unit] [substring-filter...]
//   --unit: the fast lane (`npm run test:unit`): no editor end-to-end tests (test/e2e)
//   and no PostgreSQL (its suites are skipped through LUA_RULES_TEST_LANE=unit,
//   test/store/pg-harness.ts). `npm test` runs everything.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const unit = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((arg) => arg !== '--unit');
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures-data') continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(relative(root, path));
  }
};
walk(join(root, 'test'));
const selected = files
  .sort()
  .filter((f) => !(unit && f.startsWith('test/e2e/')))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...selected], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LUA_RULES_REPO_ROOT: root, ...(unit ? { LUA_RULES_TEST_LANE: 'unit' } : {}) },
});
process.exit(result.status ?? 1);
