import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LuaRuleDefinition, PatternRuleDefinition } from '../../core/src/model/rule';
import { openStore, type OpenStoreOptions, type Store } from '../../store/src';
import type { PgServer } from './pg-harness';

/** A Lua rule returning a fixed decision; `tag` makes each variant's content distinct. */
export function luaRule(name: string, tag = 'v1', extra: Partial<LuaRuleDefinition> = {}): LuaRuleDefinition {
  return {
    kind: 'lua',
    name,
    category: 'epic',
    source: `---@rule ${name}\n---@category epic\n-- ${tag}\nreturn { decision = "autonomous", confidence = 0.95, reasoning = "${tag}" }\n`,
    origin: `${name}.lua`,
    ...extra,
  };
}

export function patternRule(name: string, threshold = 50): PatternRuleDefinition {
  return { kind: 'pattern', name, category: 'epic', patterns: [{ type: 'metric', metric: 'wsjf_score', threshold, weight: 0.9 }], origin: `${name}.rule.json` };
}

/** Where a backend's stores come from: each call gives a fresh store URL. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh store; `empty` asks for one without even the schema (PostgreSQL copies a migrated template otherwise, which is faster). */
  freshUrl(options?: { empty?: boolean }): Promise<string>;
  open(url: string, options?: OpenStoreOptions): Store;
  close(): Promise<void>;
}

/** A fresh store of `backend` with Lua rules of these names published (closed by the caller). */
export async function storeWithRules(backend: Backend, rules: readonly string[]): Promise<{ url: string; store: Store }> {
  const url = await backend.freshUrl();
  const store = backend.open(url);
  for (const rule of rules) await store.publish(luaRule(rule), { author: 'ann' });
  return { url, store };
}

export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-store-'));
  let n = 0;
  return {
    name: 'sqlite',
    freshUrl: async () => `sqlite:${join(dir, `s${++n}`, 'rules.db')}`,
    open: (url, options) => openStore(url, { watch: { pollIntervalMs: 20 }, ...options }),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresBackend(server: PgServer): Backend {
  let template: Promise<string> | undefined;
  // A migrated database to copy: CREATE DATABASE ... TEMPLATE skips the migrations per test.
  const migratedTemplate = (): Promise<string> =>
    (template ??= (async () => {
      const url = await server.createDatabase();
      const store = openStore(url);
      await store.migrate();
      await store.close();
      return new URL(url).pathname.slice(1);
    })());
  return {
    name: 'postgres',
    freshUrl: async (options) => (options?.empty === true ? server.createDatabase() : server.createDatabase(await migratedTemplate())),
    open: (url, options) => openStore(url, { poolSize: 4, ...options }),
    close: () => server.close(),
  };
}

/** Resolves when `check` holds, polling; rejects with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
