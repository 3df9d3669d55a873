import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from './errors';
import type { ChangeFetch, Row, SqlDriver, SqlQueryer, Statement, StoreWatchOptions, TransactionMode } from './sql-driver';
import { SqliteChangeWatcher } from './sqlite-watcher';
import type { ChangeHandler, ChangeWatcher } from './types';

/** One write queue per database file for all connections of this process. */
const fileLocks = new Map<string, Promise<unknown>>();

function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(path) ?? Promise.resolve();
  const result = previous.then(fn, fn);
  const tail = result.catch(() => undefined);
  fileLocks.set(path, tail);
  void tail.then(() => {
    if (fileLocks.get(path) === tail) fileLocks.delete(path);
  });
  return result;
}

/**
 * A WAL-mode database needs its -shm file to be read, and SQLite creates that file
 * beside the database: in a folder the reader may not write to, even a read-only
 * connection fails with "attempt to write a readonly database". When that happens and
 * no -wal file holds newer commits, the file is read into memory instead (its header
 * marked as a rollback-journal database, which is all the WAL mode changes there).
 */
function openForReading(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').all();
    return db;
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    const wal = `${path}-wal`;
    if (!code.startsWith('SQLITE_READONLY') || (existsSync(wal) && statSync(wal).size > 0)) throw e;
    db.close();
  }
  const image = readFileSync(path);
  if (image.length > 19 && image[18] === 2 && image[19] === 2) {
    image[18] = 1;
    image[19] = 1;
  }
  return new Database(image, { readonly: true });
}

export interface SqliteDriverOptions {
  /** How long a writer waits for another process's write lock (ms). */
  busyTimeoutMs?: number;
  /**
   * Open for reading only (history and other reading commands): the file must exist,
   * nothing is created (no folders, no database, no WAL switch), and a read-only file
   * or folder works.
   */
  readOnly?: boolean;
}

/**
 * better-sqlite3 is synchronous and one connection is shared by the whole store, so
 * every operation is queued: an async transaction must not interleave with another
 * caller's statements on the same connection.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped on each local write commit: `PRAGMA data_version` only sees other connections' commits. */
  localCommits = 0;
  /** Called after each local write commit, so watchers in this process react at once. */
  readonly commitListeners = new Set<() => void>();

  constructor(
    readonly path: string,
    options: SqliteDriverOptions = {},
  ) {
    if (options.readOnly && path !== ':memory:' && !existsSync(path)) {
      const error = new StoreUnavailableError(`no store at sqlite:${path}: the file does not exist (nothing was published there; check the path)`);
      (error as { code?: string }).code = 'SQLITE_CANTOPEN';
      throw error;
    }
    try {
      if (options.readOnly) {
        this.db = openForReading(path);
        this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
        return;
      }
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      // WAL + NORMAL: a commit survives a process crash (a power loss may drop the last one).
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
    } catch (e) {
      const error = new StoreUnavailableError(`cannot open sqlite:${path}: ${(e as Error).message}`);
      // The path is wrong (not a database, a folder, not writable): bad input, not an outage.
      (error as { code?: string }).code = 'SQLITE_CANTOPEN';
      throw error;
    }
  }

  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private readonly raw: SqlQueryer = {
    all: async <T extends Row>(sql: string, params: unknown[] = []) => {
      const s = this.statement(sql);
      return (s.reader ? s.all(...params) : (s.run(...params), [])) as T[];
    },
    run: async (sql: string, params: unknown[] = []) => this.statement(sql).run(...params).changes,
    exec: async (sql: string) => {
      this.db.exec(sql);
    },
    batch: async (statements: Statement[]) => {
      for (const st of statements) this.statement(st.sql).run(...st.params);
    },
  };

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  all<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.serial(() => this.raw.all<T>(sql, params));
  }
  run(sql: string, params?: unknown[]): Promise<number> {
    return this.serial(() => this.raw.run(sql, params));
  }
  exec(sql: string): Promise<void> {
    return this.serial(() => this.raw.exec(sql));
  }
  batch(statements: Statement[]): Promise<void> {
    return this.serial(() => this.raw.batch(statements));
  }

  transaction<T>(mode: TransactionMode, fn: (tx: SqlQueryer) => Promise<T>): Promise<T> {
    if (mode === 'read' || this.path === ':memory:') return this.serial(() => this.runTransaction(mode, fn));
    // Writers in this process queue here, asynchronously, before asking SQLite for the
    // lock: a second connection's BEGIN IMMEDIATE would otherwise block the event loop
    // in busy_timeout while the first connection's transaction waits for that same loop.
    return this.serial(() => withFileLock(this.path, () => this.runTransaction(mode, fn)));
  }

  private runTransaction<T>(mode: TransactionMode, fn: (tx: SqlQueryer) => Promise<T>): Promise<T> {
    return (async () => {
      // IMMEDIATE takes the write lock up front, so two writers never both read the
      // same head version and then race to write on top of it.
      this.db.exec(mode === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
      try {
        const result = await fn(this.raw);
        this.db.exec('COMMIT');
        if (mode === 'write') {
          this.localCommits++;
          for (const listener of this.commitListeners) listener();
        }
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw e;
      }
    })();
  }

  /** Changes whenever another connection (any process) commits to the file. */
  /** Polls `PRAGMA data_version`, and hears this process's own commits at once (sqlite-watcher.ts). */
  watchChanges(fetch: ChangeFetch, from: number, handler: ChangeHandler, options: StoreWatchOptions): ChangeWatcher {
    return new SqliteChangeWatcher(this, fetch, from, handler, options);
  }

  dataVersion(): Promise<number> {
    return this.serial(async () => Number(this.db.pragma('data_version', { simple: true })));
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      if (this.db.open) this.db.close();
    });
  }
}
