import type { ChangeHandler, ChangeRecord } from './types';

/**
 * Fetches the changes after the last revision handled and hands them over in order.
 * Kicks while a fetch runs are coalesced into one more round; a failed fetch or handler
 * is retried later from the same revision, so nothing is skipped.
 */
export class ChangePump {
  revision: number;
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
        const changes = await this.fetch(this.revision);
        if (this.stopped) return;
        const last = changes[changes.length - 1];
        if (last === undefined) return;
        await this.handler(changes);
        this.revision = last.revision;
      }
    } catch (e) {
      if (this.stopped) return;
      this.onError(e as Error);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.kick(), this.retryMs);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.running;
  }
}
