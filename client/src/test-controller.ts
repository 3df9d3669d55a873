import * as vscode from 'vscode';
import type { RunOutcome } from '../../protocol/src/custom-messages';
import type { ServerApi } from './server-api';
import { ruleFileStem } from '../../core/src/rules-folder/file-names';
import { SKIPPED_FOLDERS_GLOB } from '../../core/src/rules-folder/walk-rules-folder';

export interface FixturesRunSummary {
  passed: number;
  failed: number;
  errored: number;
  /** `<rule>/<fixture>` → passed or the failure message. */
  results: Record<string, string>;
  /** With coverage: rule name → lines holding code, lines run, and the lines no fixture ran. */
  coverage?: Record<string, { lines: number; covered: number; uncovered: number[] }>;
}

/** A readable failure: each mismatching field with expected and actual, or the rule's error. */
export function failureMessage(outcome: RunOutcome): string {
  const lines = outcome.mismatches.map((m) => m.text);
  if (outcome.result.error && !outcome.mismatches.some((m) => m.field === 'error')) lines.push(`the rule failed (${outcome.result.error.code}): ${outcome.result.error.message}`);
  return lines.join('\n');
}

/**
 * Fixtures in VS Code's Testing API: one test item per rule that has a
 * `<name>.fixtures.json`, one child per fixture (placed on its line of the fixtures
 * file). Runs go through the server, which runs the rule as the editor has it.
 */
export class FixtureTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('luaRules.fixtures', 'Lua Rules fixtures');
  private readonly disposables: vscode.Disposable[] = [];
  private discovered: Promise<void> | undefined;
  /** Line details of each file coverage a run reported, for loadDetailedCoverage. */
  private readonly details = new WeakMap<vscode.FileCoverage, vscode.StatementCoverage[]>();
  private coverageProfile: vscode.TestRunProfile | undefined;

  constructor(private readonly api: ServerApi) {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discoverAll();
    };
    this.controller.refreshHandler = () => this.discoverAll(true);
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, async (request, token) => {
      await this.run(request, token);
    }, true);
    // VS Code's test coverage API: covered and uncovered lines of each rule in the
    // gutter and the Test Coverage view, from the server's line hook (lua-rules test --coverage).
    const coverage = (this.coverageProfile = this.controller.createRunProfile('Run with Coverage', vscode.TestRunProfileKind.Coverage, async (request, token) => {
      await this.run(request, token, true);
    }, true));
    coverage.loadDetailedCoverage = async (_run, fileCoverage) => this.details.get(fileCoverage) ?? [];
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.fixtures.json');
    watcher.onDidCreate((uri) => void this.discoverFile(uri));
    watcher.onDidChange((uri) => void this.discoverFile(uri));
    watcher.onDidDelete((uri) => this.controller.items.delete(this.ruleIdFor(uri)));
    this.disposables.push(watcher, this.controller);
  }

  private ruleIdFor(fixturesUri: vscode.Uri): string {
    return ruleFileStem(fixturesUri.toString());
  }

  /** Finds every fixtures file of the workspace (once, unless forced). */
  discoverAll(force = false): Promise<void> {
    if (!this.discovered || force) {
      this.discovered = (async () => {
        const files = await vscode.workspace.findFiles('**/*.fixtures.json', SKIPPED_FOLDERS_GLOB);
        await Promise.all(files.map((uri) => this.discoverFile(uri)));
      })();
    }
    return this.discovered;
  }

  async discoverFile(fixturesUri: vscode.Uri): Promise<void> {
    let listed;
    try {
      listed = await this.api.listFixtures(fixturesUri.toString());
    } catch {
      return; // server not running yet; discovery runs again on refresh
    }
    const id = this.ruleIdFor(fixturesUri);
    const ruleItem = this.controller.createTestItem(id, listed.ruleName, vscode.Uri.parse(listed.ruleUri));
    ruleItem.description = vscode.workspace.asRelativePath(fixturesUri);
    if (listed.problems.length > 0) ruleItem.error = listed.problems.join('\n');
    ruleItem.children.replace(
      listed.fixtures.map((f) => {
        const child = this.controller.createTestItem(`${id}#${f.name}`, f.name, fixturesUri);
        child.range = new vscode.Range(f.line, 0, f.line, 0);
        if (!f.hasExpectations) child.description = 'no expectations';
        return child;
      }),
    );
    this.controller.items.add(ruleItem);
  }

  /** Every rule item and its fixtures, for tests: `rule label → fixture labels`. */
  snapshot(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    this.controller.items.forEach((item) => {
      const children: string[] = [];
      item.children.forEach((c) => void children.push(c.label));
      out[item.label] = children.sort();
    });
    return out;
  }

  /** Runs all fixtures (the Run All Fixtures command) and returns the counts. */
  async runAll(): Promise<FixturesRunSummary> {
    await this.discoverAll(true);
    return this.run(new vscode.TestRunRequest(), new vscode.CancellationTokenSource().token);
  }

  /** Runs all fixtures with line coverage (the Run with Coverage profile, for every rule). */
  async runAllWithCoverage(): Promise<FixturesRunSummary> {
    await this.discoverAll(true);
    return this.run(new vscode.TestRunRequest(undefined, undefined, this.coverageProfile), new vscode.CancellationTokenSource().token, true);
  }

  async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, withCoverage = false): Promise<FixturesRunSummary> {
    const run = this.controller.createTestRun(request, withCoverage ? 'Lua Rules fixtures with coverage' : 'Lua Rules fixtures', true);
    const summary: FixturesRunSummary = { passed: 0, failed: 0, errored: 0, results: {}, ...(withCoverage ? { coverage: {} } : {}) };
    // Group what was asked for by rule: one server request per rule.
    const byRule = new Map<vscode.TestItem, vscode.TestItem[]>();
    const add = (item: vscode.TestItem): void => {
      if (request.exclude?.includes(item)) return;
      if (item.parent) byRule.set(item.parent, [...(byRule.get(item.parent) ?? []), item]);
      else {
        const children: vscode.TestItem[] = [];
        item.children.forEach((c) => void (request.exclude?.includes(c) ? undefined : children.push(c)));
        byRule.set(item, children);
      }
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);
    try {
      for (const [ruleItem, fixtures] of byRule) {
        if (token.isCancellationRequested) break;
        for (const f of fixtures) run.started(f);
        let result;
        try {
          result = await this.api.runRule({ uri: ruleItem.uri!.toString(), fixtures: fixtures.map((f) => f.label), ...(withCoverage ? { coverage: true } : {}) });
        } catch (e) {
          result = { ok: false as const, message: (e as Error).message };
        }
        if (!result.ok) {
          for (const f of fixtures) {
            run.errored(f, new vscode.TestMessage(result.message));
            summary.errored++;
            summary.results[`${ruleItem.label}/${f.label}`] = result.message;
          }
          continue;
        }
        if (result.coverage && ruleItem.uri) await this.addCoverage(run, ruleItem.uri, ruleItem.label, result.coverage.lines, summary);
        for (const f of fixtures) {
          const outcome = result.outcomes.find((o) => o.name === f.label);
          if (!outcome) continue;
          const key = `${ruleItem.label}/${f.label}`;
          const what = outcome.result.error ? `the rule failed (${outcome.result.error.code})` : `${outcome.result.decision} ${outcome.result.confidence}${outcome.result.line !== null ? ` at line ${outcome.result.line}` : ''}`;
          run.appendOutput(`${key}: ${what} (${outcome.instructions} instructions, ${outcome.durationMs.toFixed(2)} ms)\r\n`, undefined, f);
          if (outcome.mismatches.length === 0) {
            run.passed(f, outcome.durationMs);
            summary.passed++;
            summary.results[key] = 'passed';
          } else {
            const text = failureMessage(outcome);
            const message = new vscode.TestMessage(text);
            const decision = outcome.mismatches.find((m) => m.field === 'decision');
            if (decision) {
              message.expectedOutput = decision.expected;
              message.actualOutput = decision.actual;
            }
            if (f.uri && f.range) message.location = new vscode.Location(f.uri, f.range);
            run.failed(f, message, outcome.durationMs);
            summary.failed++;
            summary.results[key] = text;
          }
        }
      }
    } finally {
      run.end();
    }
    return summary;
  }

  /** One rule's line coverage into the run: a statement per line holding code, spanning the line's text. */
  private async addCoverage(run: vscode.TestRun, uri: vscode.Uri, rule: string, lines: { line: number; hits: number }[], summary: FixturesRunSummary): Promise<void> {
    const text = await vscode.workspace.openTextDocument(uri).then(
      (d) => d,
      () => undefined,
    );
    const details = lines.map(({ line, hits }) => {
      const row = line - 1;
      const lineText = text && row < text.lineCount ? text.lineAt(row) : undefined;
      const start = lineText ? lineText.firstNonWhitespaceCharacterIndex : 0;
      const end = lineText ? lineText.text.length : 0;
      return new vscode.StatementCoverage(hits, new vscode.Range(row, start, row, end));
    });
    const fileCoverage = vscode.FileCoverage.fromDetails(uri, details);
    this.details.set(fileCoverage, details);
    run.addCoverage(fileCoverage);
    if (summary.coverage) summary.coverage[rule] = { lines: lines.length, covered: lines.filter((l) => l.hits > 0).length, uncovered: lines.filter((l) => l.hits === 0).map((l) => l.line) };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
