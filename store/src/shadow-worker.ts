/**
 * The shadow runs' thread (issue 13): evaluates shadow versions beside the live ones,
 * so that a shadow that loops, allocates or fails costs the serving thread nothing
 * but a message. Started by ShadowRunner (shadow-runner.ts) with the engine's limits:
 * the same sandbox (instructions, memory, time) as the live rules, in its own Lua
 * state. It compares each shadow answer with the live answer it was sent and reports
 * counts and disagreements back in batches; it never touches the store.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CircuitBreaker, DEFAULT_BREAKER } from '../../core/src/engine/circuit-breaker';
import { RuleEngine } from '../../core/src/engine/rule-engine';
import type { ExecutorLimits } from '../../core/src/executor/limits';
import type { ShadowJob, ShadowWorkerMessage, ShadowWorkerReport } from './shadow-protocol';
import { disagrees } from './shadow-protocol';

const port = parentPort;
if (port === null) throw new Error('shadow-worker.ts runs as a worker thread (see shadow-runner.ts)');
const data = workerData as { limits?: Partial<ExecutorLimits>; reportEveryMs: number };

// No breaker in the engine: a shadow answer must be the rule's own, not a short-circuit.
// A breaker of our own instead pauses a shadow that keeps hitting its limits (a loop would
// otherwise keep a core busy for nothing): its jobs are skipped and counted as paused,
// not compared, until the breaker lets one through again.
const engine = new RuleEngine(data.limits !== undefined ? { limits: data.limits } : {});
const breakers = new Map<string, CircuitBreaker>();
let report: ShadowWorkerReport = { type: 'report', done: 0, counts: [], disagreements: [], paused: [], unrecorded: 0 };
const counts = new Map<string, { rule: string; shadow: number; compared: number; agreed: number }>();
/** Rule → the shadow number loaded for it. */
const loaded = new Map<string, number>();

const paused = new Map<string, number>();

function send(): void {
  if (report.done === 0) return;
  report.paused = [...paused].map(([rule, n]) => ({ rule, n }));
  paused.clear();
  report.counts = [...counts.values()];
  port?.postMessage(report);
  counts.clear();
  report = { type: 'report', done: 0, counts: [], disagreements: [], paused: [], unrecorded: 0 };
}

/**
 * Disagreement rows per second this thread hands over to be stored (the counts stay
 * exact beyond it). A shadow that disagrees with heavy traffic would otherwise have
 * the serving thread write a row per request (SQLite writes are synchronous: measured,
 * that cost a third of serve's rate at 6,000 req/s); the store keeps only the newest
 * 10,000 per shadow anyway.
 */
const RECORDED_PER_SECOND = 200;
let second = 0;
let recordedThisSecond = 0;

function recordable(now: number): boolean {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    recordedThisSecond = 0;
  }
  if (recordedThisSecond >= RECORDED_PER_SECOND) {
    report.unrecorded++;
    return false;
  }
  recordedThisSecond++;
  return true;
}

function run(job: ShadowJob): void {
  report.done++;
  // The shadow may have ended (or been replaced) since the job was queued: its answer is not wanted then.
  if (loaded.get(job.rule) !== job.shadow) return;
  let breaker = breakers.get(job.rule);
  if (breaker === undefined) {
    breaker = new CircuitBreaker(DEFAULT_BREAKER);
    breakers.set(job.rule, breaker);
  }
  const now = Date.now();
  if (breaker.isOpen(now)) {
    paused.set(job.rule, (paused.get(job.rule) ?? 0) + 1);
    return;
  }
  const result = engine.evaluateRule(job.rule, job.context);
  breaker.record(result.error, Date.now());
  const shadowAnswer = { decision: result.decision, confidence: result.confidence, errorCode: result.error?.code ?? null };
  const agreed = !disagrees(job.live, shadowAnswer);
  const key = `${job.shadow} ${job.rule}`;
  const c = counts.get(key) ?? { rule: job.rule, shadow: job.shadow, compared: 0, agreed: 0 };
  c.compared++;
  if (agreed) c.agreed++;
  counts.set(key, c);
  if (!agreed && recordable(Date.now())) {
    report.disagreements.push({
      rule: job.rule,
      shadow: job.shadow,
      liveVersion: job.live.version,
      live: { decision: job.live.decision, confidence: job.live.confidence, errorCode: job.live.errorCode },
      shadowAnswer,
      context: job.context,
      correlationId: job.correlationId,
      engineId: null,
      at: new Date(job.at).toISOString(),
    });
  }
}

port.on('message', (message: ShadowWorkerMessage) => {
  if (message.type === 'set') {
    for (const name of message.removed) loaded.delete(name);
    // A new or ended shadow starts with a closed breaker.
    for (const name of [...message.removed, ...message.upserted.map((u) => u.rule)]) breakers.delete(name);
    const change = engine.applyChange({ upserted: message.upserted.map((s) => ({ definition: s.definition, version: s.number, checksum: s.checksum })), removed: message.removed });
    for (const applied of change.applied) loaded.set(applied.name, applied.version);
    // A shadow that does not compile is not run (its jobs are skipped); the runner reports it.
    for (const refused of change.refused) {
      loaded.delete(refused.name);
      port.postMessage({ type: 'refused', rule: refused.name, shadow: refused.version, message: refused.error.message });
    }
  } else if (message.type === 'runs') {
    for (const job of message.jobs) {
      run(job);
      if (report.done >= 200) send();
    }
  } else if (message.type === 'report-now') {
    send();
    port.postMessage({ type: 'reported', token: message.token });
  }
});

setInterval(send, data.reportEveryMs).unref();
