import Database from 'better-sqlite3';
import { ChangePump } from './change-pump';
import type { SqliteDriver } from './sqlite-driver';
import type { ChangeHandler, ChangeRecord, ChangeWatcher, WatchOptions } from './types';

export interface SqliteWatchOptions extends WatchOptions {
  /** How often other processes' commits are looked for (ms). */
  pollIntervalMs?: number;
}

/**
 * Looks for new rows in `changes` through a read-only connection of its own (issue 16).
 *
 * `PRAGMA data_version` moves with every commit of another connection, and the
 * decision log's thread commits every few milliseconds: under load it moved at nearly
 * every poll, and on the store's connection each move cost about 300 µs of the thread
 * answering requests (the first read after another connection's commit drops the
 * connection's page cache: ~100 µs for the pragma, ~200 µs for the changes query that
 * followed, measured beside a thread committing 500 rows every 10 ms), about 1 µs of
 * every request at 19,000 requests/s in bench/serve-cpu.ts. This connection reads
 * nothing but the pragma and the last revision of `changes` (an AUTOINCREMENT key:
 * it only grows), with statements prepared once: about 7 + 7 µs. The store's
 * connection then fetches only when that revision moved (a publish, a disable).
 */
class ChangesProbe {
  private readonly db: Database.Database;
  private readonly version: Database.Statement;
  private readonly last: Database.Statement;

  constructor(path: string) {
    // timeout 0: a reader that finds the file busy (rare in WAL mode) answers at once
    // instead of holding the thread in SQLite's busy handler; the poll then falls back.
    this.db = new Database(path, { readonly: true, fileMustExist: true, timeout: 0 });
    try {
      this.version = this.db.prepare('PRAGMA data_version').pluck();
      this.last = this.db.prepare('SELECT MAX(revision) FROM changes').pluck();
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  dataVersion(): number {
    return Number(this.version.get());
  }

  lastRevision(): number {
    return Number(this.last.get() ?? 0);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * SQLite has no push, so a watcher polls `PRAGMA data_version`, which changes when
 * another connection commits: a cheap in-memory read, so a short interval costs
 * little. Commits through this process's own connection are seen at once.
 */
export class SqliteChangeWatcher implements ChangeWatcher {
  readonly reconnects = 0;
  private readonly pump: ChangePump;
  private readonly timer: NodeJS.Timeout;
  private lastDataVersion = -1;
  private lastRevision = -1;
  private polling = false;
  /** Undefined for a store the probe cannot open (in memory, a read-only image): the store's connection is polled. */
  private probe: ChangesProbe | undefined;
  private readonly onLocalCommit = (): void => this.pump.kick();

  constructor(
    private readonly driver: SqliteDriver,
    fetch: (after: number) => Promise<ChangeRecord[]>,
    from: number,
    handler: ChangeHandler,
    options: SqliteWatchOptions = {},
  ) {
    const onError = options.onError ?? (() => undefined);
    this.pump = new ChangePump(from, fetch, handler, onError, options.initialBackoffMs ?? 100);
    driver.commitListeners.add(this.onLocalCommit);
    if (driver.path !== ':memory:') {
      try {
        this.probe = new ChangesProbe(driver.path);
      } catch {
        this.probe = undefined;
      }
    }
    this.timer = setInterval(() => (this.probe === undefined ? void this.poll(onError) : this.probeChanges()), options.pollIntervalMs ?? 50);
    this.pump.kick();
  }

  get revision(): number {
    return this.pump.revision;
  }

  /** Kicks the pump when `changes` has a new last revision; when the probe cannot read, the pump looks (as without a probe). */
  private probeChanges(): void {
    const probe = this.probe as ChangesProbe;
    try {
      const dv = probe.dataVersion();
      if (dv === this.lastDataVersion) return;
      const last = probe.lastRevision();
      this.lastDataVersion = dv;
      if (last === this.lastRevision) return;
      this.lastRevision = last;
    } catch {
      // Busy or unreadable for now: the store's connection fetches (and reports a real problem).
      this.lastDataVersion = -1;
    }
    this.pump.kick();
  }

  private async poll(onError: (e: Error) => void): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const dv = await this.driver.dataVersion();
      if (dv !== this.lastDataVersion) {
        this.lastDataVersion = dv;
        this.pump.kick();
      }
    } catch (e) {
      onError(e as Error);
    } finally {
      this.polling = false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.driver.commitListeners.delete(this.onLocalCommit);
    this.probe?.close();
    this.probe = undefined;
    await this.pump.stop();
  }
}
