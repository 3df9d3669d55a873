/**
 * Evaluations are synchronous (Fengari runs on this thread), so while one runs
 * nothing else does: no /healthz, no signal handler. Two things keep `serve`
 * responsive (docs/decisions.md, "serve stays responsive"):
 *  - each request has a wall-clock budget shared by its rules (RuleEngine's
 *    timeBudgetMs), so one evaluation holds the thread for at most that long;
 *  - evaluations run one per event-loop turn from this queue, so requests that arrive
 *    together do not run back to back: between two evaluations the loop polls
 *    sockets, and a /healthz (answered at once, never queued) is served in between.
 * A job tells the watchdog itself when its evaluation starts and ends (http-service.ts).
 */
const YIELD_TURNS = 4;
const SLICE_MS = 2;

/**
 * One queued evaluation. An object with methods rather than a function and a promise
 * (issue 16): a request used to cost a promise, its resolve/reject closures and a
 * microtask here; the job is the request's own object (http-service.ts Evaluation).
 */
export interface EvaluationJob {
  /** Evaluates and answers; must not throw. */
  run(): void;
  /** Answers without evaluating (shutdown); must not throw. */
  cancel(error: Error): void;
}

export class EvaluationQueue {
  private jobs: EvaluationJob[] = [];
  /** Where the next job to run is in `jobs` (a shift per job moved the whole array). */
  private head = 0;
  private scheduled = false;
  private lastJobMs = 0;

  get length(): number {
    return this.jobs.length - this.head;
  }

  enqueue(job: EvaluationJob): void {
    this.jobs.push(job);
    this.schedule();
  }

  /** Cancels every evaluation still waiting (shutdown: their clients are being disconnected). */
  cancelWaiting(error: Error): void {
    const waiting = this.jobs.slice(this.head);
    this.jobs = [];
    this.head = 0;
    for (const job of waiting) job.cancel(error);
  }

  private take(): EvaluationJob | undefined {
    const job = this.jobs[this.head];
    if (job === undefined) return undefined;
    this.jobs[this.head++] = undefined as unknown as EvaluationJob;
    if (this.head === this.jobs.length) {
      this.jobs.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.jobs.length) {
      // A queue that never empties (sustained overload) would otherwise grow by one
      // spent slot per request for as long as it lasts.
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
    return job;
  }

  private schedule(): void {
    if (this.scheduled || this.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the poll phase (new connections, /healthz) runs
    // between two immediates queued one after the other. A new connection needs two
    // polls (accept, then read its request), so after an evaluation that took a while
    // the queue lets a few turns pass before the next one: a /healthz then waits for
    // at most ONE evaluation, not two (measured: 1.9 s with one turn, 4 looping
    // requests queued and a 500 ms budget).
    const turns = this.lastJobMs >= 5 ? YIELD_TURNS : 1;
    if (turns === 1) setImmediate(this.runSlice);
    else this.hop(turns);
  }

  private hop(left: number): void {
    if (left > 1) setImmediate(() => this.hop(left - 1));
    else setImmediate(this.runSlice);
  }

  /**
   * Fast evaluations (microseconds, the usual case) run back to back for up to
   * SLICE_MS, so the queue costs throughput nothing; a slow one ends the slice.
   */
  private readonly runSlice = (): void => {
    this.scheduled = false;
    const sliceStart = performance.now();
    let now = sliceStart;
    do {
      const job = this.take();
      if (job === undefined) break;
      job.run();
      const ended = performance.now();
      this.lastJobMs = ended - now;
      now = ended;
    } while (this.length > 0 && now - sliceStart < SLICE_MS);
    this.schedule();
  };
}
