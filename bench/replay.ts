/**
 * Impact analysis replay (issue 13): 100,000 captured decisions through a draft and the
 * live version (target: ≤ 10 s on this machine), beside the plain engine evaluating
 * the same contexts through the same two rules in the same run, so the figure shows
 * what the replay adds over the engine itself. The rules are the example epic rule
 * (live) and a variant with shifted thresholds (draft); the contexts are the bench's
 * deterministic ones, each a fresh object (as parsed from the log), no result cache.
 * Last, the whole path from a SQLite store (query, contexts parsed, replay).
 *   npm run bench:replay   (or: npx tsx bench/replay.ts [count]; default 100000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { impactOf, openStore, type ExecutionLogRecord } from '../store/src';
import { performance } from 'node:perf_hooks';
import { RuleEngine } from '../core/src/engine/rule-engine';
import { LuaExecutor } from '../core/src/executor/lua-executor';
import type { RuleDefinition } from '../core/src/model/rule';
import type { CapturedDecision } from '../core/src/impact/replay';
import { replayDecisions } from '../core/src/impact/replay';
import { generateContexts } from './contexts';
import { luaDefinition } from './rule-definitions';
import { epicPatternRule, epicRuleSource, epicVariantSource } from './rule-variants';

const COUNT = Number(process.argv[2] ?? 100_000);
const TARGET_S = 10;

function decisions(count: number): CapturedDecision[] {
  // Distinct contexts (1,000 shapes × copies through JSON): the log hands out a new object per record.
  const base = generateContexts(1000);
  const out: CapturedDecision[] = [];
  for (let i = 0; i < count; i++) out.push({ context: JSON.parse(JSON.stringify(base[i % base.length])) as unknown, decision: 'autonomous', confidence: 0.9, errorCode: null, version: 1, at: null, correlationId: null });
  return out;
}

/** CPU seconds (user + system) since `start`: steadier than the wall clock on a shared machine. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** The plain engine: the same two rules, the same contexts, no cache, nothing counted. */
function plainEngine(draft: RuleDefinition, live: RuleDefinition, records: readonly CapturedDecision[]): { wallS: number; cpuS: number } {
  const executor = new LuaExecutor();
  const engines = [draft, live].map((definition, i) => {
    const engine = new RuleEngine({ executor, cache: { minConfidence: 2, maxEntries: 0 } });
    engine.applyChange({ upserted: [{ definition, version: i, checksum: String(i) }], removed: [] });
    return engine;
  });
  const [d, l] = engines as [RuleEngine, RuleEngine];
  const started = performance.now();
  const cpu = process.cpuUsage();
  let sink = 0;
  for (const record of records) {
    sink += d.evaluateRule(draft.name, record.context).confidence;
    sink += l.evaluateRule(live.name, record.context).confidence;
  }
  if (Number.isNaN(sink)) console.log('');
  return { wallS: (performance.now() - started) / 1000, cpuS: cpuSeconds(cpu) };
}

async function measure(label: string, draft: RuleDefinition, live: RuleDefinition): Promise<void> {
  const records = decisions(COUNT);
  // Warm both paths on a slice first (JIT), then time each once over everything.
  await replayDecisions({ draft, live: { definition: live, version: 1 }, decisions: records.slice(0, 2000), source: { kind: 'rule', rule: live.name } });
  plainEngine(draft, live, records.slice(0, 2000));
  const plain = plainEngine(draft, live, records);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const report = await replayDecisions({ draft, live: { definition: live, version: 1 }, decisions: records, source: { kind: 'rule', rule: live.name } });
  const replayS = (performance.now() - started) / 1000;
  const replayCpuS = cpuSeconds(cpu);
  const ok = replayS <= TARGET_S;
  console.log(
    `${label.padEnd(34)} replay ${replayS.toFixed(2)} s wall, ${replayCpuS.toFixed(2)} s CPU (${((replayS * 1e6) / COUNT).toFixed(1)} µs/decision)  plain engine ${plain.wallS.toFixed(2)} s wall, ${plain.cpuS.toFixed(2)} s CPU  ratio ${(replayS / plain.wallS).toFixed(2)}x wall, ${(replayCpuS / plain.cpuS).toFixed(2)}x CPU  ` +
      `target ≤ ${TARGET_S} s ${ok ? 'met' : 'MISSED'}  [replayed ${report.replayed}, changed ${report.changed}]`,
  );
}

/**
 * The whole path `lua-rules impact` takes, on a SQLite store holding COUNT captured
 * decisions: the query, the JSON contexts parsed, the replay (what a user waits for).
 */
async function measureStore(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-bench-replay-'));
  try {
    const url = `sqlite:${join(dir, 'rules.db')}`;
    const store = openStore(url);
    const source = epicRuleSource();
    await store.publish(luaDefinition('epic_wsjf_validation', source, 'epic'), { author: 'bench' });
    const base = generateContexts(1000);
    const now = Date.now();
    for (let i = 0; i < COUNT; i += 5000) {
      const batch: ExecutionLogRecord[] = [];
      for (let j = i; j < Math.min(COUNT, i + 5000); j++) batch.push({ rule: 'epic_wsjf_validation', version: 1, decision: 'autonomous', confidence: 0.95, durationMs: 0.02, errorCode: null, correlationId: `r${j}`, engineId: 'bench', category: 'epic', context: base[j % base.length], at: new Date(now - j).toISOString() });
      await store.recordExecutions(batch);
    }
    const since = new Date(now - 86_400_000).toISOString();
    const queryStarted = performance.now();
    const cpuQuery = process.cpuUsage();
    await store.decisions({ rule: 'epic_wsjf_validation', captured: true, since, limit: COUNT });
    const queryS = (performance.now() - queryStarted) / 1000;
    const queryCpuS = cpuSeconds(cpuQuery);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const report = await impactOf(store, luaDefinition('epic_wsjf_validation', epicVariantSource(source, 7), 'epic'), { since, limit: COUNT });
    const s = (performance.now() - started) / 1000;
    const cpuS = cpuSeconds(cpu);
    await store.close();
    console.log(
      `${'store to report (SQLite, Lua rule)'.padEnd(34)} ${s.toFixed(2)} s wall, ${cpuS.toFixed(2)} s CPU (${((s * 1e6) / COUNT).toFixed(1)} µs/decision), of which the query with its JSON contexts ${queryS.toFixed(2)} s wall, ${queryCpuS.toFixed(2)} s CPU  ` +
        `target ≤ ${TARGET_S} s ${s <= TARGET_S ? 'met' : 'MISSED'}  [replayed ${report.replayed}]`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`bench/replay: ${COUNT.toLocaleString('en-US')} captured decisions through a draft and the live version; node ${process.version}; load average ${load}`);
  const source = epicRuleSource();
  await measure('Lua rule (epic_wsjf_validation)', luaDefinition('epic_wsjf_validation', epicVariantSource(source, 7)), luaDefinition('epic_wsjf_validation', source));
  const pattern = epicPatternRule();
  const shifted = { ...pattern, patterns: pattern.patterns.map((p) => (p.type === 'metric' ? { ...p, threshold: p.threshold + 10 } : { ...p })) };
  await measure('pattern rule (epic_priority)', shifted, pattern);
  await measureStore();
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

void main();
