import { join } from 'node:path';
import type { Command, CommandIO } from '../command';
import { EXIT, UsageError } from '../command';

const HELP = `Usage: lua-rules lsp --stdio

Runs the Lua Rules language server over standard input and output, for any LSP
client (VS Code, Neovim, Helix, Emacs, ...). It offers diagnostics for every check
in docs/checks.md, completion of context fields and decisions, hover, quick fixes,
document symbols, and code lenses with fixture results.

Settings (workspace/configuration section "luaRules", or initializationOptions.settings):
  ruleGlobs            globs of the files checked at startup (default **/*.lua, **/*.rule.json, **/*.fixtures.json)
  instructionBudget    Lua instructions per fixture run (default 1000000)
  schemaPath           context schema for every rule (default: nearest context.schema.json)
  runFixtures          run fixtures after edits (default true)
  diagnosticsDelayMs   wait after an edit before checking (default 150)
  fixturesDelayMs      wait after an edit before running fixtures (default 400)`;

export const lspCommand: Command = {
  name: 'lsp',
  summary: 'Run the language server (LSP over stdio)',
  help: HELP,
  async run(argv: string[], io: CommandIO): Promise<number> {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout(HELP + '\n');
      return EXIT.ok;
    }
    const unknown = argv.filter((arg) => arg !== '--stdio');
    if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown[0]}; lua-rules lsp takes only --stdio`);
    if (!argv.includes('--stdio')) throw new UsageError('lua-rules lsp needs --stdio (the only transport it speaks)');
    // Loaded at run time, so other commands do not pay for the LSP libraries and the
    // cli project does not compile the server (its own project, with node16 resolution).
    // The relative path is the same from cli/src/commands (tsx) and out/cli/src/commands.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path computed at run time, see above
    const server = require(join(__dirname, '..', '..', '..', 'server', 'src', 'stdio')) as { startStdioServer(): void };
    server.startStdioServer();
    // The connection ends the process itself on the client's `exit` notification.
    return new Promise<number>(() => undefined);
  },
};
