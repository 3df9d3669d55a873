import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A store-child.ts process whose stdout lines can be awaited. */
export interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line that matches. */
  line(match: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  stderr(): string;
}

export function startChild(args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'store-child.ts'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { match: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let err = '';
  let partial = '';
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    let i: number;
    while ((i = partial.indexOf('\n')) >= 0) {
      const l = partial.slice(0, i);
      partial = partial.slice(i + 1);
      lines.push(l);
      for (const w of [...waiters]) {
        if (w.match(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
    }
  });
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    stderr: () => err,
    line(match, what, timeoutMs = 30_000) {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child never printed ${what}; stderr: ${err.trim()}`)), timeoutMs);
        const w = {
          match,
          resolve: (l: string) => {
            clearTimeout(timer);
            resolve(l);
          },
        };
        waiters.push(w);
        void exited.then((code) => {
          if (waiters.includes(w)) {
            clearTimeout(timer);
            reject(new Error(`child exited (${code}) before printing ${what}; stderr: ${err.trim()}`));
          }
        });
      });
    },
  };
}
