import { ChangePump } from './change-pump';
import type { SqliteDriver } from './sqlite-driver';
import type { ChangeHandler, ChangeRecord, ChangeWatcher, WatchOptions } from './types';

export interface SqliteWatchOptions extends WatchOptions {
  /** How often other processes' commits are looked for (ms). */
  pollIntervalMs?: number;
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
  private polling = false;
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
    this.timer = setInterval(() => void this.poll(onError), options.pollIntervalMs ?? 50);
    this.pump.kick();
  }

  get revision(): number {
    return this.pump.revision;
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
    await this.pump.stop();
  }
}
