import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { readEditorFixtures, runEditorFixtures } from '../../core/src/checker';
import type { Finding, FixtureRun } from '../../core/src/checker';
import { Debouncer } from './debouncer';
import type { RuleDocuments } from './rule-documents';

/** `/r/epic.lua` → `/r/epic.fixtures.json` (as URIs). */
export function fixturesUriOf(ruleUri: string): string | undefined {
  return ruleUri.endsWith('.lua') ? ruleUri.slice(0, -'.lua'.length) + '.fixtures.json' : undefined;
}

/** `/r/epic.fixtures.json` → `/r/epic.lua`. */
export function ruleUriOf(fixturesUri: string): string | undefined {
  return fixturesUri.endsWith('.fixtures.json') ? fixturesUri.slice(0, -'.fixtures.json'.length) + '.lua' : undefined;
}

export interface FixtureRunReport {
  ruleUri: string;
  version: number;
  run: FixtureRun;
  /** Findings for the fixtures file, when the rule has one. */
  fixturesUri: string;
  fixtureFileFindings: Finding[];
}

/**
 * Runs a rule's fixtures after edits: debounced per rule, one fixture at a time
 * with a turn of the event loop in between (requests are answered meanwhile), and
 * abandoned as soon as a newer edit makes the run stale. Fixtures run on the shared
 * executor, in the same sandbox and with the same limits as the engine; only the
 * instruction budget comes from the settings.
 */
export class FixtureScheduler {
  private readonly debouncer = new Debouncer();
  private readonly generations = new Map<string, number>();
  private readonly executor = new LuaExecutor();

  constructor(
    private readonly documents: RuleDocuments,
    private readonly onDone: (report: FixtureRunReport) => void,
  ) {}

  /** A rule or its fixtures changed: run them again soon. */
  schedule(ruleUri: string, version: number): void {
    const generation = (this.generations.get(ruleUri) ?? 0) + 1;
    this.generations.set(ruleUri, generation);
    if (!this.documents.settings.runFixtures) return;
    this.debouncer.schedule(ruleUri, this.documents.settings.fixturesDelayMs, () => {
      void this.run(ruleUri, version, generation);
    });
  }

  private async run(ruleUri: string, version: number, generation: number): Promise<void> {
    const fixturesUri = fixturesUriOf(ruleUri);
    if (!fixturesUri) return;
    const fixturesText = this.documents.text(fixturesUri);
    const ruleText = this.documents.text(ruleUri);
    if (fixturesText === undefined || ruleText === undefined) return;
    // A broken fixtures file yields no fixtures; its own check reports why.
    const { fixtures } = readEditorFixtures(fixturesText);
    const isCancelled = (): boolean => this.generations.get(ruleUri) !== generation;
    const chunkName = ruleUri.slice(ruleUri.lastIndexOf('/') + 1);
    const run = await runEditorFixtures(this.executor, ruleText, chunkName, fixtures, {
      limits: { instructions: this.documents.settings.instructionBudget },
      isCancelled,
      yieldBetween: () => new Promise((resolve) => setImmediate(resolve)),
    });
    if (!run || isCancelled()) return;
    this.onDone({ ruleUri, version, run, fixturesUri, fixtureFileFindings: run.fixtureFileFindings });
  }

  dispose(): void {
    this.debouncer.dispose();
  }
}
