import { StoreUnavailableError, StoreUrlError, mergeStorePassword, openStore, parseStoreUrl, redactSecret, redactStoreUrl } from '../../store/src';
import type { ChangeWatcher, Store } from '../../store/src';
import type { StoreStatus } from '../../protocol/src/custom-messages';
import { STORE_CWD_ENV, STORE_PASSWORD_ENV, STORE_URL_ENV } from '../../protocol/src/server-environment';
import { explainNativeFailure as explainNative } from './native-failure';

/** A native module built for another Node ABI or platform fails to load: say why and what to do (native-failure.ts). */
function explainNativeFailure(message: string): string {
  const explained = explainNative(message, runtimeDescription());
  return explained === message ? (message.split('\n')[0] ?? message) : explained;
}

/** The runtime the server runs on, shown in the status bar so a wrong runtime is visible. */
export function runtimeDescription(): string {
  const electron = process.versions['electron'];
  return `${electron ? `Electron ${electron}, ` : ''}node ${process.version} (modules ${process.versions.modules})`;
}


/**
 * The store the extension's commands use, opened lazily from the server's
 * environment (the client restarts the server when the URL or password changes).
 * Opening failures are kept as a one-line status instead of crashing the server.
 */
export class StoreConnection {
  private store: Store | undefined;
  private watcher: ChangeWatcher | undefined;
  private lastStatus: StoreStatus;
  private readonly url: string;
  private readonly password: string | undefined;
  private readonly cwd: string | undefined;

  constructor(
    env: NodeJS.ProcessEnv,
    private readonly onChange: () => void,
    private readonly onStatus: (status: StoreStatus) => void,
  ) {
    this.password = env[STORE_PASSWORD_ENV] || undefined;
    this.url = mergeStorePassword(env[STORE_URL_ENV]?.trim() ?? '', this.password);
    this.cwd = env[STORE_CWD_ENV] || undefined;
    this.lastStatus = this.url === '' ? { state: 'not-configured', display: '', runtime: runtimeDescription() } : { state: 'unavailable', display: redactStoreUrl(this.url), runtime: runtimeDescription(), message: 'not opened yet' };
  }

  get configured(): boolean {
    return this.url !== '';
  }

  redact(message: string): string {
    return redactSecret(message, this.password);
  }

  status(): StoreStatus {
    return this.lastStatus;
  }

  private setStatus(status: StoreStatus): void {
    const changed = status.state !== this.lastStatus.state || status.message !== this.lastStatus.message;
    this.lastStatus = status;
    if (changed) this.onStatus(status);
  }

  /** Opens (once) and checks the store; the status says why when it cannot. */
  async refreshStatus(): Promise<StoreStatus> {
    try {
      await this.open();
    } catch {
      // the status holds the reason
    }
    return this.lastStatus;
  }

  /** The open store; throws an Error with a one-line, password-free message when it cannot be opened. */
  async open(): Promise<Store> {
    if (!this.configured) throw new Error('no store configured: set "luaRules.store.url" (sqlite:<path> or postgres://user@host/db)');
    if (this.store) return this.store;
    const display = redactStoreUrl(this.url);
    let store: Store | undefined;
    try {
      parseStoreUrl(this.url, this.cwd);
      store = openStore(this.url, { ...(this.cwd ? { cwd: this.cwd } : {}), connectTimeoutMs: 5000 });
      await store.migrate();
      const revision = await store.currentRevision();
      this.store = store;
      this.watcher = store.watch(revision, () => this.onChange(), { onError: () => undefined });
      this.setStatus({ state: 'connected', display: store.display, backend: store.backend, runtime: runtimeDescription() });
      return store;
    } catch (e) {
      await store?.close().catch(() => undefined);
      const raw = e instanceof StoreUrlError || e instanceof StoreUnavailableError || e instanceof Error ? e.message : String(e);
      const message = this.redact(explainNativeFailure(raw));
      this.setStatus({ state: 'unavailable', display, runtime: runtimeDescription(), message });
      throw new Error(`store ${display} unavailable: ${message}`);
    }
  }

  async close(): Promise<void> {
    await this.watcher?.stop().catch(() => undefined);
    await this.store?.close().catch(() => undefined);
    this.watcher = undefined;
    this.store = undefined;
  }
}
