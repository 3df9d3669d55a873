import pg from 'pg';
import { ChangePump } from './change-pump';
import type { PostgresDriver } from './postgres-driver';
import type { ChangeFetch, SqlQueryer } from './sql-driver';
import type { ChangeHandler, ChangeWatcher, WatchOptions } from './types';

/** Channel of the change feed; the payload is the revision (sent by a trigger on `changes`, migrations/001-initial-schema.ts). */
export const CHANGES_CHANNEL = 'lua_rules_changes';

export interface PostgresWatchOptions extends WatchOptions {
  /** A full resync this often even without notifications (ms; 0 = never), a safety net. */
  resyncIntervalMs?: number;
}

/**
 * LISTENs on a dedicated connection; each NOTIFY (sent inside the publishing
 * transaction, so only for committed changes) triggers a fetch of everything after
 * the last revision handled. When the connection drops it reconnects with backoff
 * and resyncs from that revision, so notifications lost while away lose nothing.
 *
 * The fetch runs on that same connection while it is up: it is always open and idle
 * between notifications, so a reload never waits for the store's pool (shared with
 * the health probe, admin requests, shadow results, an in-process decision log) and
 * never opens a connection of its own (the pool closes idle ones after 10 s, so after
 * a quiet spell a reload paid a new connection: 9-34 ms measured). While it is down,
 * the resync runs on the pool.
 */
export class PostgresChangeWatcher implements ChangeWatcher {
  private readonly pump: ChangePump;
  private client: pg.Client | undefined;
  /** The listening connection once LISTEN is set up on it: the change fetches run here. */
  private listening: SqlQueryer | undefined;
  private stopped = false;
  private everConnected = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly resyncTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly onError: (e: Error) => void;
  reconnects = 0;

  constructor(
    private readonly driver: PostgresDriver,
    fetch: ChangeFetch,
    from: number,
    handler: ChangeHandler,
    options: PostgresWatchOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.initialBackoff = options.initialBackoffMs ?? 100;
    this.maxBackoff = options.maxBackoffMs ?? 5000;
    this.backoff = this.initialBackoff;
    this.pump = new ChangePump(from, (after) => fetch(after, this.listening), handler, this.onError, this.initialBackoff);
    const resync = options.resyncIntervalMs ?? 10_000;
    if (resync > 0) this.resyncTimer = setInterval(() => this.pump.kick(), resync);
    void this.connect();
  }

  get revision(): number {
    return this.pump.revision;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.driver.clientConfig());
    this.client = client;
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('the change-feed connection closed')));
    client.on('notification', (msg) => {
      if (msg.channel === CHANGES_CHANNEL && Number(msg.payload) > this.pump.revision) this.pump.kick();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (e) {
      this.lost(client, e as Error);
      return;
    }
    if (this.client !== client) return;
    this.listening = this.driver.clientQueryer(client);
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.backoff = this.initialBackoff;
    // Resync: whatever was committed while we were not listening.
    this.pump.kick();
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.client !== client) return; // an old connection's late event
    this.client = undefined;
    this.listening = undefined;
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.onError(this.driver.wrap(e));
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.maxBackoff);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.resyncTimer);
    const client = this.client;
    this.client = undefined;
    this.listening = undefined;
    if (client !== undefined) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
    await this.pump.stop();
  }
}
