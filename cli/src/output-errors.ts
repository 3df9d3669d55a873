import { writeSync } from 'node:fs';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EPIPE: 'the reader closed the pipe',
  EIO: 'input/output error',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
};

/**
 * Output that cannot be written (stdout to a full disk or /dev/full, a pipe whose
 * reader went away) is an 'error' event on the stream; unhandled, Node prints a stack
 * trace. Instead: one line on stderr (when stderr itself still works) and exit code 1.
 * Called once by the CLI's entry point, before anything is written.
 */
export function handleOutputErrors(): void {
  let failed = false;
  const onError = (stream: 'stdout' | 'stderr') => (error: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    const code = error.code ?? 'error';
    if (stream === 'stdout') {
      try {
        writeSync(2, `lua-rules: cannot write the output to stdout: ${REASONS[code] ?? error.message} (${code})\n`);
      } catch {
        // stderr is gone too: the exit code has to say it
      }
    }
    process.exit(1);
  };
  process.stdout.on('error', onError('stdout'));
  process.stderr.on('error', onError('stderr'));
}
