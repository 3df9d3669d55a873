import { basename } from 'node:path';
import type { LuaExecutor } from '../../core/src/executor/lua-executor';
import type { ExecutorLimits } from '../../core/src/executor/limits';
import { loadFixtureFile, runFixtures } from '../../core/src/fixtures/run-fixtures';
import type { RuleDefinition } from '../../core/src/model/rule';
import { fixturesPathFor } from '../../core/src/rules-folder/rule-file';
import type { GateVerdict } from '../../store/src';
import type { RuleDocuments } from './rule-documents';
import { uriToPath } from './rule-documents';

export interface EditorGateVerdict extends GateVerdict {
  /** One line per error finding or failing fixture, `file:line:col: ...`, for the refusal message. */
  problems: string[];
}

/**
 * The same gate as `lua-rules publish`: no error finding from the contract checks
 * (with the schema the editor uses, so the refusal matches the squiggles) and every
 * fixture passing. The fixtures file is read from disk: publishing saves first.
 */
export function publishGate(executor: LuaExecutor, documents: RuleDocuments, uri: string, definition: RuleDefinition, text: string, limits: Partial<ExecutorLimits>): EditorGateVerdict {
  const path = uriToPath(uri) ?? uri;
  const shown = basename(path);
  const findings = documents.check(uri, text, 0, false).findings;
  const errors = findings.filter((f) => f.severity === 'error');
  const problems = errors.map((f) => `${shown}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.code}: ${f.message}`);
  const fixtureFile = loadFixtureFile(fixturesPathFor(path));
  if (fixtureFile.status === 'invalid') problems.push(...fixtureFile.errors.map((e) => `${basename(fixturesPathFor(path))}: ${e}`));
  const outcomes = fixtureFile.status === 'ok' ? runFixtures(executor, definition, fixtureFile.fixtures, limits) : [];
  const failing = outcomes.filter((o) => o.mismatches.length > 0);
  for (const o of failing) problems.push(`fixture "${o.fixture.name}" failed: ${o.mismatches.map((m) => `${m.field}: expected ${m.expected}, got ${m.actual}`).join('; ')}`);
  const parts: string[] = [];
  if (errors.length > 0) parts.push(`${errors.length} check error${errors.length === 1 ? '' : 's'}`);
  if (failing.length > 0) parts.push(`${failing.length} failing fixture${failing.length === 1 ? '' : 's'}`);
  if (fixtureFile.status === 'invalid') parts.push('an invalid fixtures file');
  return {
    ok: problems.length === 0,
    summary: parts.join(', '),
    problems,
    findings: findings.map((f) => ({ code: f.code, severity: f.severity, line: f.range.start.line, message: f.message })),
    fixtures: outcomes.map((o) => ({ name: o.fixture.name, passed: o.mismatches.length === 0, decision: o.result.decision, confidence: o.result.confidence })),
  };
}
