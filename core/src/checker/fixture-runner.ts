import type { Node as JsonNode } from 'jsonc-parser';
import { findNodeAtLocation } from 'jsonc-parser';
import type { LuaExecutor } from '../executor/lua-executor';
import type { ExecutorLimits } from '../executor/limits';
import type { RuleResult } from '../model/result';
import type { RuleDefinition } from '../model/rule';
import { evaluateDefinition } from '../fixtures/run-fixtures';
import { parsePatternRule } from '../patterns/pattern-rule-file';
import { checkExpectation } from '../fixtures/check-expectation';
import type { FixtureExpectation } from '../fixtures/fixture-file';
import { LineIndex, checkJsonFile } from './json-files';
import type { Finding, Range } from './types';
import { defaultRuleName } from '../rules-folder/file-names';

/** One fixture as the fixtures file holds it (docs/rule-authoring.md, "Fixtures": `<name>.fixtures.json`). */
export interface EditorFixture {
  name: string;
  context: unknown;
  expect: FixtureExpect;
  /** Where the fixture's `name` value is in the fixtures file. */
  nameRange: Range;
}

export interface FixtureExpect {
  decision?: string;
  confidence?: number | { min?: number; max?: number };
  reasoning?: string | { pattern: string };
  /** An error code the rule must fail with; null or absent: it must not fail. */
  error?: string | null;
}

export interface FixtureOutcome {
  fixture: EditorFixture;
  result: RuleResult;
  /** Empty when the fixture passed. */
  problems: string[];
  /** passed; failed (a result other than expected); error (the rule failed and the fixture did not expect it). */
  status: 'passed' | 'failed' | 'error';
}

export interface FixtureRun {
  outcomes: FixtureOutcome[];
  /** Findings for the rule file (failures at the line they concern, or the first line). */
  ruleFindings: Finding[];
  /** Findings for the fixtures file (schema problems, failures at the fixture's name). */
  fixtureFileFindings: Finding[];
}

/**
 * What is wrong with a result for a fixture, as `field: expected X, got Y` lines
 * (an expected error code that did not come included); the comparison is the
 * shared one `lua-rules test` uses (core/src/fixtures).
 */
export function expectationProblems(expect: FixtureExpect, result: RuleResult): string[] {
  const { error, ...rest } = expect;
  const normalized: FixtureExpectation = { ...(rest as FixtureExpectation), ...(typeof error === 'string' ? { error } : {}) };
  return checkExpectation(normalized, result).map((m) => m.text);
}

/** True when the rule failed and the fixture did not ask for that failure. */
function unexpectedError(expect: FixtureExpect, result: RuleResult): boolean {
  return result.error !== null && (expect.error === undefined || expect.error === null);
}

/** The fixtures of a fixtures file, or the findings that say why it cannot be used. */
export function readEditorFixtures(text: string): { fixtures: EditorFixture[]; findings: Finding[] } {
  const checked = checkJsonFile(text, 'fixtures');
  if (checked.findings.length > 0 || !checked.tree) return { fixtures: [], findings: checked.findings };
  const lines = new LineIndex(text);
  const tree: JsonNode = checked.tree;
  const list = (checked.value as { fixtures: Array<{ name: string; context: unknown; expect?: FixtureExpect }> }).fixtures;
  const fixtures = list.map((fixture, i) => {
    const nameNode = findNodeAtLocation(tree, ['fixtures', i, 'name']);
    return { name: fixture.name, context: fixture.context, expect: fixture.expect ?? {}, nameRange: nameNode ? lines.range(nameNode.offset, nameNode.length) : lines.range(0, 0) };
  });
  return { fixtures, findings: [] };
}

/** A cancellation check between fixtures: the editor stops a run that an edit made stale. */
export type IsCancelled = () => boolean;

/**
 * Runs a rule's fixtures on the shared executor (same sandbox and limits as the
 * engine); a pattern rule (`kind: 'pattern'`) is evaluated with the engine's pattern semantics. One fixture at a time, so a caller can yield between them; returns
 * undefined when cancelled.
 */
export async function runEditorFixtures(
  executor: LuaExecutor,
  ruleSource: string,
  chunkName: string,
  fixtures: EditorFixture[],
  options: { limits?: Partial<ExecutorLimits>; isCancelled?: IsCancelled; yieldBetween?: () => Promise<void>; kind?: 'lua' | 'pattern' } = {},
): Promise<FixtureRun | undefined> {
  const outcomes: FixtureOutcome[] = [];
  let definition: RuleDefinition = { kind: 'lua', name: chunkName, source: ruleSource, origin: chunkName };
  if (options.kind === 'pattern') {
    // A pattern rule that does not load has no fixture results; its own check says why.
    const parsed = parsePatternRule(ruleSource, chunkName, defaultRuleName(chunkName));
    if (!parsed.ok) return { outcomes: [], ruleFindings: [], fixtureFileFindings: [] };
    definition = parsed.definition;
  }
  for (const fixture of fixtures) {
    if (options.isCancelled?.()) return undefined;
    const { result } = evaluateDefinition(executor, definition, fixture.context, options.limits);
    const error = unexpectedError(fixture.expect, result);
    const problems = error ? [] : expectationProblems(fixture.expect, result);
    outcomes.push({ fixture, result, problems, status: error ? 'error' : problems.length > 0 ? 'failed' : 'passed' });
    if (options.yieldBetween) await options.yieldBetween();
  }
  if (options.isCancelled?.()) return undefined;
  return { outcomes, ...fixtureFindings(outcomes, ruleSource) };
}

function fixtureFindings(outcomes: FixtureOutcome[], ruleSource: string): Pick<FixtureRun, 'ruleFindings' | 'fixtureFileFindings'> {
  const ruleFindings: Finding[] = [];
  const fixtureFileFindings: Finding[] = [];
  const ruleLines = ruleSource.split(/\r?\n/);
  const lineRange = (line: number): Range => {
    const text = ruleLines[line] ?? '';
    const start = text.length - text.trimStart().length;
    return { start: { line, character: start }, end: { line, character: text.length } };
  };
  for (const { fixture, result, problems } of outcomes) {
    if (result.error && unexpectedError(fixture.expect, result)) {
      if (result.error.code === 'syntax-error') continue; // the checker's own syntax-error says it
      const message = `fixture "${fixture.name}" fails: ${result.error.code}: ${result.error.message}`;
      const line = result.error.line !== undefined ? result.error.line - 1 : 0;
      ruleFindings.push({ code: 'fixture-error', severity: 'error', range: lineRange(line), message });
      fixtureFileFindings.push({ code: 'fixture-error', severity: 'error', range: fixture.nameRange, message });
    } else if (problems.length > 0) {
      const message = `fixture "${fixture.name}" failed: ${problems.join('; ')}`;
      ruleFindings.push({ code: 'fixture-failed', severity: 'error', range: lineRange(0), message });
      fixtureFileFindings.push({ code: 'fixture-failed', severity: 'error', range: fixture.nameRange, message });
    }
  }
  return { ruleFindings, fixtureFileFindings };
}

/** The code lens title of a fixture outcome: `✓ high-wsjf → autonomous 0.95`. */
export function fixtureLensTitle(outcome: FixtureOutcome): string {
  const { fixture, result, status } = outcome;
  const mark = status === 'passed' ? '✓' : '✗';
  const returned = result.line !== null ? ` (line ${result.line})` : result.error?.line !== undefined ? ` (line ${result.error.line})` : '';
  return result.error ? `${mark} ${fixture.name} → ${result.error.code}${returned}` : `${mark} ${fixture.name} → ${result.decision} ${result.confidence}${returned}`;
}
