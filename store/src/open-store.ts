import { PostgresDriver, type PostgresDriverOptions } from './postgres-driver';
import type { StoreWatchOptions } from './sql-driver';
import { SqlRuleStore } from './sql-rule-store';
import { SqliteDriver, type SqliteDriverOptions } from './sqlite-driver';
import { parseStoreUrl } from './store-url';
import type { Store } from './types';

export interface OpenStoreOptions extends SqliteDriverOptions, PostgresDriverOptions {
  /** Relative sqlite: paths resolve against it. */
  cwd?: string;
  /** Defaults for every `watch` of this store (poll interval, backoff, resync). */
  watch?: StoreWatchOptions;
}

/**
 * Opens the store a URL names: the rule store, decision log and heartbeats of one
 * backend (types.ts). Nothing touches the database until the first call, which
 * applies the migrations; errors then say what is wrong without the password.
 * A backend is one `case` here, a scheme in store-url.ts and a driver.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): Store {
  const location = parseStoreUrl(url, options.cwd);
  const readOnly = options.readOnly === true;
  if (location.kind === 'sqlite') return new SqlRuleStore(new SqliteDriver(location.path, options), location.display, options.watch, readOnly);
  return new SqlRuleStore(new PostgresDriver(location.url, location.display, location.password, options), location.display, options.watch, readOnly);
}
