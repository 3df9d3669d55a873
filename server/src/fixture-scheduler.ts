import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Finding, FixtureRun } from '../../core/src/checker';
import { fixturesPathFor, isRuleFile, ruleFileKind } from '../../core/src/rules-folder/file-names';
import { Debouncer } from './debouncer';
import type { FixtureJob } from './fixture-worker';
import type { RuleDocuments } from './rule-documents';


export interface FixtureRunReport {
  ruleUri: string;
  version: number;
  run: FixtureRun;
  fixturesUri: string;
  /** Findings for the fixtures file (failures at the fixture's name). */
  fixtureFileFindings: Finding[];
}

/** The worker thread that runs fixtures; started lazily, replaced when a stale run is cancelled. */
class FixtureThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending: { id: number; resolve: (run: FixtureRun | undefined) => void } | undefined;

  private start(): Worker {
    // From the build output the worker is plain JS; from the sources (tests, tsx) it needs tsx's loader.
    const file = join(__dirname, 'fixture-worker' + extname(__filename));
    const worker = extname(__filename) === '.ts' ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(file)});`, { eval: true }) : new Worker(file);
    worker.on('message', (message: { id: number; run: FixtureRun | undefined }) => {
      if (this.pending?.id !== message.id) return;
      const { resolve } = this.pending;
      this.pending = undefined;
      resolve(message.run);
    });
    worker.on('error', () => this.stop());
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.pending?.resolve(undefined);
      this.pending = undefined;
    });
    worker.unref();
    return worker;
  }

  run(job: Omit<FixtureJob, 'id'>): Promise<FixtureRun | undefined> {
    this.worker ??= this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending = { id, resolve };
      this.worker!.postMessage({ ...job, id } satisfies FixtureJob);
    });
  }

  /** Cancels the current run (its promise resolves to undefined) by ending the thread. */
  stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.pending?.resolve(undefined);
    this.pending = undefined;
    if (worker) void worker.terminate();
  }
}

/**
 * Runs a rule's fixtures after edits: debounced per rule, on a worker thread so the
 * server keeps answering, one rule at a time, and cancelled as soon as a newer edit
 * of the same rule makes the run stale. Only the instruction budget comes from the
 * settings; the sandbox and other limits are the engine's.
 */
export class FixtureScheduler {
  private readonly debouncer = new Debouncer();
  private readonly generations = new Map<string, number>();
  private readonly thread = new FixtureThread();
  private running: string | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly documents: RuleDocuments,
    private readonly onDone: (report: FixtureRunReport) => void,
  ) {}

  /** A rule or its fixtures changed: run them again soon. */
  schedule(ruleUri: string, version: number): void {
    const generation = (this.generations.get(ruleUri) ?? 0) + 1;
    this.generations.set(ruleUri, generation);
    if (this.running === ruleUri) this.thread.stop();
    if (!this.documents.settings.runFixtures) return;
    this.debouncer.schedule(ruleUri, this.documents.settings.fixturesDelayMs, () => {
      this.queue = this.queue.then(() => this.run(ruleUri, version, generation));
    });
  }

  private async run(ruleUri: string, version: number, generation: number): Promise<void> {
    const isStale = (): boolean => this.generations.get(ruleUri) !== generation;
    const fixturesUri = isRuleFile(ruleUri) ? fixturesPathFor(ruleUri) : undefined;
    if (!fixturesUri || isStale()) return;
    const fixturesText = this.documents.text(fixturesUri);
    const ruleSource = this.documents.text(ruleUri);
    if (fixturesText === undefined || ruleSource === undefined) return;
    this.running = ruleUri;
    let run: FixtureRun | undefined;
    try {
      run = await this.thread.run({
        ruleSource,
        chunkName: ruleUri.slice(ruleUri.lastIndexOf('/') + 1),
        fixturesText,
        limits: { instructions: this.documents.settings.instructionBudget },
        kind: ruleFileKind(ruleUri) === 'pattern' ? 'pattern' : 'lua',
      });
    } finally {
      this.running = undefined;
    }
    if (!run || isStale()) return;
    this.onDone({ ruleUri, version, run, fixturesUri, fixtureFileFindings: run.fixtureFileFindings });
  }

  dispose(): void {
    this.debouncer.dispose();
    this.thread.stop();
  }
}
