import type { LuaExecutor } from '../executor/lua-executor';
import type { ExecutorLimits } from '../executor/limits';
import type { FixtureOutcome } from '../fixtures/run-fixtures';
import { loadFixtureFile, runFixtures } from '../fixtures/run-fixtures';
import type { RuleDefinition } from '../model/rule';
import { fixturesPathFor } from '../rules-folder/file-names';
import type { Finding } from './types';
import { readContextSchemaFor, type ContextSchemaFile } from './context-schema';

/**
 * The publish gate's judgement, shared by `lua-rules publish` and the editor's Publish
 * Rule so both refuse for the same reasons with the same words: no error finding from
 * the contract checks, and every fixture in `<rule>.fixtures.json` passing. The caller
 * runs the checks (the CLI and the editor find schemas differently); this runs the
 * fixtures through the shared executor and builds the verdict the store records.
 */
export interface PublishVerdict {
  ok: boolean;
  /** "1 check error, 2 failing fixtures": the refusal in a few words. */
  summary: string;
  /** One line per error finding or failing fixture: `file:line:col: error code: message`, `file: fixture "x" failed: ...`. */
  problems: string[];
  /** The fixtures file exists but cannot be read or parsed: bad input, not a failing rule. */
  fixtureFileErrors: string[];
  /** Evidence stored with the version. */
  findings: { code: string; severity: string; line: number; message: string }[];
  fixtures: { name: string; passed: boolean; decision: string; confidence: number }[];
  /** The fixtures file the verdict ran, as read (null: the rule has none); the store keeps it with the version. */
  fixtureFile: string | null;
  /** The context schema file the checks read for the rule (from disk), or null; the store keeps it with the version. */
  contextSchema: ContextSchemaFile | null;
}

/** `shown` is how messages name the rule file (a relative path in the CLI, the file name in the editor). */
export function judgeForPublish(executor: LuaExecutor, rulePath: string, shown: string, definition: RuleDefinition, findings: readonly Finding[], limits?: Partial<ExecutorLimits>): PublishVerdict {
  const errors = findings.filter((f) => f.severity === 'error');
  const problems = errors.map((f) => `${shown}:${f.range.start.line + 1}:${f.range.start.character + 1}: error ${f.code}: ${f.message}`);
  const fixtureFile = loadFixtureFile(fixturesPathFor(rulePath));
  const fixtureFileErrors = fixtureFile.status === 'invalid' ? fixtureFile.errors.map((e) => `${fixturesPathFor(shown)}: ${e}`) : [];
  const outcomes: FixtureOutcome[] = fixtureFile.status === 'ok' ? runFixtures(executor, definition, fixtureFile.fixtures, limits) : [];
  const failing = outcomes.filter((o) => o.mismatches.length > 0);
  for (const o of failing) problems.push(`${shown}: fixture "${o.fixture.name}" failed: ${o.mismatches.map((m) => m.text).join('; ')}`);
  const parts: string[] = [];
  if (errors.length > 0) parts.push(`${errors.length} check error${errors.length === 1 ? '' : 's'}`);
  if (failing.length > 0) parts.push(`${failing.length} failing fixture${failing.length === 1 ? '' : 's'}`);
  return {
    ok: problems.length === 0 && fixtureFileErrors.length === 0,
    summary: parts.join(', '),
    problems,
    fixtureFileErrors,
    findings: findings.map((f) => ({ code: f.code, severity: f.severity, line: f.range.start.line, message: f.message })),
    fixtures: outcomes.map((o) => ({ name: o.fixture.name, passed: o.mismatches.length === 0, decision: o.result.decision, confidence: o.result.confidence })),
    fixtureFile: fixtureFile.status === 'ok' ? fixtureFile.text : null,
    contextSchema: readContextSchemaFor(rulePath, definition.category),
  };
}
