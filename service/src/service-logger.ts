import { hostname } from 'node:os';
import pino from 'pino';
import type { Logger } from 'pino';
import { redactText } from '../../store/src';
import { escapeJsonText } from '../../core/src/util/display-text';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The service's JSON-lines log (pino) on stdout. Every line goes through the one
 * redaction function with the store URL's secrets, and is escaped like every other
 * printer's user text (rule errors carry text a rule chose). A log that cannot be
 * written (full disk, closed pipe) must not stop the service: one line on stderr, and
 * the logs are dropped.
 */
export function createServiceLogger(level: LogLevel, secrets: readonly string[], stderr: (text: string) => void): Logger {
  const destination = pino.destination({ fd: 1, sync: false });
  let logBroken = false;
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (logBroken) return;
    logBroken = true;
    stderr(`lua-rules serve: cannot write the log to stdout (${error.code ?? error.message}); serving on without it\n`);
  });
  const redacting = {
    write: (line: string) => destination.write(escapeJsonText(redactText(line, secrets))),
    flush: (cb?: (err?: Error) => void) => destination.flush(cb),
    flushSync: () => destination.flushSync(),
  };
  return pino({ level, base: { pid: process.pid, host: hostname() }, formatters: { level: (label) => ({ level: label }) } }, redacting);
}
