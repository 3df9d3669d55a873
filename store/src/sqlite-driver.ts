import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreUnavailableError } from './errors';
import type { ChangeFetch, Row, SqlDriver, SqlQueryer, Statement, StoreWatchOptions, TransactionMode } from './sql-driver';
import { SqliteChangeWatcher } from './sqlite-watcher';
import type { ChangeHandler, ChangeWatcher } from './types';

/** Runs `fn` after everything queued before it under `key` in `queues`, whether that succeeded or not. */
function queued<T>(queues: Map<string, Promise<unknown>>, key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const result = previous.then(fn, fn);
  const tail = result.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return result;
}

/** One write queue per database file for all connections of this process. */
const fileLocks = new Map<string, Promise<unknown>>();

function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  return queued(fileLocks, path, fn);
}

/**
 * Background ('log') transactions leave the write lock free for a waiting writer (issue 16).
 *
 * The decision log's writes and prunes run back to back on their own thread, at nice
 * 19, so under load each holds the lock for tens to hundreds of milliseconds of wall
 * time. Another process waiting for the lock (a publish) sleeps in SQLite's busy
 * handler and looks again after 1, 2, 5 ... up to 100 ms; a writer that takes the lock
 * again the moment it lets go leaves almost no moment for it, and the publish failed
 * with "database is locked" after busy_timeout (5-7 of ~135 publishes in a 180 s soak).
 *
 * SQLite does not tell anyone that a writer waits, so a writer says so itself: while
 * a 'write' transaction waits for the lock, a file `<db>-writer-waiting.<pid>.<n>` is
 * beside the database (removed once it has the lock, or has failed; one older than
 * the busy timeout is left by a crashed process and ignored). A background
 * transaction looks for such a file first and, while there is one, lets a gap pass
 * after the previous background transaction: at least BACKGROUND_GAP_MIN_MS and half
 * the time that one held the lock, stretched by a random factor up to 2 so the gap
 * does not keep one phase with the waiter's polling. The waiter then finds the lock
 * free at about one look in three. With no writer waiting (nearly always: publishes
 * are rare) the log writes back to back, at full speed.
 */
const BACKGROUND_GAP_MIN_MS = 10;
const backgroundTurns = new Map<string, Promise<unknown>>();
const backgroundGapMs = new Map<string, number>();
const backgroundEndedAt = new Map<string, number>();
let waitingWriters = 0;

export function waitingWriterPrefix(path: string): string {
  return `${basename(path)}-writer-waiting.`;
}

/**
 * A 'write' transaction announces itself before asking for the lock and takes the
 * announcement back after; failing to write it (a read-only folder) only loses the
 * courtesy.
 */
function announceWaitingWriter(path: string): () => void {
  const marker = join(dirname(path), `${waitingWriterPrefix(path)}${process.pid}.${++waitingWriters}`);
  try {
    writeFileSync(marker, '');
  } catch {
    return () => undefined;
  }
  removeStaleMarkers(path);
  return () => rmSync(marker, { force: true });
}

/** The waiting-writer markers beside the database, each with its age (ms). */
function waitingMarkers(path: string): { file: string; ageMs: number }[] {
  const prefix = waitingWriterPrefix(path);
  const folder = dirname(path);
  const out: { file: string; ageMs: number }[] = [];
  for (const name of readdirSync(folder)) {
    if (!name.startsWith(prefix)) continue;
    const file = join(folder, name);
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat !== undefined) out.push({ file, ageMs: Date.now() - stat.mtimeMs });
  }
  return out;
}

/** A marker a minute old was left by a process that died waiting (a wait ends within the busy timeout): it goes. */
function removeStaleMarkers(path: string): void {
  for (const { file, ageMs } of waitingMarkers(path)) if (ageMs > STALE_MARKER_MS) rmSync(file, { force: true });
}

const STALE_MARKER_MS = 60_000;

function writerWaiting(path: string, windowMs: number): boolean {
  return waitingMarkers(path).some((m) => m.ageMs < windowMs);
}

function asBackground<T>(path: string, windowMs: number, fn: () => Promise<{ result: T; heldMs: number }>): Promise<T> {
  return queued(backgroundTurns, path, async (): Promise<T> => {
    const sinceLast = performance.now() - (backgroundEndedAt.get(path) ?? -Infinity);
    const gap = backgroundGapMs.get(path) ?? 0;
    if (sinceLast < gap && writerWaiting(path, windowMs)) await new Promise((resolve) => setTimeout(resolve, gap - sinceLast));
    const started = performance.now();
    let heldMs = 0;
    try {
      const out = await fn();
      heldMs = out.heldMs;
      return out.result;
    } catch (e) {
      heldMs = performance.now() - started;
      throw e;
    } finally {
      backgroundEndedAt.set(path, performance.now());
      backgroundGapMs.set(path, Math.max(BACKGROUND_GAP_MIN_MS, heldMs / 2) * (1 + Math.random()));
    }
  });
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

  private readonly busyTimeoutMs: number;

  constructor(
    readonly path: string,
    options: SqliteDriverOptions = {},
  ) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
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
    if (mode === 'read' || this.path === ':memory:') return this.serial(() => this.runTransaction(mode, fn)).then((r) => r.result);
    // Writers in this process queue here, asynchronously, before asking SQLite for the
    // lock: a second connection's BEGIN IMMEDIATE would otherwise block the event loop
    // in busy_timeout while the first connection's transaction waits for that same loop.
    const queued = (): Promise<{ result: T; heldMs: number }> => this.serial(() => withFileLock(this.path, () => this.runTransaction(mode, fn)));
    if (mode === 'log') return asBackground(this.path, this.busyTimeoutMs + 1000, queued);
    return queued().then((r) => r.result);
  }

  private runTransaction<T>(mode: TransactionMode, fn: (tx: SqlQueryer) => Promise<T>): Promise<{ result: T; heldMs: number }> {
    return (async () => {
      // IMMEDIATE takes the write lock up front, so two writers never both read the
      // same head version and then race to write on top of it.
      if (mode === 'write' && this.path !== ':memory:') {
        const done = announceWaitingWriter(this.path);
        try {
          this.db.exec('BEGIN IMMEDIATE');
        } finally {
          done();
        }
      } else this.db.exec(mode === 'read' ? 'BEGIN' : 'BEGIN IMMEDIATE');
      const locked = performance.now();
      try {
        const result = await fn(this.raw);
        this.db.exec('COMMIT');
        if (mode === 'write') {
          this.localCommits++;
          for (const listener of this.commitListeners) listener();
        }
        return { result, heldMs: performance.now() - locked };
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
