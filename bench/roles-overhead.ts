/**
 * What the identity checks of issue 14 cost on PostgreSQL: `node --import tsx bench/roles-overhead.ts`.
 * Two stores in one cluster, the same author and approver logins on both; on the
 * second, migration 6's triggers are dropped (the baseline). Publishes alternate
 * between the set-ups one by one, so a busy machine slows them alike:
 *  - as the store's owner (the triggers return at their owner check);
 *  - as a member of lua_rules_author (every check runs: recorded name, live guard);
 *  - the same author on the store without the triggers.
 * Then approvals that make a version live, as a member of lua_rules_approver, with and
 * without the triggers. BENCH_VERSIONS publishes each (default 300).
 *
 * On a loaded machine those wall-clock figures cannot resolve a millisecond, so the
 * triggers' own time is also read from the server: the three writes of a publish
 * (supersede, new version, rule row) under EXPLAIN ANALYZE with the constraint
 * checked immediately, rolled back, summing the time PostgreSQL reports per trigger.
 * Never fails on timing; prints the load average, since the machine is shared.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openStore, type Store } from '../store/src';
import { startPostgres } from '../test/store/pg-harness';

const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 300);
const log = (m: string): void => void process.stderr.write(m + '\n');
const lua = (name: string, tag: string, consensus = 0) => ({
  kind: 'lua' as const,
  name,
  category: 'bench',
  ...(consensus > 0 ? { consensus } : {}),
  source: `---@rule ${name}\n---@category bench\nreturn { decision = "autonomous", confidence = 0.9, reasoning = "${tag}" }\n`,
  origin: 'bench',
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function timed(fn: () => Promise<unknown>, into: number[]): Promise<void> {
  const start = performance.now();
  await fn();
  into.push(performance.now() - start);
}

interface PlanNode {
  Triggers?: { 'Trigger Name': string; Time: number; Calls: number }[];
}

/** The triggers' server-side time (ms) for the writes of one live publish, as `url`'s user, rolled back. */
async function triggerTime(url: string, rounds: number, author: string): Promise<{ total: number[]; byTrigger: Map<string, number> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const total: number[] = [];
  const byTrigger = new Map<string, number>();
  try {
    const rule = (await client.query<{ id: string; head_version: number }>("SELECT id, head_version FROM rules WHERE name = 'r'")).rows[0]!;
    const next = rule.head_version + 1;
    const explain = async (sql: string, params: unknown[]): Promise<number> => {
      const plan = (await client.query<{ 'QUERY PLAN': [{ Triggers?: PlanNode['Triggers'] }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params)).rows[0]!['QUERY PLAN'][0];
      let sum = 0;
      for (const t of plan.Triggers ?? []) {
        sum += t.Time;
        byTrigger.set(t['Trigger Name'], (byTrigger.get(t['Trigger Name']) ?? 0) + t.Time / rounds);
      }
      return sum;
    };
    for (let i = 0; i < rounds; i++) {
      await client.query('BEGIN; SET CONSTRAINTS ALL IMMEDIATE');
      let sum = 0;
      sum += await explain("UPDATE rule_versions SET state = 'superseded' WHERE rule_id = $1 AND state = 'live'", [rule.id]);
      sum += await explain(
        `INSERT INTO rule_versions (rule_id, number, kind, content, checksum, metadata, author, created_at, state, required_approvals, went_live_at)
         VALUES ($1, $2, 'lua', 'return nil', 'x', '{"name":"r","category":"bench"}', $3, now(), 'live', 0, now())`,
        [rule.id, next, author],
      );
      // After the version: with the constraint checked at once, the row must name a live version.
      sum += await explain('UPDATE rules SET head_version = $1, live_version = $1, updated_at = now() WHERE id = $2', [next, rule.id]);
      await client.query('ROLLBACK');
      total.push(sum);
    }
  } finally {
    await client.end();
  }
  return { total, byTrigger };
}

const line = (label: string, t: number[]): string => `${label.padEnd(48)} p50 ${percentile(t, 50).toFixed(2)} ms  p99 ${percentile(t, 99).toFixed(2)} ms  (n=${t.length})`;

async function main(): Promise<void> {
  const server = await startPostgres({ ownCluster: true });
  const stores: Store[] = [];
  try {
    const open = (url: string): Store => {
      const store = openStore(url);
      stores.push(store);
      return store;
    };
    const as = (url: string, name: string): string => {
      const u = new URL(url);
      u.username = name;
      u.password = 'bench-pw';
      return u.toString();
    };
    const withUrl = await server.createDatabase();
    const withoutUrl = await server.createDatabase();
    const owner = open(withUrl);
    await owner.installRoles();
    await open(withoutUrl).installRoles();
    await sql(withUrl, "CREATE ROLE bench_author LOGIN PASSWORD 'bench-pw'; GRANT lua_rules_author TO bench_author; CREATE ROLE bench_approver LOGIN PASSWORD 'bench-pw'; GRANT lua_rules_approver TO bench_approver");
    await sql(
      withoutUrl,
      `DROP TRIGGER rule_versions_author_recorded_by ON rule_versions; DROP TRIGGER rules_created_by_recorded_by ON rules;
       DROP TRIGGER rule_versions_live_needs_approvals ON rule_versions; DROP TRIGGER rule_versions_live_needs_approvals_update ON rule_versions;
       DROP TRIGGER rules_live_version_is_live ON rules; DROP TRIGGER rules_live_version_is_live_update ON rules; DROP TRIGGER approvals_rules ON approvals`,
    );
    const author = open(as(withUrl, 'bench_author'));
    const authorBase = open(as(withoutUrl, 'bench_author'));
    const approver = open(as(withUrl, 'bench_approver'));
    const approverBase = open(as(withoutUrl, 'bench_approver'));
    for (const [store, who] of [[owner, 'owner'], [author, 'bench_author'], [authorBase, 'bench_author']] as const) await store.publish(lua('r', 'warm-up'), { author: who });
    log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const t = { owner: [] as number[], author: [] as number[], base: [] as number[], approve: [] as number[], approveBase: [] as number[] };
    for (let i = 0; i < VERSIONS; i++) {
      await timed(() => owner.publish(lua('r', `v${i}`), { author: 'owner' }), t.owner);
      await timed(() => author.publish(lua('r', `a${i}`), { author: 'bench_author' }), t.author);
      await timed(() => authorBase.publish(lua('r', `a${i}`), { author: 'bench_author' }), t.base);
    }
    for (let i = 0; i < Math.max(20, Math.floor(VERSIONS / 5)); i++) {
      for (const [a, b, into] of [[author, approver, t.approve], [authorBase, approverBase, t.approveBase]] as const) {
        const out = await a.publish(lua('c', `p${i}`, 1), { author: 'bench_author' });
        await timed(() => b.approve('c', out.version.number, 'bench_approver'), into);
      }
    }
    const rounds = Math.max(50, Math.floor(VERSIONS / 3));
    const serverSide = { owner: await triggerTime(withUrl, rounds, 'postgres'), author: await triggerTime(as(withUrl, 'bench_author'), rounds, 'bench_author') };
    log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(line('publish as the owner (checks skipped)', t.owner));
    console.log(line('publish as an author (all checks)', t.author));
    console.log(line('publish as an author, no triggers (baseline)', t.base));
    console.log(line('approve → live as an approver (all checks)', t.approve));
    console.log(line('approve → live, no triggers (baseline)', t.approveBase));
    console.log(line("a live publish's triggers, server time, owner", serverSide.owner.total));
    console.log(line("a live publish's triggers, server time, author", serverSide.author.total));
    for (const [name, ms] of serverSide.author.byTrigger) console.log(`  author, mean per publish: ${name.padEnd(40)} ${ms.toFixed(3)} ms`);
  } finally {
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    await server.close();
  }
}

void main();
