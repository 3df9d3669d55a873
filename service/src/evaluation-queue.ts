/**
 * Evaluations are synchronous (Fengari runs on this thread), so while one runs
 * nothing else does: no /healthz, no signal handler. Two things keep `serve`
 * responsive (docs/decisions.md, "serve stays responsive"):
 *  - each request has a wall-clock budget shared by its rules (RuleEngine's
 *    timeBudgetMs), so one evaluation holds the thread for at most that long;
 *  - evaluations run one per event-loop turn from this queue, so requests that arrive
 *    together do not run back to back: between two evaluations the loop polls
 *    sockets, and a /healthz (answered at once, never queued) is served in between.
 * The queue also tells the watchdog when an evaluation started (see watchdog.ts).
 */
const YIELD_TURNS = 4;
const SLICE_MS = 2;

export class EvaluationQueue {
  private readonly jobs: { run: () => void; cancel: (error: Error) => void }[] = [];
  private scheduled = false;

  constructor(private readonly onBusy: (busy: boolean) => void = () => undefined) {}

  get length(): number {
    return this.jobs.length;
  }

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        this.onBusy(true);
        try {
          resolve(fn());
        } catch (error) {
          reject(error as Error);
        } finally {
          this.onBusy(false);
        }
      };
      this.jobs.push({ run, cancel: reject });
      this.schedule();
    });
  }

  /** Fails every evaluation still waiting (shutdown: their clients are being disconnected). */
  cancelWaiting(error: Error): void {
    for (const job of this.jobs.splice(0)) job.cancel(error);
  }

  private schedule(): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the poll phase (new connections, /healthz) runs
    // between two immediates queued one after the other. A new connection needs two
    // polls (accept, then read its request), so after an evaluation that took a while
    // the queue lets a few turns pass before the next one: a /healthz then waits for
    // at most ONE evaluation, not two (measured: 1.9 s with one turn, 4 looping
    // requests queued and a 500 ms budget).
    const turns = this.lastJobMs >= 5 ? YIELD_TURNS : 1;
    const hop = (left: number): void => {
      if (left > 1) {
        setImmediate(() => hop(left - 1));
        return;
      }
      setImmediate(() => {
        this.scheduled = false;
        // Fast evaluations (microseconds, the usual case) run back to back for up to
        // SLICE_MS, so the queue costs throughput nothing; a slow one ends the slice.
        const sliceStart = performance.now();
        let started = sliceStart;
        do {
          started = performance.now();
          this.jobs.shift()?.run();
          this.lastJobMs = performance.now() - started;
        } while (this.jobs.length > 0 && performance.now() - sliceStart < SLICE_MS);
        this.schedule();
      });
    };
    hop(turns);
  }

  private lastJobMs = 0;
}
