/** The evaluation queue and the correlation ids of `serve` (issue 16: both rewritten for the request thread's CPU). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EvaluationQueue, type EvaluationJob } from '../../service/src/evaluation-queue';
import { newCorrelationId } from '../../service/src/correlation-id';

const turn = (): Promise<void> => new Promise((done) => setImmediate(done));

describe('serve evaluation queue', () => {
  it('runs jobs in arrival order, never inside enqueue', async () => {
    const queue = new EvaluationQueue();
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) queue.enqueue({ run: () => ran.push(i), cancel: () => assert.fail('cancelled') });
    assert.deepEqual(ran, []);
    await turn();
    assert.deepEqual(ran, [0, 1, 2, 3, 4]);
    assert.equal(queue.length, 0);
  });

  it('a queue that never empties keeps no spent slots (sustained overload)', async () => {
    const queue = new EvaluationQueue();
    let ran = 0;
    // Each job queues the next two, so the queue is never empty; each slice ends after 2 ms.
    const job = (): EvaluationJob => ({
      run: () => {
        ran++;
        const end = performance.now() + 0.01;
        while (performance.now() < end);
        if (ran < 20_000) {
          queue.enqueue(job());
          if (queue.length < 200) queue.enqueue(job());
        }
      },
      cancel: () => undefined,
    });
    queue.enqueue(job());
    while (queue.length > 0 && ran < 20_000) await turn();
    const slots = (queue as unknown as { jobs: unknown[] }).jobs.length;
    assert.ok(slots <= 2 * 1024 + 400, `${slots} slots held for ${queue.length} waiting jobs after ${ran} runs`);
  });

  it('cancelWaiting answers each waiting job once and leaves the queue empty', async () => {
    const queue = new EvaluationQueue();
    const cancelled: number[] = [];
    for (let i = 0; i < 3; i++) queue.enqueue({ run: () => assert.fail('ran'), cancel: (e) => cancelled.push(i) && assert.equal(e.message, 'stop') });
    queue.cancelWaiting(new Error('stop'));
    assert.deepEqual(cancelled, [0, 1, 2]);
    assert.equal(queue.length, 0);
    await turn();
  });
});

describe('serve correlation ids', () => {
  it('are version-4 UUIDs, lower case, distinct across refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = newCorrelationId();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 1000);
  });
});
