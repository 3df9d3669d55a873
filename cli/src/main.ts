import type { CommandIO } from './command';
import { EXIT, UsageError } from './command';
import { COMMANDS, findCommand } from './commands/index';
import { didYouMeanSuffix } from '../../core/src/util/did-you-mean';
import { redactingIO } from './redacting-io';

const VERSION = '0.1.0';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'lua-rules: author, check, test, publish and serve business rules written in Lua.',
    '',
    'Usage: lua-rules <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'lua-rules <command> --help' for a command's options.",
    'Exit codes: 0 fine, 1 findings or failures, 2 bad usage or bad input.',
    'The store URL (sqlite:<path> or postgres://...) defaults to $LUA_RULES_STORE.',
  ].join('\n');
}

export function processIO(): CommandIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
  };
}

/** Runs one CLI invocation and returns its exit code (docs/cli.md). */
export async function main(argv: string[], given: CommandIO = processIO()): Promise<number> {
  const io = redactingIO(given, argv);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const entry = topic ? findCommand(topic) : undefined;
    io.stdout((entry ? (await entry.load()).help : usage()) + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(VERSION + '\n');
    return EXIT.ok;
  }
  const entry = findCommand(name);
  if (!entry) {
    io.stderr(`lua-rules: unknown command '${name}'${didYouMeanSuffix(name, COMMANDS.map((c) => c.name))}; run 'lua-rules --help' for the list\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help + '\n');
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`lua-rules: ${error.message}\n`);
      return EXIT.usage;
    }
    // A bug of ours: still printed through the redacting stderr, since its message or
    // stack may hold a store URL.
    io.stderr(`lua-rules: internal error: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
    return EXIT.failures;
  }
}
