/**
 * The decision log's worker thread (issue 13): its own store connection, the masking,
 * the sinks, the retries and the retention, so that none of it ever runs on the thread
 * that answers requests (better-sqlite3 writes and WAL checkpoints are synchronous, and
 * the log's writes were the service's p99). Started by decision-log-thread.ts.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { unpackBatch, type PackedBatch } from './decision-batch';
import { DecisionLogWriter } from './decision-log-writer';
import type { ThreadCounts, ThreadInit, ThreadReply, ThreadRequest } from './decision-log-thread';
import { openStore } from './open-store';
import type { ExecutionLogRecord, Store } from './types';

const init = workerData as ThreadInit;
lowerPriority(init.niceness);
const port = parentPort;
if (port === null) throw new Error('decision-log-worker runs as a worker thread');
const send = (reply: ThreadReply): void => port.postMessage(reply);
const problem = (error: Error): void => send({ type: 'error', message: error.message });

// Two connections at most: one writer at a time, and the prune beside it.
const store: Store | undefined = init.settings.store === false ? undefined : openStore(init.storeUrl, { cwd: init.cwd, poolSize: 2 });
const writer = new DecisionLogWriter(store, init.settings, problem);
/**
 * What waits to be written: batches as they came (packed: a few dozen bytes a record,
 * so a long lag costs little memory), and in front of them the records of a write
 * that failed, already unpacked.
 */
let waiting: PackedBatch[] = [];
let retry: ExecutionLogRecord[] = [];
let queued = 0;
let dropped = 0;
let stopped = false;
let pruneTimer: NodeJS.Timeout | undefined;
let retryTimer: NodeJS.Timeout | undefined;

let received = 0;
const counts = (): ThreadCounts => ({ ...writer.counts, dropped, queued, received });
const parseContexts = (init.settings.masks ?? []).length > 0;

/**
 * One transaction for everything that arrived while the previous one was written (a
 * large transaction costs SQLite a fraction per row of a small one), up to about
 * MAX_PER_WRITE records. A failed write keeps its records and is tried again after
 * `retryMs`; beyond `maxBuffered` the oldest are dropped and counted.
 */
const MAX_PER_WRITE = 5000;

/**
 * How many records a write takes now: fewer when a write held on for long. This thread
 * runs at a lower priority (nice 10), and on a machine busy with other processes it
 * gets a sliver of a core; a write of 5,000 records (about 40 ms of CPU) then holds
 * SQLite's write lock for seconds, and a publish waiting for it fails after its busy
 * timeout (measured at nice 19: 9 of 21 with two CPU-bound processes beside a loaded
 * `serve`). Halved after a write that took over SLOW_WRITE_MS, down to MIN_PER_WRITE;
 * doubled back after a quick one.
 */
const MIN_PER_WRITE = 50;
const SLOW_WRITE_MS = 100;
const QUICK_WRITE_MS = 25;
let perWrite = MAX_PER_WRITE;

function adapt(ms: number): void {
  if (ms > SLOW_WRITE_MS) perWrite = Math.max(MIN_PER_WRITE, Math.floor(perWrite / 2));
  else if (ms < QUICK_WRITE_MS) perWrite = Math.min(MAX_PER_WRITE, perWrite * 2);
}
let draining: Promise<void> | undefined;

function drain(): Promise<void> {
  draining ??= drainQueue().finally(() => {
    draining = undefined;
  });
  return draining;
}

/**
 * Batches arrive every few milliseconds (the request thread posts small ones, so that
 * contexts die young there); they are written together once COALESCE_RECORDS wait or
 * the oldest has waited COALESCE_MS: a transaction per post would cost SQLite several
 * times as much per row.
 */
const COALESCE_RECORDS = 2000;
const COALESCE_MS = 50;
let soonTimer: NodeJS.Timeout | undefined;

function soon(): void {
  if (queued >= COALESCE_RECORDS) {
    clearTimeout(soonTimer);
    soonTimer = undefined;
    void drain();
  } else if (soonTimer === undefined) {
    soonTimer = setTimeout(() => {
      soonTimer = undefined;
      void drain();
    }, COALESCE_MS);
  }
}

function take(): ExecutionLogRecord[] {
  let records = retry;
  retry = [];
  while (waiting.length > 0 && records.length < perWrite) {
    const batch = waiting.shift() as PackedBatch;
    records = records.concat(unpackBatch(batch, init.engineId, parseContexts));
  }
  // A batch is split when the write must be smaller than it (the rest goes first next time).
  if (records.length > perWrite) {
    retry = records.slice(perWrite);
    records = records.slice(0, perWrite);
  }
  return records;
}

/**
 * Whole batches, as they came, up to `perWrite` records, when the writer takes them so
 * (DecisionLogWriter.takesPacked) and nothing waits from a failed write; else undefined.
 */
function takePacked(): { batches: PackedBatch[]; count: number } | undefined {
  if (retry.length > 0 || !writer.takesPacked || (waiting[0]?.count ?? Infinity) > perWrite) return undefined;
  const batches: PackedBatch[] = [];
  let count = 0;
  while (waiting.length > 0 && count + (waiting[0] as PackedBatch).count <= perWrite) {
    const batch = waiting.shift() as PackedBatch;
    batches.push(batch);
    count += batch.count;
  }
  return { batches, count };
}

async function drainQueue(): Promise<void> {
  while (queued > 0) {
    const packed = takePacked();
    const records = packed === undefined ? take() : [];
    const count = packed === undefined ? records.length : packed.count;
    const started = performance.now();
    try {
      if (packed === undefined) await writer.write(records, true);
      else await writer.writePacked(packed.batches, init.engineId, count);
      queued -= count;
      adapt(performance.now() - started);
    } catch (e) {
      // Kept for the next try, unpacked (a failed write may have to be split).
      retry = (packed === undefined ? records : packed.batches.flatMap((b) => unpackBatch(b, init.engineId, parseContexts))).concat(retry);
      problem(e as Error);
      if (!stopped) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => void drain(), init.retryMs);
      }
      break;
    }
  }
  send({ type: 'counts', counts: counts() });
}

/** Beyond maxBuffered waiting records, the oldest go (counted). */
function trim(): void {
  let excess = queued - init.maxBuffered;
  if (excess <= 0) return;
  const fromRetry = Math.min(excess, retry.length);
  retry = retry.slice(fromRetry);
  excess -= fromRetry;
  let lost = fromRetry;
  while (excess > 0 && waiting.length > 0) {
    const oldest = waiting[0] as PackedBatch;
    if (oldest.count > excess) break; // a batch goes whole; the bound is kept within one batch
    waiting.shift();
    excess -= oldest.count;
    lost += oldest.count;
  }
  queued -= lost;
  dropped += lost;
}

async function prune(): Promise<void> {
  if (init.retention === false) return;
  await writer.prune(init.retention);
}

function schedulePrune(delayMs: number): void {
  if (init.retention === false || stopped) return;
  pruneTimer = setTimeout(() => {
    void prune()
      .catch((e: unknown) => problem(e as Error))
      .finally(() => {
        send({ type: 'counts', counts: counts() });
        schedulePrune(init.pruneIntervalMs);
      });
  }, delayMs);
}
schedulePrune(Math.min(init.pruneIntervalMs, init.firstPruneMs));

port.on('message', (request: ThreadRequest) => {
  if (request.type === 'batch') {
    waiting.push(request.batch);
    received += request.batch.count;
    queued += request.batch.count;
    trim();
    soon();
    return;
  }
  if (request.type === 'heartbeat' || request.type === 'shadow-results') {
    const written =
      store === undefined
        ? Promise.reject(new Error('the decision log thread has no store'))
        : request.type === 'heartbeat'
          ? store.heartbeat(request.record)
          : store.recordShadowResults(request.batch);
    written.then(
      () => send({ type: 'done', id: request.id, counts: counts() }),
      (e: unknown) => send({ type: 'done', id: request.id, counts: counts(), error: (e as Error).message }),
    );
    return;
  }
  void (async () => {
    try {
      if (request.type === 'flush') await drain();
      else if (request.type === 'prune') await prune();
      else {
        stopped = true;
        clearTimeout(pruneTimer);
        clearTimeout(retryTimer);
        clearTimeout(soonTimer);
        await drain();
        // What the store would not take by now is lost with the process: say so in the counts.
        dropped += queued;
        queued = 0;
        waiting = [];
        retry = [];
        writer.close();
        await store?.close();
      }
    } catch (e) {
      problem(e as Error);
    }
    send({ type: 'done', id: request.id, counts: counts() });
    if (request.type === 'stop') port.close();
  })();
});

/**
 * The log is background work: on Linux a thread has its own nice value, and this one
 * yields the CPU to the thread answering requests whenever both want it (the log
 * catches up when requests leave room; it holds `maxBuffered` records meanwhile).
 * Elsewhere, or when not allowed, it runs at the process's priority.
 */
function lowerPriority(by: number): void {
  if (process.platform !== 'linux' || by <= 0) return;
  try {
    const tid = Number(/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + by));
  } catch {
    // No /proc, or not permitted: the thread keeps the process's priority.
  }
}
