import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandIO } from './command';
import { UsageError } from './command';

/** Line and column of a JSON.parse error position, for "file:3:14: ..." messages. */
function jsonErrorWhere(text: string, message: string): string {
  const position = /position (\d+)/.exec(message);
  if (!position) return '';
  const offset = Number(position[1]);
  const before = text.slice(0, offset).split('\n');
  return `:${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}

/** Reads a file (or stdin for "-") as text; a missing file is a usage error naming it. */
export async function readInputText(io: CommandIO, path: string, what: string): Promise<string> {
  if (path === '-') return io.readStdin();
  try {
    return readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${what} file not found: ${path}`);
    if (code === 'EISDIR') throw new UsageError(`${what} ${path} is a directory, not a file`);
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** Parses JSON with an error that says where: "context.json:3:14: invalid JSON: ...". */
export function parseJsonInput(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new UsageError(`${label}${jsonErrorWhere(text, message)}: invalid JSON: ${message}`);
  }
}
