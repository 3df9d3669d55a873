import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { binary, cli, REPO } from './cli-harness';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lua-rules-init-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under a folder, relative, sorted. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

const INIT_FILES = [
  '.gitignore',
  '.luarc.json',
  '.vscode/extensions.json',
  'README.md',
  'rules/.luals/lua-rules.lua',
  'rules/context.schema.json',
  'rules/order_approval.fixtures.json',
  'rules/order_approval.lua',
];

describe('lua-rules init', () => {
  it('makes a project in an empty folder where lua-rules test and check pass (the real binary)', () => {
    const project = join(dir, 'fresh');
    const init = binary(['init', project]);
    assert.equal(init.code, 0, init.stderr);
    assert.equal(init.stderr, '');
    assert.deepEqual(tree(project), INIT_FILES);
    assert.match(init.stdout, /Next: cd .*fresh && npx lua-rules test rules\/ && npx lua-rules check rules\/\n$/);

    const test = binary(['test', 'rules/'], { cwd: project });
    assert.equal(test.code, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /\n4 passed, 0 failed\n$/);
    const check = binary(['check', 'rules/', '--strict'], { cwd: project });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.equal(check.stdout, 'no problems in 2 files\n');
    // With no paths too, from the project root: the generated meta in rules/.luals is not taken for a rule.
    assert.equal(binary(['test'], { cwd: project }).code, 0);
    assert.equal(binary(['check', '--strict'], { cwd: project }).code, 0);

    const extensions = JSON.parse(readFileSync(join(project, '.vscode', 'extensions.json'), 'utf8')) as { recommendations: string[] };
    assert.ok(extensions.recommendations.includes('lua-rules.lua-rules'));
    assert.match(readFileSync(join(project, '.gitignore'), 'utf8'), /^\.lua-rules\/$/m);
    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    for (const section of ['## Test', '## Run', '## Publish', 'lua-rules test', 'lua-rules publish']) assert.ok(readme.includes(section), section);
    const rc = JSON.parse(readFileSync(join(project, '.luarc.json'), 'utf8')) as { workspace: { library: string[] }; runtime: { version: string } };
    assert.deepEqual(rc.workspace.library, ['rules/.luals']);
    assert.equal(rc.runtime.version, 'Lua 5.3');
    assert.match(readFileSync(join(project, 'rules', '.luals', 'lua-rules.lua'), 'utf8'), /---@alias Context\.customer\.tier\n---\| "gold"/);
  });

  it('creates a missing folder, and defaults to the current folder', async () => {
    const nested = join(dir, 'a', 'b');
    assert.equal((await cli(['init', nested])).code, 0);
    assert.deepEqual(tree(nested), INIT_FILES);
    const here = join(dir, 'here');
    mkdirSync(here);
    const run = await cli(['init'], { cwd: here });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(tree(here), INIT_FILES);
    assert.match(run.stdout, /^wrote README\.md\n/);
  });

  it('refuses to overwrite: exit 2, one line naming the existing files, nothing changed', async () => {
    const project = join(dir, 'existing');
    mkdirSync(join(project, 'rules'), { recursive: true });
    writeFileSync(join(project, 'README.md'), '# mine\n');
    writeFileSync(join(project, 'rules', 'context.schema.json'), '{"mine": true}');
    const run = await cli(['init', project], { cwd: dir });
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, 'lua-rules: init: not overwriting existing files: existing/README.md, existing/rules/context.schema.json; use --force to replace them\n');
    assert.deepEqual(tree(project), ['README.md', 'rules/context.schema.json']);
    assert.equal(readFileSync(join(project, 'README.md'), 'utf8'), '# mine\n');
  });

  it('--force replaces the template files and merges an existing .luarc.json', async () => {
    const project = join(dir, 'forced');
    mkdirSync(project);
    writeFileSync(join(project, 'README.md'), '# mine\n');
    writeFileSync(join(project, '.luarc.json'), '{\n  // mine\n  "hint.enable": true\n}\n');
    assert.equal((await cli(['init', project])).code, 2);
    const run = await cli(['init', project, '--force']);
    assert.equal(run.code, 0, run.stderr);
    assert.notEqual(readFileSync(join(project, 'README.md'), 'utf8'), '# mine\n');
    const rc = readFileSync(join(project, '.luarc.json'), 'utf8');
    assert.match(rc, /\/\/ mine/);
    assert.equal((parseJsonc(rc) as Record<string, unknown>)['hint.enable'], true);
  });

  it('bad usage is one line and exit 2', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    mkdirSync(join(dir, 'rules-is-a-file'));
    writeFileSync(join(dir, 'rules-is-a-file', 'rules'), 'x');
    for (const [argv, message] of [
      [['init', join(dir, 'a-file')], /init: .*a-file exists and is not a folder/],
      [['init', 'x', 'y'], /init: one project folder at a time/],
      [['init', '--forse'], /init: unknown flag '--forse' \(did you mean '--force'\?\)/],
      [['init', 'rules-is-a-file', '--force'], /init: rules-is-a-file\/rules is a file where init needs a folder; move it away first/],
    ] as [string[], RegExp][]) {
      const run = await cli(argv, { cwd: dir });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
    assert.deepEqual(tree(join(dir, 'rules-is-a-file')), ['rules'], 'nothing written half-way');
  });

  it('--help', async () => {
    const run = await cli(['init', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: lua-rules init \[DIR\] \[--force\]/);
  });
});

describe('lua-rules luals', () => {
  it('writes the meta and .luarc.json for a copy of the example project, then reports them up to date', async () => {
    const project = join(dir, 'example');
    cpSync(join(REPO, 'rules'), join(project, 'rules'), { recursive: true });
    const first = await cli(['luals', project], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'wrote example/rules/.luals/lua-rules.lua\nwrote example/.luarc.json\n');
    assert.equal(readFileSync(join(project, 'rules', '.luals', 'lua-rules.lua'), 'utf8'), readFileSync(join(REPO, 'test', 'core', 'expected', 'rules-context.meta.lua'), 'utf8'));
    const second = await cli(['luals'], { cwd: project });
    assert.equal(second.stdout, 'up to date rules/.luals/lua-rules.lua\nup to date .luarc.json\n');
  });

  it('--check writes nothing and exits 1 while the files are out of date', async () => {
    const project = join(dir, 'check');
    cpSync(join(REPO, 'rules'), join(project, 'rules'), { recursive: true });
    const stale = await cli(['luals', '--check'], { cwd: project });
    assert.equal(stale.code, 1);
    assert.equal(stale.stdout, 'out of date rules/.luals/lua-rules.lua\nout of date .luarc.json\n');
    assert.equal(stale.stderr, "lua-rules: luals: 2 files are out of date; run 'lua-rules luals'\n");
    assert.equal(existsSync(join(project, '.luarc.json')), false);
    await cli(['luals'], { cwd: project });
    const fresh = await cli(['luals', '--check'], { cwd: project });
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(fresh.stdout, 'up to date rules/.luals/lua-rules.lua\nup to date .luarc.json\n');
  });

  it('merges into an existing .luarc.json, keeping the user\'s settings', async () => {
    const project = join(dir, 'merge');
    cpSync(join(REPO, 'rules'), join(project, 'rules'), { recursive: true });
    writeFileSync(join(project, '.luarc.json'), '{\n  "diagnostics.globals": ["vim"],\n  "format.enable": false\n}\n');
    assert.equal((await cli(['luals', project])).code, 0);
    const rc = JSON.parse(readFileSync(join(project, '.luarc.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(rc['diagnostics.globals'], ['vim', 'context']);
    assert.equal(rc['format.enable'], false);
  });

  it('regenerates after a schema change', async () => {
    const project = join(dir, 'change');
    cpSync(join(REPO, 'rules'), join(project, 'rules'), { recursive: true });
    await cli(['luals', project]);
    const schemaPath = join(project, 'rules', 'context.schema.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { properties: Record<string, unknown> };
    schema.properties['region'] = { enum: ['eu', 'us'] };
    writeFileSync(schemaPath, JSON.stringify(schema));
    const run = await cli(['luals', project], { cwd: project });
    assert.equal(run.stdout, 'wrote rules/.luals/lua-rules.lua\nup to date .luarc.json\n');
    assert.match(readFileSync(join(project, 'rules', '.luals', 'lua-rules.lua'), 'utf8'), /---@field region\? Context\.region\n[\s\S]*---@alias Context\.region\n---\| "eu"\n---\| "us"\n/);
  });

  it('bad input is one line, exit 2, and nothing written', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const brokenSchema = join(dir, 'broken-schema');
    mkdirSync(brokenSchema);
    writeFileSync(join(brokenSchema, 'context.schema.json'), '{"type": ');
    const brokenRc = join(dir, 'broken-rc');
    cpSync(join(REPO, 'rules'), join(brokenRc, 'rules'), { recursive: true });
    writeFileSync(join(brokenRc, '.luarc.json'), '{"runtime": 5.3}');
    for (const [argv, message] of [
      [['luals', empty], /luals: no rules folder under .*empty: no context\.schema\.json and no \*\.lua or \*\.rule\.json rules/],
      [['luals', brokenSchema], /luals: the context schema .*context\.schema\.json is not valid JSON/],
      [['luals', brokenRc], /luals: \.luarc\.json: "runtime" must be an object/],
      [['luals', join(dir, 'nope')], /luals: no such folder: /],
      [['luals', join(REPO, 'package.json')], /luals: .*package\.json is not a folder/],
      [['luals', '--out', 'x'], /luals: unknown flag '--out'/],
    ] as [string[], RegExp][]) {
      const run = await cli(argv);
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
    assert.deepEqual(tree(empty), []);
    assert.deepEqual(tree(brokenSchema), ['context.schema.json']);
    assert.equal(existsSync(join(brokenRc, 'rules', '.luals')), false);
    assert.equal(readFileSync(join(brokenRc, '.luarc.json'), 'utf8'), '{"runtime": 5.3}');
  });

  it('--help, and both commands are listed', async () => {
    const run = await cli(['luals', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: lua-rules luals \[DIR\]/);
    const list = await cli(['--help']);
    assert.match(list.stdout, /\n {2}init +create a new rules project/);
    assert.match(list.stdout, /\n {2}luals +write LuaLS definitions/);
  });
});
