/**
 * The small SQL surface the store's logic is written against, so one implementation of
 * publish/approve/rollback serves SQLite and PostgreSQL alike. SQL uses `?`
 * placeholders; the PostgreSQL driver numbers them.
 */
import type { PostgresWatchOptions } from './postgres-watcher';
import type { SqliteWatchOptions } from './sqlite-watcher';
import type { ChangeHandler, ChangeRecord, ChangeWatcher, StoreBackend } from './types';

export type Row = Record<string, unknown>;

/** Watch options of every backend (each reads its own: poll interval, resync interval...). */
export type StoreWatchOptions = SqliteWatchOptions & PostgresWatchOptions;

export interface SqlQueryer {
  all<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Runs a parameterless statement as is (DDL, possibly with `$$` bodies). */
  exec(sql: string): Promise<void>;
  /**
   * Runs several writes. On PostgreSQL they go as ONE statement (data-modifying CTEs),
   * one round trip, so they all see the same snapshot: none may depend on another's
   * effect. SQLite runs them in order.
   */
  batch(statements: Statement[]): Promise<void>;
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * `read`: a consistent snapshot. `write`: writers of rules and changes are serialized
 * store-wide (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock)
 * so change revisions commit in the order they are numbered and a watcher never skips
 * one. `log`: a writer of the decision log or heartbeats, which needs no such order
 * and must not queue behind publishes on PostgreSQL.
 */
export type TransactionMode = 'read' | 'write' | 'log';

/**
 * Reads the changes after a revision. `via`: a connection of the watcher's own to read
 * them on (PostgreSQL: the listening one); without it, the store's pool.
 */
export type ChangeFetch = (after: number, via?: SqlQueryer) => Promise<ChangeRecord[]>;

export interface SqlDriver extends SqlQueryer {
  /** Also picks each migration's statements (migrations/migration.ts). */
  readonly dialect: StoreBackend;
  transaction<T>(mode: TransactionMode, fn: (tx: SqlQueryer) => Promise<T>): Promise<T>;
  /**
   * The backend's own way of noticing committed changes (SQLite polls, PostgreSQL
   * LISTENs): calls `fetch` after the last revision handled whenever there may be
   * more, hands the batches to `handler` in order, until stopped.
   */
  watchChanges(fetch: ChangeFetch, from: number, handler: ChangeHandler, options: StoreWatchOptions): ChangeWatcher;
  close(): Promise<void>;
}

/** `?` → `$1, $2, ...` for PostgreSQL (the store's SQL has no `?` inside literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Several writes as one PostgreSQL statement: `WITH w0 AS (...), w1 AS (...) SELECT 1`. */
export function combineWrites(statements: Statement[]): Statement {
  return {
    sql: `WITH ${statements.map((st, i) => `w${i} AS (${st.sql})`).join(', ')} SELECT 1`,
    params: statements.flatMap((st) => st.params),
  };
}
