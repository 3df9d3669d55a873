import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandIO } from '../../cli/src/command';
import { main } from '../../cli/src/main';

export const REPO = join(__dirname, '..', '..');

/** Writes `text` to `name` under `dir`, creating the folders on the way; returns the path. */
export function writeIn(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (fast; same code path as the binary). */
export async function cli(argv: string[], options: { cwd?: string; stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CommandIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: async () => options.stdin ?? '',
    cwd: options.cwd ?? REPO,
    env: options.env ?? {},
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Runs the real `lua-rules` binary (needs `npm run build`, which `npm test` does first). */
export function binary(argv: string[], options: { cwd?: string; stdin?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, [join(REPO, 'cli', 'bin', 'lua-rules.js'), ...argv], { cwd: options.cwd ?? REPO, input: options.stdin ?? '', encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
