import type { ChangeHandler, ChangeRecord } from './types';

/** The most changes one fetch returns (the store's `changesSince` limit for watchers). */
export const CHANGE_PAGE_SIZE = 1000;

/**
 * Fetches the changes after the last revision handled and hands them over in order.
 * Kicks while a fetch runs are coalesced into one more round; a failed fetch or handler
 * is retried later from the same revision, so nothing is skipped.
 *
 * A page shorter than `pageSize` is the end of the feed as of that fetch, so the drain
 * stops there: a change committed later kicks the pump again (NOTIFY, a moved
 * `data_version`, a local commit), during the fetch (`again`) or after it. Fetching
 * once more to see an empty page was one more round trip per reload, made by every
 * engine at the same moment (docs/benchmarks.md, "Hot reload on PostgreSQL").
 */
export class ChangePump {
  revision: number;
  /** Fetches made so far (for tests: one per reload). */
  fetches = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    from: number,
    private readonly fetch: (after: number) => Promise<ChangeRecord[]>,
    private readonly handler: ChangeHandler,
    private readonly onError: (e: Error) => void,
    private readonly retryMs: number,
    private readonly pageSize = CHANGE_PAGE_SIZE,
  ) {
    this.revision = from;
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        this.fetches++;
        const changes = await this.fetch(this.revision);
        if (this.stopped) return;
        const last = changes[changes.length - 1];
        if (last === undefined) return;
        await this.handler(changes);
        this.revision = last.revision;
        if (changes.length < this.pageSize) return;
      }
    } catch (e) {
      if (this.stopped) return;
      this.onError(e as Error);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.kick(), this.retryMs);
    }
  }

  /** Resolves once no drain runs, including the rounds kicks during it asked for. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.running;
  }
}
