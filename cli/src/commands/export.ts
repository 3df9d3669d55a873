import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs } from '../args';
import { conflictsOf, planExport, writeExport } from '../../../service/src/export-rules';
import { STORE_FLAGS, STORE_HELP, requiredFlag, storeUrl, withStore } from './store-common';
import { displayText } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules export --store URL --out DIR [--force]

Writes the live version of every rule in the store, with everything it carries,
as files that 'lua-rules publish DIR' accepts: <name>.lua or <name>.rule.json (its
content and settings), <name>.fixtures.json, and the context schema its checks ran
against (context.schema.json or context.<category>.schema.json). Keep a store in
git, or re-create it elsewhere: publishing the folder gives the same checksums,
settings, fixtures and schemas. A rule whose schema differs from the one written
for the others goes in a folder of its own, DIR/<name>/, with its schema.

Files that already hold the same content are left alone. A file that exists with
other content (or a fixtures file for a version that has none) is a conflict: then
nothing is written and each conflict is listed, unless --force overwrites them.
Other files in DIR are never touched. Disabled rules are exported too (the files
do not carry the switch); rules with only pending versions are not.

Options:
  --out DIR           the folder to write (created when missing)
  --force             overwrite files that differ from the store
${STORE_HELP}

A version whose settings are not all in its Lua header (stored through the API,
not from a file) cannot be written so that it publishes back the same: export then
names it and writes nothing.

Exit codes: 0 exported; 1 files differ (nothing written), a version the files
cannot reproduce, or the store could not be reached; 2 bad usage, a bad URL, or
DIR is not a folder.`;

export const exportCommand: Command = {
  name: 'export',
  summary: 'write every live rule and its fixtures as files publish accepts',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('export', argv, { ...STORE_FLAGS, out: { type: 'string' }, force: { type: 'boolean' } });
    if (args.positionals.length > 0) throw new UsageError(`export: unexpected '${args.positionals[0]}'; usage: lua-rules export --store URL --out DIR`);
    const out = resolve(io.cwd, requiredFlag('export', args, 'out', 'DIR'));
    try {
      if (!statSync(out).isDirectory()) throw new UsageError(`export: --out ${relative(io.cwd, out) || out} is a file, not a folder`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const force = booleanFlag(args, 'force');
    const url = storeUrl('export', args, io);
    const shown = relative(io.cwd, out) || '.';
    return withStore(
      'export',
      url,
      io,
      async (store) => {
        const plan = await planExport(store, out);
        if (plan.unfaithful.length > 0) {
          // Not a file conflict --force could settle: the files would publish as something else.
          for (const line of plan.unfaithful) io.stderr(`lua-rules export: ${displayText(line)}\n`);
          io.stderr(`lua-rules export: nothing written: ${plan.unfaithful.length} rule${plan.unfaithful.length === 1 ? '' : 's'} would not publish back as stored\n`);
          return EXIT.failures;
        }
        const conflicts = conflictsOf(plan);
        if (conflicts.length > 0 && !force) {
          for (const name of conflicts) io.stderr(`lua-rules export: ${displayText(`${shown}/${name}`)} differs from the store\n`);
          io.stderr(`lua-rules export: nothing written: ${conflicts.length} file${conflicts.length === 1 ? '' : 's'} would be overwritten (--force overwrites them)\n`);
          return EXIT.failures;
        }
        const touched = new Set(writeExport(plan, out));
        const schemas = plan.schemas.filter((f) => touched.has(f.name));
        if (schemas.length > 0) io.stdout(`context schemas: wrote ${schemas.map((f) => displayText(f.name)).join(', ')}\n`);
        for (const r of plan.rules) {
          const changed = r.files.filter((f) => touched.has(f.name));
          const what = changed.length === 0 ? 'unchanged' : `wrote ${changed.map((f) => displayText(f.text === null ? `(removed ${f.name})` : f.name)).join(', ')}`;
          const notes = [
            ...(r.folder !== '' ? [`in ${r.folder}/: its context schema differs from the one at the top`] : []),
            ...(r.inheritsSchema !== null ? [`it carries no context schema; publishing the folder checks it against ${r.inheritsSchema}`] : []),
            ...(r.disabled ? ['disabled in the store; the files do not carry the switch'] : []),
          ];
          io.stdout(`${displayText(r.rule)} v${r.version}: ${what}${notes.length > 0 ? ` (${notes.map(displayText).join('; ')})` : ''}\n`);
        }
        for (const name of plan.notLive) io.stdout(`${displayText(name)}: no live version; not exported\n`);
        io.stdout(`exported ${plan.rules.length} rule${plan.rules.length === 1 ? '' : 's'} to ${displayText(shown)} (${touched.size} file${touched.size === 1 ? '' : 's'} written)\n`);
        return EXIT.ok;
      },
      'read',
    );
  },
};
