/**
 * What one decision costs the decision log's writer, in CPU time (issue 16): the
 * log thread's write path from the packed batches it receives (a checkout's
 * `recordPackedBatches` where it has one, since migration 8; else `unpackBatch` then
 * `recordExecutions`, what its thread did), with `--records-path` the store's records
 * path (`recordExecutions`) for every checkout, and its retention (`pruneDecisions` with the default per-rule bound), on a
 * real SQLite file, in steady state: the log is first filled past the bound, then each
 * round writes a minute's worth of records at the measured serve rate and prunes.
 *
 * CPU time, not wall time, so two builds can be compared on a busy machine: give the
 * other build's checkout with --repo, and both are measured in the same run, in turns.
 *
 *   node --import tsx bench/decision-log-cost.ts [--records 200000] [--rounds 3] [--repo /path/to/other/checkout] [--records-path]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' }, repo: { type: 'string' }, 'records-path': { type: 'boolean', default: false } } });
const RECORDS_PATH = values['records-path'];
const RECORDS = Number(values.records);
const ROUNDS = Number(values.rounds);
const BATCH = 2000;
const CONTEXT = JSON.stringify({ epic_id: 'epic-123', owner: { email: 'ann@example.com' }, metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });

interface StoreModule {
  openStore(url: string): {
    migrate(): Promise<unknown>;
    recordExecutions(records: unknown[]): Promise<void>;
    /** Since migration 8: the log thread's own path (packed batches); absent in older checkouts. */
    recordPackedBatches?(batches: unknown[], engineId: string | null): Promise<void>;
    pruneDecisions(retention: { contextsPerRule: number; maxAgeMs: number; maxRows: number }): Promise<{ rowsDeleted: number; contextsDropped: number }>;
    close(): Promise<void>;
  };
}
interface CapturedModule {
  JsonText: new (text: string) => unknown;
}
interface BatchModule {
  BatchBuilder: new (capacity: number, rawText: boolean) => { add(record: unknown, capture: boolean): void; take(): unknown };
  unpackBatch(batch: unknown, engineId: string | null, parseContexts: boolean): unknown[];
}

async function measure(repo: string): Promise<{ writeUs: number; pruneUs: number }> {
  const store = (await import(join(repo, 'store/src/index.ts'))) as StoreModule;
  const captured = (await import(join(repo, 'store/src/captured-decisions.ts'))) as CapturedModule;
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-log-cost-'));
  const s = store.openStore(`sqlite:${join(dir, 'rules.db')}`);
  await s.migrate();
  const batches = (await import(join(repo, 'store/src/decision-batch.ts'))) as BatchModule;
  let n = 0;
  const records = (): unknown[] =>
    Array.from({ length: BATCH }, () => {
      n++;
      // As the log's thread hands them over: the request body's text, not parsed again.
      return { rule: n % 2 === 0 ? 'epic_wsjf_validation' : 'epic_priority', version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 0.01, errorCode: null, correlationId: null, engineId: 'bench', category: 'epic', at: new Date().toISOString(), context: new captured.JsonText(CONTEXT) };
    });
  /** A batch as the request thread packs it: a category of two rules per request, one context and one correlation id each. */
  const packed = (): unknown => {
    const builder = new batches.BatchBuilder(BATCH, true);
    for (let k = 0; k < BATCH / 2; k++) {
      n++;
      const context = JSON.parse(CONTEXT) as unknown;
      for (const rule of ['epic_wsjf_validation', 'epic_priority']) {
        builder.add({ rule, version: 1, decision: 'autonomous', confidence: 0.9, durationMs: 0.01, errorCode: null, correlationId: `c0a8f1e2-1234-4a5b-9c3d-${String(n).padStart(12, '0')}`, cached: true, at: Date.now(), category: 'epic', context, contextJson: CONTEXT }, true);
      }
    }
    return builder.take();
  };
  const write = async (): Promise<number> => {
    if (RECORDS_PATH) {
      const r = records();
      const t = process.cpuUsage();
      await s.recordExecutions(r);
      const u = process.cpuUsage(t);
      return u.user + u.system;
    }
    const b = packed();
    const t = process.cpuUsage();
    if (s.recordPackedBatches !== undefined) await s.recordPackedBatches([b], 'bench');
    else await s.recordExecutions(batches.unpackBatch(b, 'bench', false));
    const u = process.cpuUsage(t);
    return u.user + u.system;
  };
  const retention = { contextsPerRule: 10_000, maxAgeMs: 7 * 24 * 3600 * 1000, maxRows: 1_000_000 };
  // Fill past the bound first, so the rounds measure the steady state.
  for (let i = 0; i < 30_000; i += BATCH) await write();
  await s.pruneDecisions(retention);
  let written = 0;
  let prune = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < RECORDS; i += BATCH) written += await write();
    const t2 = process.cpuUsage();
    await s.pruneDecisions(retention);
    const t3 = process.cpuUsage(t2);
    prune += t3.user + t3.system;
  }
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  return { writeUs: written / (ROUNDS * RECORDS), pruneUs: prune / (ROUNDS * RECORDS) };
}

async function main(): Promise<void> {
  const repos: [string, string][] = [['this checkout', join(__dirname, '..')]];
  if (values.repo !== undefined) repos.push([values.repo, values.repo]);
  console.log(`decision log writer cost — ${new Date().toISOString()}, load average ${loadavg()[0]?.toFixed(2)}; ${ROUNDS} rounds of ${RECORDS.toLocaleString('en-US')} records (batches of ${BATCH}), then a prune (newest 10,000 contexts per rule); ${RECORDS_PATH ? "the store's records path" : "the log thread's path from packed batches"}`);
  for (const [name, repo] of repos) {
    const r = await measure(repo);
    console.log(`  ${name}: CPU per decision: write ${r.writeUs.toFixed(2)} µs, prune ${r.pruneUs.toFixed(2)} µs, total ${(r.writeUs + r.pruneUs).toFixed(2)} µs`);
  }
  console.log(`load average at the end ${loadavg()[0]?.toFixed(2)}`);
}

void main();
