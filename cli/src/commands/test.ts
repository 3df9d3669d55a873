import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import { formatDuration, mismatchTable, shortResult } from '../format-result';
import { collectRuleFiles } from '../../../core/src/rules-folder/collect-rule-files';
import { fixturesPathFor } from '../../../core/src/rules-folder/file-names';
import { loadRuleFile } from '../../../core/src/rules-folder/rule-file';
import type { FixtureOutcome } from '../../../core/src/fixtures/run-fixtures';
import { loadFixtureFile, runFixtures } from '../../../core/src/fixtures/run-fixtures';
import { LuaExecutor } from '../../../core/src/executor/lua-executor';
import { displayText, safeJson } from '../../../core/src/util/display-text';
import type { LineCoverage } from '../../../core/src/coverage/line-coverage';
import { coverageFor, lcovRecord, lineRanges } from '../../../core/src/coverage/line-coverage';

const HELP = `Usage: lua-rules test [paths...] [--json] [--filter TEXT] [--coverage] [--instructions N]

Runs every fixture of every rule under the given files and folders (default: ./rules
when it exists, else the current folder). A rule's fixtures live beside it in
<name>.fixtures.json. Each failure is printed with expected vs actual; the last line
is 'N passed, N failed'.

Options:
  --json              print a JSON report on stdout (the summary line goes to stderr)
  --filter TEXT       only fixtures whose rule or fixture name contains TEXT (files
                      with none are left out; none at all is exit 2)
  --coverage          line coverage of each Lua rule by its fixtures: a percentage
                      per rule (with the lines never run) and coverage/lcov.info
  --instructions N    the instruction budget per evaluation (default 1,000,000)

Exit codes: 0 every fixture passed; 1 a fixture failed; 2 bad usage, a path that
does not exist, or a rule or fixture file that cannot be read (the rest still run).`;

interface FileReport {
  file: string;
  rule: string | null;
  /** Problems loading the rule or its fixtures: bad input. */
  errors: string[];
  fixtures: FixtureOutcome[];
  hasFixtureFile: boolean;
  /** --filter selected none of its fixtures: the file is left out of the report. */
  filteredOut?: boolean;
  /** With --coverage, for a Lua rule that compiles. */
  coverage?: LineCoverage;
}

export const testCommand: Command = {
  name: 'test',
  summary: 'run every fixture of the rules under the given paths',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('test', argv, { json: { type: 'boolean' }, filter: { type: 'string' }, coverage: { type: 'boolean' }, instructions: { type: 'string' } });
    const withCoverage = booleanFlag(args, 'coverage');
    const instructions = numberFlag('test', args, 'instructions', { min: 1000, max: 1e10, integer: true });
    const filter = stringFlag(args, 'filter');
    const json = booleanFlag(args, 'json');
    const paths = args.positionals.length > 0 ? args.positionals : [existsSync(resolve(io.cwd, 'rules')) ? 'rules' : '.'];
    const collected = collectRuleFiles(paths.map((p) => resolve(io.cwd, p)));
    if (collected.missing.length > 0) throw new UsageError(`test: not found: ${collected.missing.map((p) => relative(io.cwd, p) || p).join(', ')}`);
    if (collected.notRules.length > 0) throw new UsageError(`test: not a rule or fixtures file: ${collected.notRules.map((p) => relative(io.cwd, p)).join(', ')} (rules are *.lua or *.rule.json)`);
    if (collected.rules.length === 0) throw new UsageError(`test: no rules (*.lua, *.rule.json) under ${paths.join(', ')}`);

    const executor = new LuaExecutor(instructions ? { instructions } : {});
    const reports: FileReport[] = [];
    const progress = io.isTTY && !json && collected.rules.length > 20;
    collected.rules.forEach((path, index) => {
      if (progress) io.stderr(`\rtesting ${index + 1}/${collected.rules.length}…`);
      reports.push(testOneRule(executor, path, relative(io.cwd, path) || path, filter, withCoverage));
    });
    if (progress) io.stderr('\r\x1b[K');

    let passed = 0;
    let failed = 0;
    for (const report of reports) {
      for (const outcome of report.fixtures) {
        if (outcome.mismatches.length === 0) passed++;
        else failed++;
      }
    }
    const inputErrors = reports.filter((r) => r.errors.length > 0).length;
    if (filter !== undefined && passed + failed === 0 && inputErrors === 0) {
      io.stderr(`lua-rules test: no fixture or rule name contains '${filter}' (under ${paths.join(', ')})\n`);
      return EXIT.usage;
    }
    const shownReports = reports.filter((r) => r.filteredOut !== true);
    const summary = `${passed} passed, ${failed} failed` + (inputErrors > 0 ? ` (${inputErrors} file${inputErrors === 1 ? '' : 's'} could not be loaded)` : '');
    const coverageText = withCoverage ? writeCoverage(shownReports, io.cwd) : '';
    if (json) {
      io.stdout(safeJson({ passed, failed, files: shownReports.map(reportJson) }, 2) + '\n');
      if (coverageText) io.stderr(coverageText);
      io.stderr(summary + '\n');
    } else {
      io.stdout(shownReports.map(reportText).join('') + '\n' + coverageText + summary + '\n');
    }
    if (inputErrors > 0) return EXIT.usage;
    return failed > 0 ? EXIT.failures : EXIT.ok;
  },
};

function testOneRule(executor: LuaExecutor, path: string, shown: string, filter: string | undefined, withCoverage: boolean): FileReport {
  const loaded = loadRuleFile(path);
  if (!loaded.ok) return { file: shown, rule: null, errors: loaded.errors, fixtures: [], hasFixtureFile: false };
  const fixtureFile = loadFixtureFile(fixturesPathFor(path));
  const base: FileReport = { file: shown, rule: loaded.definition.name, errors: [], fixtures: [], hasFixtureFile: fixtureFile.status !== 'absent' };
  const ruleMatches = filter === undefined || loaded.definition.name.includes(filter);
  if (fixtureFile.status === 'absent') return ruleMatches ? base : { ...base, filteredOut: true };
  if (fixtureFile.status === 'invalid') return { ...base, errors: fixtureFile.errors.map((e) => `${fixturesPathFor(shown)}: ${e}`) };
  const selected = filter === undefined ? fixtureFile.fixtures : fixtureFile.fixtures.filter((f) => f.name.includes(filter) || loaded.definition.name.includes(filter));
  if (selected.length === 0 && !ruleMatches) return { ...base, filteredOut: true };
  const coverage = withCoverage ? coverageFor(executor, loaded.definition) : undefined;
  return { ...base, fixtures: runFixtures(executor, loaded.definition, selected, undefined, coverage), ...(coverage ? { coverage } : {}) };
}

function reportText(report: FileReport): string {
  const lines: string[] = [];
  if (report.errors.length > 0) {
    lines.push(`✗ ${displayText(report.file)}: cannot be loaded`);
    for (const error of report.errors) lines.push(`    ${displayText(error)}`);
    return lines.join('\n') + '\n';
  }
  if (!report.hasFixtureFile) return `- ${report.file}: no fixtures (add ${fixturesPathFor(report.file)})\n`;
  const failures = report.fixtures.filter((f) => f.mismatches.length > 0);
  lines.push(`${failures.length === 0 ? '✓' : '✗'} ${report.file} (${report.fixtures.length - failures.length}/${report.fixtures.length} fixtures passed)`);
  for (const outcome of report.fixtures) {
    if (outcome.mismatches.length === 0) {
      lines.push(`    ✓ ${displayText(outcome.fixture.name)} → ${shortResult(outcome.result)}  ${formatDuration(outcome.durationMs)}`);
      continue;
    }
    lines.push(`    ✗ ${displayText(outcome.fixture.name)} → ${shortResult(outcome.result)}`);
    // A failure the fixture did not expect is said in the rule's terms first; the table keeps the expectations it left unmet.
    const failure = outcome.mismatches.find((m) => m.field === 'error' && m.expected === 'none');
    if (failure) lines.push(`        ${displayText(failure.text)}`);
    const rest = outcome.mismatches.filter((m) => m !== failure);
    if (rest.length > 0) lines.push(...mismatchTable(rest, '        '));
    if (outcome.result.error === null || outcome.mismatches.every((m) => m.field !== 'error')) lines.push(`        reasoning: ${displayText(outcome.result.reasoning)}`);
  }
  return lines.join('\n') + '\n';
}

function reportJson(report: FileReport): unknown {
  return {
    file: report.file,
    rule: report.rule,
    errors: report.errors,
    fixtures: report.fixtures.map((o) => ({
      name: o.fixture.name,
      passed: o.mismatches.length === 0,
      result: { decision: o.result.decision, confidence: o.result.confidence, reasoning: o.result.reasoning, error: o.result.error, line: o.result.line },
      mismatches: o.mismatches,
      durationMs: o.durationMs,
      instructions: o.instructions,
    })),
    ...(report.coverage ? { coverage: { percent: Math.round(report.coverage.percent * 10) / 10, covered: report.coverage.covered, lines: report.coverage.executable.size, uncovered: report.coverage.uncovered() } } : {}),
  };
}

/**
 * Writes coverage/lcov.info (under the current folder) for the Lua rules tested and
 * returns the per-rule table: percentage, lines covered of lines holding code, and
 * the lines no fixture ran. Rules without fixtures count as 0 %: nothing tests them.
 */
function writeCoverage(reports: readonly FileReport[], cwd: string): string {
  const covered = reports.filter((r): r is FileReport & { coverage: LineCoverage } => r.coverage !== undefined);
  const dir = join(cwd, 'coverage');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'lcov.info'), covered.map((r) => lcovRecord(r.file, r.coverage)).join(''));
  const width = Math.max(4, ...covered.map((r) => r.file.length));
  const lines = [`coverage (lines of each Lua rule run by its fixtures; ${relative(cwd, join(dir, 'lcov.info'))}):`];
  for (const r of covered) {
    const c = r.coverage;
    const missing = c.uncovered();
    lines.push(`  ${r.file.padEnd(width)}  ${c.percent.toFixed(0).padStart(3)}%  ${String(c.covered).padStart(3)}/${c.executable.size}${missing.length > 0 ? `  not run: ${lineRanges(missing)}` : ''}`);
  }
  let all = 0;
  let run = 0;
  for (const r of covered) {
    all += r.coverage.executable.size;
    run += r.coverage.covered;
  }
  if (covered.length > 1) lines.push(`  ${'all'.padEnd(width)}  ${(all === 0 ? 100 : (100 * run) / all).toFixed(0).padStart(3)}%  ${String(run).padStart(3)}/${all}`);
  return lines.join('\n') + '\n\n';
}

