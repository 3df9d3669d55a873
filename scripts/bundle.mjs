#!/usr/bin/env node
// Bundles the VS Code extension with esbuild into dist/:
//   dist/extension.js      the client (runs in the extension host; `vscode` is external)
//   dist/server.js         the language server (runs on luaRules.runtime)
//   dist/fixture-worker.js the server's fixture thread (found beside server.js)
//   dist/node_modules/     better-sqlite3 (native, cannot be bundled) and its two
//                          small dependencies, for the server's SQLite store
// Usage: node scripts/bundle.mjs [--production]   (--production: minified, no source maps)
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const production = process.argv.includes('--production');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  // The store loads better-sqlite3's native addon at run time; pg-native is an optional pg backend we do not use.
  // tsx/cjs: only resolved when the server runs from its TypeScript sources (tests).
  external: ['vscode', 'better-sqlite3', 'pg-native', 'tsx/cjs'],
  // jsonc-parser's UMD main requires its modules dynamically; its ESM build bundles.
  mainFields: ['module', 'main'],
};

await Promise.all([
  build({ ...common, entryPoints: [join(root, 'client/src/extension.ts')], outfile: join(dist, 'extension.js') }),
  build({ ...common, entryPoints: [join(root, 'server/src/stdio.ts')], outfile: join(dist, 'server.js') }),
  build({ ...common, entryPoints: [join(root, 'server/src/fixture-worker.ts')], outfile: join(dist, 'fixture-worker.js') }),
]);

// better-sqlite3: its JS, the compiled addon (for the Node ABI of the machine that
// ran `npm install`), and what it requires to find the addon.
const modules = join(dist, 'node_modules');
const copy = (pkg, files) => {
  for (const file of files) {
    const from = join(root, 'node_modules', pkg, file);
    const to = join(modules, pkg, file);
    mkdirSync(join(to, '..'), { recursive: true });
    cpSync(from, to, { recursive: true });
  }
};
copy('better-sqlite3', ['package.json', 'LICENSE', 'lib', 'build/Release/better_sqlite3.node']);
copy('bindings', ['package.json', 'LICENSE.md', 'bindings.js']);
copy('file-uri-to-path', ['package.json', 'LICENSE', 'index.js']);
console.log(`bundle: dist/ written${production ? ' (production)' : ''}`);
