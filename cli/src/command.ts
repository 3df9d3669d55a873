/**
 * One CLI subcommand. Each lives in its own file under commands/ and is listed in
 * commands/index.ts. Exit codes (docs/cli.md): 0 fine, 1 findings or failures,
 * 2 bad usage or bad input. Errors go to stderr as one clear line.
 */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of standard input (for `--context -`). */
  readStdin(): Promise<string>;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal: progress lines and colour are allowed. */
  isTTY: boolean;
}

export interface Command {
  name: string;
  /** One line for `lua-rules --help`. */
  summary: string;
  /** Full text for `lua-rules <name> --help`. */
  help: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Bad usage or bad input: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, failures: 1, usage: 2 } as const;
