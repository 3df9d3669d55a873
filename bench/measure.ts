import { performance } from 'node:perf_hooks';

/**
 * A batch timer: one sample is the mean time per operation over a batch of
 * operations (timer resolution and loop overhead vanish over a batch), and the
 * figure reported is the median of many samples, which shrugs off the GC pauses
 * and the other users of a shared machine. p10/p90 show how noisy the run was.
 */
export interface Timing {
  /** Median µs per operation over the samples. */
  medianUs: number;
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

export function summarise(perOpUs: number[], opsPerSample: number): Timing {
  const sorted = [...perOpUs].sort((a, b) => a - b);
  return { medianUs: percentile(sorted, 50), p10Us: percentile(sorted, 10), p90Us: percentile(sorted, 90), samples: sorted.length, opsPerSample };
}

/** Times `op(i)` for i = 0, 1, 2, ... (the caller maps i onto its inputs, e.g. i % contexts.length). */
export function measureSync(op: (i: number) => unknown, options: MeasureOptions): Timing {
  const { batch, samples, warmupBatches = 3 } = options;
  let i = 0;
  let sink: unknown;
  const perOp: number[] = [];
  for (let s = 0; s < warmupBatches + samples; s++) {
    const started = performance.now();
    for (let b = 0; b < batch; b++) sink = op(i++);
    const elapsed = performance.now() - started;
    if (s >= warmupBatches) perOp.push((elapsed * 1000) / batch);
  }
  keep(sink);
  return summarise(perOp, batch);
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
  for (let s = 0; s < warmupBatches + samples; s++) {
    const started = performance.now();
    for (let b = 0; b < batch; b++) sink = await op(i++);
    const elapsed = performance.now() - started;
    if (s >= warmupBatches) perOp.push((elapsed * 1000) / batch);
  }
  keep(sink);
  return summarise(perOp, batch);
}

/** Times each call on its own: for operations of a millisecond or so (compiles), where one call is one sample. */
export function measureEach(op: (i: number) => unknown, samples: number, warmup = 5): Timing {
  const perOp: number[] = [];
  let sink: unknown;
  for (let i = 0; i < warmup + samples; i++) {
    const started = performance.now();
    sink = op(i);
    const elapsed = performance.now() - started;
    if (i >= warmup) perOp.push(elapsed * 1000);
  }
  keep(sink);
  return summarise(perOp, 1);
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
  const a: number[] = [];
  const b: number[] = [];
  for (let s = 0; s < warmupBatches + samples; s++) {
    for (const [op, into] of [[opA, a], [opB, b]] as const) {
      const first = i;
      const started = performance.now();
      for (let k = 0; k < batch; k++) sink = op(first + k);
      const elapsed = performance.now() - started;
      if (s >= warmupBatches) into.push((elapsed * 1000) / batch);
    }
    i += batch;
  }
  keep(sink);
  return [summarise(a, batch), summarise(b, batch)];
}
