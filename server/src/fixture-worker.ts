import { parentPort } from 'node:worker_threads';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { readEditorFixtures, runEditorFixtures } from '../../core/src/checker';
import type { ExecutorLimits } from '../../core/src/executor/limits';

/** A request to the fixture worker: run these fixtures against this rule source. */
export interface FixtureJob {
  id: number;
  ruleSource: string;
  chunkName: string;
  fixturesText: string;
  limits: Partial<ExecutorLimits>;
  kind: 'lua' | 'pattern';
}

/**
 * Runs fixtures off the server's main thread, so a slow rule never delays a
 * completion or a hover, and a stale run is cancelled by terminating the thread
 * (even in the middle of one evaluation). The executor is the shared one, with the
 * same sandbox and limits as the engine.
 */
if (parentPort) {
  const port = parentPort;
  const executor = new LuaExecutor();
  port.on('message', (job: FixtureJob) => {
    const { fixtures } = readEditorFixtures(job.fixturesText);
    void runEditorFixtures(executor, job.ruleSource, job.chunkName, fixtures, { limits: job.limits, kind: job.kind }).then((run) => port.postMessage({ id: job.id, run }));
  });
}
