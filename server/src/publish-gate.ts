import { basename } from 'node:path';
import type { LuaExecutor } from '../../core/src/executor/lua-executor';
import type { ExecutorLimits } from '../../core/src/executor/limits';
import { judgeForPublish } from '../../core/src/checker/publish-verdict';
import type { RuleDefinition } from '../../core/src/model/rule';
import type { GateVerdict } from '../../store/src';
import type { RuleDocuments } from './rule-documents';
import { uriToPath } from './rule-documents';

export interface EditorGateVerdict extends GateVerdict {
  /** One line per error finding, failing fixture or fixtures-file problem, for the refusal message. */
  problems: string[];
}

/**
 * The same gate as `lua-rules publish` (core/src/checker/publish-verdict.ts), with the
 * checks run the way the editor runs them, so the refusal matches the squiggles. The
 * fixtures file is read from disk: publishing saves first.
 */
export function publishGate(executor: LuaExecutor, documents: RuleDocuments, uri: string, definition: RuleDefinition, text: string, limits: Partial<ExecutorLimits>): EditorGateVerdict {
  const path = uriToPath(uri) ?? uri;
  const judged = judgeForPublish(executor, path, basename(path), definition, documents.check(uri, text, 0, false).findings, limits);
  const summary = [judged.summary, judged.fixtureFileErrors.length > 0 ? 'an invalid fixtures file' : ''].filter((p) => p !== '').join(', ');
  return { ok: judged.ok, summary, problems: [...judged.problems, ...judged.fixtureFileErrors], findings: judged.findings, fixtures: judged.fixtures, fixtureFile: judged.fixtureFile, contextSchema: judged.contextSchema };
}
