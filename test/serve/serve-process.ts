import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../cli/cli-harness';

/** A `lua-rules serve` child process on a free port, for tests and benchmarks. */
export interface ServeProcess {
  base: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export async function startServe(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(REPO, 'cli', 'bin', 'lua-rules.js'), 'serve', '--port', '0', ...args], {
    cwd: options.cwd,
    env: { ...process.env, LUA_RULES_STORE: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${options.timeoutMs ?? 30_000} ms:\n${err}\n${out}`)), options.timeoutMs ?? 30_000);
    const check = (): void => {
      // The banner on stderr names the address whatever the log level, and comes last.
      const match = / at (http:\/\/[\d.:[\]a-z]+)\n[\s\S]*Stop: Ctrl\+C/.exec(err);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stderr?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${err}\n${out}`));
    });
  });
  return {
    base,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown>, headers: response.headers };
}
