/**
 * A separate process for the fault tests (run with `node --import tsx`). Modes:
 *   hang <url> <rule> <tag>      publish inside a transaction, print "in-transaction", then hang
 *                                (the parent kills it with SIGKILL before it commits)
 *   race <url> <rule> <tag>      read the head, print "ready", wait for "go" on stdin, publish
 *                                on that base; print {"ok":true,"version":n} or {"conflict":message}
 *   watch <url> <rule> <last>    load the rules, print "ready", follow changes until <rule> reaches
 *                                version <last>; print the versions seen as JSON and exit
 *   flood <url> <holdMs> <ms>    background ('log') transactions back to back, each holding the
 *                                write lock for <holdMs> (like a large decision-log write or prune
 *                                on a starved thread), for <ms>; prints "flooding", then the count
 */
import { createInterface } from 'node:readline';
import type { VersionedRule } from '../../core/src/engine/rule-source';
import { ConflictError, StoreRuleSource, openStore, sha256, toStorable } from '../../store/src';
import { PostgresDriver } from '../../store/src/postgres-driver';
import { SqliteDriver } from '../../store/src/sqlite-driver';
import type { SqlDriver } from '../../store/src/sql-driver';
import { parseStoreUrl } from '../../store/src/store-url';
import { writeVersion } from '../../store/src/version-writer';
import { luaRule } from './store-helpers';

async function hang(url: string, rule: string, tag: string): Promise<void> {
  const loc = parseStoreUrl(url);
  const driver: SqlDriver = loc.kind === 'sqlite' ? new SqliteDriver(loc.path) : new PostgresDriver(loc.url, loc.display, loc.password);
  setInterval(() => undefined, 1000); // keep the process alive while it "hangs"
  await driver.transaction('write', async (tx) => {
    await writeVersion(tx, toStorable(luaRule(rule, tag)), { author: 'killed', message: null, baseVersion: undefined, evidence: null, rollbackOf: null, fixtures: null });
    process.stdout.write('in-transaction\n');
    await new Promise(() => undefined); // never commits
  });
}

async function race(url: string, rule: string, tag: string): Promise<void> {
  const store = openStore(url);
  const base = (await store.getRule(rule))?.headVersion ?? 0;
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line.trim() === 'go') break;
  try {
    const out = await store.publish(luaRule(rule, tag), { author: tag, baseVersion: base });
    process.stdout.write(JSON.stringify({ ok: true, version: out.version.number }) + '\n');
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    process.stdout.write(JSON.stringify({ conflict: e.message }) + '\n');
  }
  await store.close();
  process.exit(0);
}

async function watch(url: string, rule: string, last: number): Promise<void> {
  const store = openStore(url, { watch: { pollIntervalMs: 10 } });
  const source = new StoreRuleSource(store, { onError: (e) => process.stderr.write(`watch error: ${e.message}\n`) });
  const seen: number[] = [];
  let torn = 0;
  const check = (r: VersionedRule): void => {
    const content = r.definition.kind === 'lua' ? r.definition.source : '';
    if (sha256(content) !== r.checksum) torn++;
  };
  for (const r of await source.load()) {
    check(r);
    if (r.definition.name === rule) seen.push(r.version);
  }
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  source.watch((change) => {
    for (const r of change.upserted) {
      check(r);
      if (r.definition.name === rule) seen.push(r.version);
    }
    if (seen[seen.length - 1] === last) done();
  });
  process.stdout.write('ready\n');
  if (seen[seen.length - 1] !== last) await finished;
  await source.stop();
  await store.close();
  process.stdout.write(JSON.stringify({ seen, torn }) + '\n');
  process.exit(0);
}

async function flood(url: string, holdMs: number, forMs: number): Promise<void> {
  const loc = parseStoreUrl(url);
  if (loc.kind !== 'sqlite') throw new Error('flood is for SQLite');
  const driver = new SqliteDriver(loc.path);
  const until = Date.now() + forMs;
  let transactions = 0;
  process.stdout.write('flooding\n');
  while (Date.now() < until) {
    await driver.transaction('log', async (tx) => {
      await tx.run("UPDATE engines SET last_seen = ? WHERE engine_id = 'flood'", [new Date().toISOString()]);
      const end = Date.now() + holdMs;
      while (Date.now() < end); // the CPU work of a large write, lock held
    });
    transactions++;
  }
  await driver.close();
  process.stdout.write(JSON.stringify({ transactions }) + '\n');
  process.exit(0);
}

const [mode, url, rule, arg] = process.argv.slice(2);
const run =
  mode === 'hang'
    ? hang(url ?? '', rule ?? '', arg ?? '')
    : mode === 'race'
      ? race(url ?? '', rule ?? '', arg ?? '')
      : mode === 'flood'
        ? flood(url ?? '', Number(rule), Number(arg))
        : watch(url ?? '', rule ?? '', Number(arg));
run.catch((e: unknown) => {
  process.stderr.write(`child failed: ${(e as Error).message}\n`);
  process.exit(3);
});
