import { Worker } from 'node:worker_threads';

/**
 * The last line of defence of `serve`: a thread that watches the main thread's
 * evaluations. The executor's limits stop every evaluation within its time limit (plus
 * ~100 ms); if one ever does not (a bug: a library call that never checks the clock),
 * the main thread is wedged: it cannot answer /healthz or even run its SIGTERM
 * handler. After `stuckMs` the watchdog writes one line to stderr and kills the
 * process (SIGKILL: nothing on the wedged thread has to cooperate), so a supervisor
 * restarts it and SIGTERM never waits longer than the grace period.
 *
 * The main thread writes the number of the running evaluation (0 when idle) into
 * shared memory; the worker reads it every 50 ms and times how long one number stays.
 * No messages: a blocked main thread could not read them. Why a number and not the
 * start time (issue 16): marking an evaluation then costs the main thread no clock
 * read and no BigInt, twice per request. The worker first sees an evaluation at most
 * 50 ms after it started and checks every 50 ms, so the kill comes stuckMs + 0-100 ms
 * after the start, as with the start time read every 100 ms.
 */
export interface Watchdog {
  /** Marks an evaluation as running (true) or finished (false). */
  busy(running: boolean): void;
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const running = new Int32Array(workerData.shared);
let seen = 0;
let seenSince = Date.now();
const timer = setInterval(() => {
  const now = Date.now();
  const evaluation = Atomics.load(running, 0);
  if (evaluation !== seen) {
    seen = evaluation;
    seenSince = now;
    return;
  }
  if (evaluation !== 0 && now - seenSince > workerData.stuckMs) {
    clearInterval(timer);
    try {
      writeSync(2, 'lua-rules serve: an evaluation has blocked the service for more than ' + workerData.stuckMs + ' ms (its limits did not stop it); exiting so a supervisor can restart it\\n');
    } catch {}
    process.kill(process.pid, 'SIGKILL');
  }
}, 50);
`;

export function startWatchdog(stuckMs: number): Watchdog {
  const shared = new SharedArrayBuffer(4);
  const running = new Int32Array(shared);
  let evaluations = 0;
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, stuckMs } });
  worker.unref();
  return {
    busy: (isRunning) => {
      if (isRunning) {
        // Never 0 (idle), and never the same number twice in a row.
        evaluations = evaluations === 0x7fffffff ? 1 : evaluations + 1;
        Atomics.store(running, 0, evaluations);
      } else Atomics.store(running, 0, 0);
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}
