import { PostgresDriver, type PostgresDriverOptions } from './postgres-driver';
import { SqlRuleStore, type StoreWatchOptions } from './sql-rule-store';
import { SqliteDriver, type SqliteDriverOptions } from './sqlite-driver';
import { parseStoreUrl } from './store-url';

export interface OpenStoreOptions extends SqliteDriverOptions, PostgresDriverOptions {
  /** Relative sqlite: paths resolve against it. */
  cwd?: string;
  /** Defaults for every `watch` of this store (poll interval, backoff, resync). */
  watch?: StoreWatchOptions;
}

/**
 * Opens the store a URL names. Nothing touches the database until the first call,
 * which applies the migrations; errors then say what is wrong without the password.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): SqlRuleStore {
  const location = parseStoreUrl(url, options.cwd);
  const readOnly = options.readOnly === true;
  if (location.kind === 'sqlite') return new SqlRuleStore(new SqliteDriver(location.path, options), location.display, options.watch, readOnly);
  return new SqlRuleStore(new PostgresDriver(location.url, location.display, location.password, options), location.display, options.watch, readOnly);
}
