import { performance } from 'node:perf_hooks';

/**
 * A batch timer: one sample is the mean time per operation over a batch of
 * operations (timer resolution and loop overhead vanish over a batch), and the
 * figure reported is the median of many samples, which shrugs off the GC pauses
 * and the other users of a shared machine. p10/p90 show how noisy the run was.
 */
export interface Timing {
  /** Median µs per operation over the samples (wall clock). */
  medianUs: number;
  /**
   * Median CPU µs (user + system, all of the process's threads) per operation. On a
   * quiet machine it is close to medianUs; on a busy one it leaves out the time spent
   * waiting for a core, so it is the steadier figure (and os.clock, which the native
   * Lua run uses, measures the same thing).
   */
  cpuMedianUs: number;
  p10Us: number;
  p90Us: number;
  samples: number;
  opsPerSample: number;
}

export interface MeasureOptions {
  /** Operations per sample. */
  batch: number;
  /** Samples kept. */
  samples: number;
  /** Batches run first and thrown away, so the JIT has settled. */
  warmupBatches?: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))));
  return sorted[index] as number;
}

export function summarise(perOpUs: number[], cpuPerOpUs: number[], opsPerSample: number): Timing {
  const sorted = [...perOpUs].sort((a, b) => a - b);
  const cpu = [...cpuPerOpUs].sort((a, b) => a - b);
  return { medianUs: percentile(sorted, 50), cpuMedianUs: percentile(cpu, 50), p10Us: percentile(sorted, 10), p90Us: percentile(sorted, 90), samples: sorted.length, opsPerSample };
}

/** Wall and CPU clocks read together. */
function clocks(): [number, number] {
  const cpu = process.cpuUsage();
  return [performance.now(), cpu.user + cpu.system];
}

/** µs per operation since `start`, wall and CPU. */
function perOpSince(start: [number, number], ops: number): [number, number] {
  const [wall, cpu] = clocks();
  return [((wall - start[0]) * 1000) / ops, (cpu - start[1]) / ops];
}

/** Times `op(i)` for i = 0, 1, 2, ... (the caller maps i onto its inputs, e.g. i % contexts.length). */
export function measureSync(op: (i: number) => unknown, options: MeasureOptions): Timing {
  const { batch, samples, warmupBatches = 3 } = options;
  let i = 0;
  let sink: unknown;
  const perOp: number[] = [];
  const cpuPerOp: number[] = [];
  for (let s = 0; s < warmupBatches + samples; s++) {
    const started = clocks();
    for (let b = 0; b < batch; b++) sink = op(i++);
    const [wall, cpu] = perOpSince(started, batch);
    if (s >= warmupBatches) {
      perOp.push(wall);
      cpuPerOp.push(cpu);
    }
  }
  keep(sink);
  return summarise(perOp, cpuPerOp, batch);
}

/**
 * The same for an async API: each operation is awaited before the next starts,
 * as a request handler would, so the figure includes the promise machinery the
 * API imposes, and nothing runs concurrently to flatter it.
 */
export async function measureAsync(op: (i: number) => Promise<unknown>, options: MeasureOptions): Promise<Timing> {
  const { batch, samples, warmupBatches = 3 } = options;
  let i = 0;
  let sink: unknown;
  const perOp: number[] = [];
  const cpuPerOp: number[] = [];
  for (let s = 0; s < warmupBatches + samples; s++) {
    const started = clocks();
    for (let b = 0; b < batch; b++) sink = await op(i++);
    const [wall, cpu] = perOpSince(started, batch);
    if (s >= warmupBatches) {
      perOp.push(wall);
      cpuPerOp.push(cpu);
    }
  }
  keep(sink);
  return summarise(perOp, cpuPerOp, batch);
}

/** Times each call on its own: for operations of a millisecond or so (compiles), where one call is one sample. */
export function measureEach(op: (i: number) => unknown, samples: number, warmup = 5): Timing {
  const perOp: number[] = [];
  const cpuPerOp: number[] = [];
  let sink: unknown;
  for (let i = 0; i < warmup + samples; i++) {
    const started = clocks();
    sink = op(i);
    const [wall, cpu] = perOpSince(started, 1);
    if (i >= warmup) {
      perOp.push(wall);
      cpuPerOp.push(cpu);
    }
  }
  keep(sink);
  return summarise(perOp, cpuPerOp, 1);
}

let kept: unknown;
/** Keeps a result reachable so the JIT cannot drop the work that produced it. */
function keep(value: unknown): void {
  kept = value;
}
export function lastKept(): unknown {
  return kept;
}

/**
 * Times two operations in alternating samples, so that a change in the machine's
 * load during the run hits both alike: for A/B questions such as "is warm slower
 * after a 100-line rule ran on the same executor?".
 */
export function measurePair(opA: (i: number) => unknown, opB: (i: number) => unknown, options: MeasureOptions): [Timing, Timing] {
  const { batch, samples, warmupBatches = 3 } = options;
  let i = 0;
  let sink: unknown;
  const a = { wall: [] as number[], cpu: [] as number[] };
  const b = { wall: [] as number[], cpu: [] as number[] };
  for (let s = 0; s < warmupBatches + samples; s++) {
    for (const [op, into] of [[opA, a], [opB, b]] as const) {
      const first = i;
      const started = clocks();
      for (let k = 0; k < batch; k++) sink = op(first + k);
      const [wall, cpu] = perOpSince(started, batch);
      if (s >= warmupBatches) {
        into.wall.push(wall);
        into.cpu.push(cpu);
      }
    }
    i += batch;
  }
  keep(sink);
  return [summarise(a.wall, a.cpu, batch), summarise(b.wall, b.cpu, batch)];
}

/**
 * A sync operation against an async one, in alternating samples (each with its own
 * batch size): for "how many times faster is A than B" when B's API is async. The
 * async one is awaited call by call, as in measureAsync.
 */
export async function measureSyncVsAsync(opA: (i: number) => unknown, batchA: number, opB: (i: number) => Promise<unknown>, batchB: number, samples: number, warmupBatches = 3): Promise<[Timing, Timing]> {
  let sink: unknown;
  const a = { wall: [] as number[], cpu: [] as number[] };
  const b = { wall: [] as number[], cpu: [] as number[] };
  let i = 0;
  let j = 0;
  for (let s = 0; s < warmupBatches + samples; s++) {
    let started = clocks();
    for (let k = 0; k < batchA; k++) sink = opA(i++);
    const [wallA, cpuA] = perOpSince(started, batchA);
    started = clocks();
    for (let k = 0; k < batchB; k++) sink = await opB(j++);
    const [wallB, cpuB] = perOpSince(started, batchB);
    if (s >= warmupBatches) {
      a.wall.push(wallA);
      a.cpu.push(cpuA);
      b.wall.push(wallB);
      b.cpu.push(cpuB);
    }
  }
  keep(sink);
  return [summarise(a.wall, a.cpu, batchA), summarise(b.wall, b.cpu, batchB)];
}
