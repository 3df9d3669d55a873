import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { MessageConnection } from 'vscode-languageserver-protocol/node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';

export const REPO_ROOT = join(__dirname, '..', '..');

/** How long a test waits for a message before it calls the server hung; never a timing assertion. */
const HANG_MS = 30_000;

interface Waiter {
  method: string;
  predicate: (params: unknown) => boolean;
  resolve: (params: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A real LSP client over JSON-RPC on the stdio of a spawned server: the server's
 * CLI entry when it is built (`node cli/bin/lua-rules.js lsp --stdio`), its stdio
 * module through tsx otherwise. Records every notification so tests can wait for one.
 */
export class LspTestClient {
  readonly connection: MessageConnection;
  readonly child: ChildProcess;
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  readonly serverRequests: Array<{ method: string; params: unknown }> = [];
  private readonly waiters: Waiter[] = [];
  stderr = '';

  constructor(command: string[]) {
    this.child = spawn(process.execPath, command, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params });
      for (const waiter of [...this.waiters]) {
        if (waiter.method === method && waiter.predicate(params)) {
          clearTimeout(waiter.timer);
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    });
    // $/progress goes to progress handlers, not the catch-all: record it as a notification too.
    this.connection.onUnhandledProgress((params) => this.notifications.push({ method: '$/progress', params }));
    this.connection.onRequest((method: string, params: unknown) => {
      this.serverRequests.push({ method, params });
      return null;
    });
    this.connection.listen();
  }

  /** The first notification (already received or still to come) that matches. */
  waitFor<T>(method: string, predicate: (params: T) => boolean = () => true, after = 0): Promise<T> {
    const seen = this.notifications.slice(after).find((n) => n.method === method && predicate(n.params as T));
    if (seen) return Promise.resolve(seen.params as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${HANG_MS} ms; server stderr: ${this.stderr}`)), HANG_MS);
      this.waiters.push({ method, predicate: predicate as (p: unknown) => boolean, resolve: resolve as (p: unknown) => void, reject, timer });
    });
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  kill(): void {
    for (const waiter of this.waiters) clearTimeout(waiter.timer);
    this.connection.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }
}
