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
 * The main thread writes the start time of the running evaluation (0 when idle) into
 * shared memory; the worker reads it every 100 ms. No messages: a blocked main thread
 * could not read them.
 */
export interface Watchdog {
  /** Marks an evaluation as running (true) or finished (false). */
  busy(running: boolean): void;
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const started = new BigInt64Array(workerData.shared);
const timer = setInterval(() => {
  const since = Number(Atomics.load(started, 0));
  if (since > 0 && Date.now() - since > workerData.stuckMs) {
    clearInterval(timer);
    try {
      writeSync(2, 'lua-rules serve: an evaluation has blocked the service for more than ' + workerData.stuckMs + ' ms (its limits did not stop it); exiting so a supervisor can restart it\\n');
    } catch {}
    process.kill(process.pid, 'SIGKILL');
  }
}, 100);
`;

export function startWatchdog(stuckMs: number): Watchdog {
  const shared = new SharedArrayBuffer(8);
  const started = new BigInt64Array(shared);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, stuckMs } });
  worker.unref();
  return {
    busy: (running) => {
      Atomics.store(started, 0, BigInt(running ? Date.now() : 0));
    },
    stop: async () => {
      await worker.terminate();
    },
  };
}
