import pg from 'pg';
import { RefusedByDatabaseError, StoreUnavailableError } from './errors';
import { redactSecret } from './store-url';
import { PostgresChangeWatcher } from './postgres-watcher';
import type { ChangeFetch, Row, SqlDriver, SqlQueryer, Statement, StoreWatchOptions, TransactionMode } from './sql-driver';
import type { ChangeHandler, ChangeWatcher } from './types';
import { combineWrites, numberPlaceholders } from './sql-driver';

/** Advisory lock key serializing writers (an arbitrary constant: "luarules" in hex-ish). */
const WRITE_LOCK_KEY = 0x4c52_5553;

/** Error codes and messages that mean "cannot get to the database", not "bad query". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT', '28P01', '28000', '3D000', '57P01', '57P02', '57P03', '08006', '08001', '08004']);

export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err.code !== undefined && CONNECTION_CODES.has(err.code)) return true;
  const m = err.message ?? '';
  return /Connection terminated|connection timeout|timeout expired|SASL|Client has encountered a connection error|not queryable/i.test(m);
}

export interface PostgresDriverOptions {
  poolSize?: number;
  connectTimeoutMs?: number;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly poolQueryer: SqlQueryer;

  constructor(
    readonly url: string,
    private readonly display: string,
    private readonly password: string,
    options: PostgresDriverOptions = {},
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 5000 });
    // An idle pooled connection dying (server restart) must not crash the process;
    // the pool drops it and the next query opens a new one.
    this.pool.on('error', () => undefined);
    // A checked-out connection that dies between queries emits 'error' too; without a
    // listener that would be an uncaught exception. Queries still get their own error.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.poolQueryer = this.queryer(this.pool);
  }

  /** LISTEN/NOTIFY on a dedicated connection (postgres-watcher.ts). */
  watchChanges(fetch: ChangeFetch, from: number, handler: ChangeHandler, options: StoreWatchOptions): ChangeWatcher {
    return new PostgresChangeWatcher(this, fetch, from, handler, options);
  }

  /** Client settings for a dedicated connection (the change-feed listener). */
  clientConfig(): pg.ClientConfig {
    return { connectionString: this.url, connectionTimeoutMillis: 5000 };
  }

  /** Turns driver errors into store errors whose text never holds the password. */
  wrap(e: unknown): Error {
    const err = e as Error & { code?: string };
    const message = redactSecret(err.message ?? String(e), this.password);
    if (isConnectionError(e)) {
      let why = message;
      if (err.code === '28P01') why = 'password authentication failed (check the user and password in the URL)';
      else if (/SASL/.test(message)) why = 'the server asks for a password and the URL has none';
      else if (err.code === 'ECONNREFUSED') why = 'connection refused (is PostgreSQL running and listening there?)';
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') why = 'unknown host';
      const out = new StoreUnavailableError(`cannot reach PostgreSQL at ${this.display}: ${why}`);
      (out as { code?: string }).code = err.code;
      return out;
    }
    // Issue 14: a missing grant and the identity triggers (migration 6) both say 42501.
    if (err.code === '42501') {
      const out = new RefusedByDatabaseError(`refused by the database${this.loginUser() ? ` for user ${this.loginUser()}` : ''}: ${message}`);
      (out as { code?: string }).code = err.code;
      return out;
    }
    if (message !== err.message) {
      const out = new Error(message);
      (out as { code?: string }).code = err.code;
      return out;
    }
    return err instanceof Error ? err : new Error(message);
  }

  /** The user name of the URL, for messages (current_user is the same unless a role is SET). */
  private loginUser(): string {
    try {
      return decodeURIComponent(new URL(this.url).username);
    } catch {
      return '';
    }
  }

  /** Statements on a connection of the caller's own (the change feed's listening one). */
  clientQueryer(client: pg.Client): SqlQueryer {
    return this.queryer(client);
  }

  private queryer(client: pg.Pool | pg.ClientBase): SqlQueryer {
    return {
      all: async <T extends Row>(sql: string, params: unknown[] = []) => {
        try {
          return (await client.query(numberPlaceholders(sql), params)).rows as T[];
        } catch (e) {
          throw this.wrap(e);
        }
      },
      run: async (sql: string, params: unknown[] = []) => {
        try {
          return (await client.query(numberPlaceholders(sql), params)).rowCount ?? 0;
        } catch (e) {
          throw this.wrap(e);
        }
      },
      exec: async (sql: string) => {
        try {
          await client.query(sql);
        } catch (e) {
          throw this.wrap(e);
        }
      },
      batch: async (statements: Statement[]) => {
        if (statements.length === 0) return;
        const one = statements.length === 1 ? statements[0]! : combineWrites(statements);
        try {
          await client.query(numberPlaceholders(one.sql), one.params);
        } catch (e) {
          throw this.wrap(e);
        }
      },
    };
  }

  all<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.poolQueryer.all<T>(sql, params);
  }
  run(sql: string, params?: unknown[]): Promise<number> {
    return this.poolQueryer.run(sql, params);
  }
  exec(sql: string): Promise<void> {
    return this.poolQueryer.exec(sql);
  }
  batch(statements: Statement[]): Promise<void> {
    return this.poolQueryer.batch(statements);
  }

  async transaction<T>(mode: TransactionMode, fn: (tx: SqlQueryer) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.wrap(e);
    }
    const tx = this.queryer(client);
    let broken: Error | undefined;
    try {
      // One round trip for BEGIN and the lock: every statement in the lock is latency.
      await tx.exec(mode === 'read' ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : mode === 'write' ? `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})` : 'BEGIN');
      const result = await fn(tx);
      await tx.exec('COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw e;
    } finally {
      // A connection that failed to roll back is not handed to the next caller.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
