import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs } from '../args';
import { projectFiles } from '../init/project-files';
import { findRulesFolders, LualsError, luarcPath, planLualsFiles, writeFileAtomic } from '../../../core/src/luals/configure-project';
import { describeWritten } from './luals';

const HELP = `Usage: lua-rules init [DIR] [--force]

Creates a new rules project in DIR (default: the current folder; created when missing):

  rules/order_approval.lua             an example rule
  rules/order_approval.fixtures.json   its fixtures (lua-rules test runs them)
  rules/context.schema.json            the shape of \`context\`: edit it for your data
  rules/.luals/lua-rules.lua, .luarc.json
                                       the Lua language server set up for the rules
                                       (as lua-rules luals writes them)
  .vscode/extensions.json              recommends the Lua Rules extension
  .gitignore                           ignores the local store (.lua-rules/)
  README.md                            how to test, run and publish

It never overwrites: when any of these files exists it stops, names them and
changes nothing. --force replaces them (an existing .luarc.json is merged, keeping
your own settings).

Then: cd DIR && npx lua-rules test rules/ && npx lua-rules check rules/

Exit codes: 0 created; 2 files exist (without --force) or DIR is not a folder.`;

export const initCommand: Command = {
  name: 'init',
  summary: 'create a new rules project: an example rule, fixtures, schema, editor set-up',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('init', argv, { force: { type: 'boolean', short: 'f' } });
    const [dir = '.', ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`init: one project folder at a time, got also: ${extra.join(' ')}`);
    const project = resolve(io.cwd, dir);
    if (existsSync(project) && !statSync(project).isDirectory()) throw new UsageError(`init: ${dir} exists and is not a folder`);
    const force = booleanFlag(args, 'force');

    const template = [...projectFiles()].map(([path, text]) => ({ path: join(project, ...path.split('/')), text }));
    const rulesDir = join(project, 'rules');
    const rc = luarcPath(project);
    const existing = [...template.map((f) => f.path), join(rulesDir, '.luals', 'lua-rules.lua'), rc].filter((path) => existsSync(path));
    if (existing.length > 0 && !force) {
      const names = existing.map((path) => relative(io.cwd, path) || path).join(', ');
      throw new UsageError(`init: not overwriting existing files: ${names}; use --force to replace them`);
    }
    // A file where a folder must go (`rules` as a file) would stop the writing half-way: refuse first.
    for (const path of [...template.map((f) => f.path), join(rulesDir, '.luals', 'lua-rules.lua')]) {
      for (let parent = dirname(path); parent.startsWith(project + sep); parent = dirname(parent)) {
        if (existsSync(parent) && !statSync(parent).isDirectory()) throw new UsageError(`init: ${relative(io.cwd, parent)} is a file where init needs a folder; move it away first`);
      }
    }
    const write = (path: string, text: string): void => {
      try {
        writeFileAtomic(path, text);
      } catch (error) {
        throw new UsageError(`init: cannot write ${relative(io.cwd, path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    };
    for (const file of template) write(file.path, file.text);
    // The LuaLS files are made from the schema just written, for the rules folder only
    // (other folders of an existing project are for 'lua-rules luals' to find).
    let lualsFiles;
    try {
      lualsFiles = planLualsFiles(project, { folders: findRulesFolders(rulesDir) });
    } catch (error) {
      if (error instanceof LualsError) throw new UsageError(`init: ${error.message}`);
      throw error;
    }
    for (const file of lualsFiles) write(file.path, file.text);
    io.stdout(template.map((f) => `wrote ${relative(io.cwd, f.path)}\n`).join('') + describeWritten(lualsFiles.map((f) => ({ ...f, changed: true })), io.cwd));
    const shown = relative(io.cwd, project);
    io.stdout(`\nNext: ${shown ? `cd ${shown} && ` : ''}npx lua-rules test rules/ && npx lua-rules check rules/\n`);
    return EXIT.ok;
  },
};
