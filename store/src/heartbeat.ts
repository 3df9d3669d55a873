import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Heartbeats } from './types';

export interface HeartbeatOptions {
  engineId?: string;
  intervalMs?: number;
  /** Rule → version the engine serves right now. */
  served: () => Record<string, number>;
  onError?: (error: Error) => void;
}

/** A unique id for an engine process: host, pid and a random tail. */
export function newEngineId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Writes the engines row: who is running, when it was last seen, and which version of
 * each rule it serves, so an operator can see a rollout reach every engine.
 */
export class HeartbeatWriter {
  readonly engineId: string;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Heartbeats,
    private readonly options: HeartbeatOptions,
  ) {
    this.engineId = options.engineId ?? newEngineId();
  }

  start(): void {
    if (this.timer !== undefined) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /**
   * Writes one heartbeat. Beats are queued, and each reads what the engine serves
   * when it runs, so an older beat never lands after a newer one.
   */
  beat(status: 'running' | 'stopped' = 'running'): Promise<void> {
    this.chain = this.chain.then(() => this.write(status));
    return this.chain;
  }

  private async write(status: 'running' | 'stopped'): Promise<void> {
    try {
      await this.store.heartbeat({
        engineId: this.engineId,
        host: hostname(),
        pid: process.pid,
        startedAt: this.startedAt,
        lastSeen: new Date().toISOString(),
        status,
        rules: this.options.served(),
      });
    } catch (e) {
      this.options.onError?.(e as Error);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beat('stopped');
  }
}
