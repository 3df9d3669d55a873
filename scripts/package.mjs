#!/usr/bin/env node
// Packages the extension for ONE target platform (`vsce package --target`): the .vsix
// carries better-sqlite3's native addon, built by `npm install` for this machine's
// platform, CPU and Node ABI, so it must say which platform it is for, and VS Code
// refuses to install it elsewhere instead of failing later in the store.
//   node scripts/package.mjs                 this machine's target (e.g. linux-x64) → lua-rules.vsix
//   node scripts/package.mjs --target T      refuses unless T is this machine's target: build the
//                                            other targets on their own machines (docs/extension.md)
// dist/native-target.json records what the addon was built for; the server names it
// when the addon does not load.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** VS Code's name for this machine: linux-x64, alpine-arm64, darwin-arm64, win32-x64, ... */
function hostTarget() {
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  if (process.platform === 'linux') {
    const musl = existsSync('/etc/alpine-release') || !process.report?.getReport?.().header?.glibcVersionRuntime;
    return `${musl ? 'alpine' : 'linux'}-${arch}`;
  }
  return `${process.platform}-${arch}`;
}

const args = process.argv.slice(2);
const asked = args.includes('--target') ? args[args.indexOf('--target') + 1] : undefined;
const target = hostTarget();
if (asked !== undefined && asked !== target) {
  console.error(`package: this machine builds ${target} (better-sqlite3 is compiled here by npm install); build ${asked} on a ${asked} machine with Node ${process.versions.node.split('.')[0]} (see docs/extension.md, "One .vsix per platform")`);
  process.exit(2);
}
execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs'), '--production'], { stdio: 'inherit' });
const built = { target, platform: process.platform, arch: process.arch, node: process.version, modules: process.versions.modules };
writeFileSync(join(root, 'dist', 'native-target.json'), JSON.stringify(built, null, 2) + '\n');
const vsce = join(root, 'node_modules', '.bin', 'vsce');
const out = spawnSync(vsce, ['package', '--target', target, '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', 'lua-rules.vsix'], { cwd: root, stdio: 'inherit' });
if (out.status !== 0) process.exit(out.status ?? 1);
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
console.log(`package: lua-rules.vsix (lua-rules ${version}, ${target}, better-sqlite3 for Node ABI ${process.versions.modules} / ${process.version})`);
