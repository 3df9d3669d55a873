import { relative, resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs } from '../args';
import { configureLuals, LualsError, planLualsFiles } from '../../../core/src/luals/configure-project';
import type { PlannedFile } from '../../../core/src/luals/configure-project';

const HELP = `Usage: lua-rules luals [DIR] [--check]

Sets a project up for the Lua language server (LuaLS: the sumneko.lua VS Code
extension, lua_ls in Neovim), so it agrees with the rule sandbox:

  <rules>/.luals/lua-rules.lua   a LuaCATS ---@meta library for each rules folder (a
                                 folder with a context.schema.json): \`context\` typed
                                 from the schema, the RuleResult contract, and exactly
                                 the globals and library functions the sandbox keeps
  .luarc.json                    Lua 5.3, LuaLS's own libraries off (so io, os,
                                 require... are undefined, as in the sandbox), the
                                 meta folders on workspace.library, \`context\` known

DIR is the project (the folder LuaLS opens as its workspace); default: the current
folder. An existing .luarc.json (or .luarc.jsonc) is merged: your other settings,
comments and formatting stay. Run it again after changing a context schema (the
Lua Rules VS Code extension does that by itself once you accept its offer).

  --check   write nothing; list the files that are out of date and exit 1 if any
            is (for CI, when the definitions are committed)

Exit codes: 0 written or already up to date; 1 out of date (--check); 2 no rules
folder, a broken schema or .luarc.json (nothing is written then).`;

export function describeWritten(files: PlannedFile[], cwd: string): string {
  return files.map((f) => `${f.changed ? 'wrote' : 'up to date'} ${relative(cwd, f.path) || f.path}\n`).join('');
}

export const lualsCommand: Command = {
  name: 'luals',
  summary: 'write LuaLS definitions and .luarc.json from the context schema and the sandbox',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('luals', argv, { check: { type: 'boolean' } });
    const [dir = '.', ...extra] = args.positionals;
    if (extra.length > 0) throw new UsageError(`luals: one project folder at a time, got also: ${extra.join(' ')}`);
    const project = resolve(io.cwd, dir);
    let isDir = false;
    try {
      isDir = statSync(project).isDirectory();
    } catch {
      throw new UsageError(`luals: no such folder: ${dir}`);
    }
    if (!isDir) throw new UsageError(`luals: ${dir} is not a folder (give the project folder)`);
    try {
      if (booleanFlag(args, 'check')) {
        const planned = planLualsFiles(project);
        io.stdout(planned.map((f) => `${f.changed ? 'out of date' : 'up to date'} ${relative(io.cwd, f.path) || f.path}\n`).join(''));
        const stale = planned.filter((f) => f.changed).length;
        if (stale > 0) io.stderr(`lua-rules: luals: ${stale} file${stale === 1 ? ' is' : 's are'} out of date; run 'lua-rules luals${dir === '.' ? '' : ` ${dir}`}'\n`);
        return stale > 0 ? EXIT.failures : EXIT.ok;
      }
      io.stdout(describeWritten(configureLuals(project), io.cwd));
    } catch (error) {
      if (error instanceof LualsError) throw new UsageError(`luals: ${error.message}`);
      throw error;
    }
    return EXIT.ok;
  },
};
