/**
 * A real PostgreSQL for the store tests. Uses LUA_RULES_TEST_PG_URL when set;
 * otherwise starts a throwaway cluster from the installed server binaries (as the
 * `postgres` OS user when running as root) on a free port, and removes it afterwards.
 * When neither is possible the tests FAIL with what to install or set.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  /** URL of a maintenance database (`postgres`), with the password. */
  adminUrl: string;
  /** A fresh database for one test (empty, or a copy of `template`); returns its URL. */
  createDatabase(template?: string): Promise<string>;
  /** Only for a throwaway cluster: stop / start the server (same port). */
  stopServer?(): void;
  startServer?(): void;
  password: string;
  close(): Promise<void>;
}

const HOW_TO =
  'PostgreSQL tests need a server: set LUA_RULES_TEST_PG_URL=postgres://user:password@host:port/db (a user allowed to CREATE DATABASE), ' +
  'or install the PostgreSQL server binaries (e.g. `apt-get install postgresql`, giving /usr/lib/postgresql/<version>/bin/initdb) or set LUA_RULES_PG_BIN to their folder';

function findBinDir(): string | undefined {
  const fromEnv = process.env.LUA_RULES_PG_BIN;
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config on PATH
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function postgresUid(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseFactory(adminUrl: string, created: string[]): (template?: string) => Promise<string> {
  return async (template) => {
    const name = `lua_rules_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(adminUrl, template === undefined ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${template}`);
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
}

/**
 * The skip reason of PostgreSQL suites in the fast unit lane (`npm run test:unit`
 * sets LUA_RULES_TEST_LANE=unit), else false: in `npm test` every PostgreSQL suite
 * runs, and fails (never skips) when there is no PostgreSQL.
 */
export const POSTGRES_SKIPPED: string | false = process.env.LUA_RULES_TEST_LANE === 'unit' ? 'the unit lane starts no PostgreSQL (npm test does)' : false;

/** Starts (or connects to) PostgreSQL; throws with HOW_TO when it cannot. */
export async function startPostgres(options: { ownCluster?: boolean } = {}): Promise<PgServer> {
  const given = process.env.LUA_RULES_TEST_PG_URL;
  if (given !== undefined && given !== '' && options.ownCluster !== true) {
    const created: string[] = [];
    try {
      await adminQuery(given, 'SELECT 1');
    } catch (e) {
      throw new Error(`LUA_RULES_TEST_PG_URL is set but the server cannot be used: ${(e as Error).message}. ${HOW_TO}`);
    }
    return {
      adminUrl: given,
      password: decodeURIComponent(new URL(given).password),
      createDatabase: databaseFactory(given, created),
      close: async () => {
        for (const name of created) await adminQuery(given, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      },
    };
  }
  const bin = findBinDir();
  if (bin === undefined) throw new Error(`no PostgreSQL server found. ${HOW_TO}`);
  const isRoot = process.getuid?.() === 0;
  const owner = isRoot ? postgresUid() : undefined;
  if (isRoot && owner === undefined) throw new Error(`running as root and there is no "postgres" OS user to run initdb as. ${HOW_TO}`);
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-pg-'));
  const password = `pw-${randomBytes(8).toString('hex')}`;
  writeFileSync(join(dir, 'pwfile'), password + '\n');
  chmodSync(dir, 0o700);
  if (owner !== undefined) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(join(dir, 'pwfile'), owner.uid, owner.gid);
  }
  // As root, every server command runs as the postgres user (initdb refuses root).
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`);
  };
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--no-sync']);
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const startServer = (): void => run('pg_ctl', ['-D', data, '-o', serverOptions, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const stopServer = (): void => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  let stopped = false;
  const cleanup = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Also on a signal (a test run interrupted or timed out): never leave a server behind.
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('exit', cleanup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    startServer();
  } catch (e) {
    cleanup();
    throw new Error(`could not start a throwaway PostgreSQL: ${(e as Error).message}. ${HOW_TO}`);
  }
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    password,
    createDatabase: databaseFactory(adminUrl, []),
    stopServer,
    startServer,
    close: async () => {
      cleanup();
      process.removeListener('exit', cleanup);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}
