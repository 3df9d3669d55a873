import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { rulesFolderFiles } from '../../core/src/rules-folder/walk-rules-folder';
import type { DiagnosticsPublisher } from './diagnostics';
import type { WorkspaceCheckedParams } from '../../protocol/src/custom-messages';
import { WorkspaceCheckedNotification } from '../../protocol/src/custom-messages';
import type { LuaRulesSettings } from './settings';
import type { RuleDocuments } from './rule-documents';
import { pathToUri } from './rule-documents';
import { globToRegExp } from './settings';

/** Files checked between two turns of the event loop, so requests are answered during the scan. */
const BATCH = 25;

/** Rule files of a folder (the one rules-folder walk, as `lua-rules check` sees them) that match the settings' globs. */
export function findRuleFiles(root: string, settings: LuaRulesSettings): string[] {
  const patterns = settings.ruleGlobs.map(globToRegExp);
  return rulesFolderFiles(root).filter((path) => {
    const rel = relative(root, path).split(sep).join('/');
    return patterns.some((p) => p.test(rel));
  });
}

/**
 * Checks every rule file of the workspace once at startup, with `$/progress`
 * when the client supports it. Open documents are skipped: their own checks run on
 * every edit.
 */
export async function checkWorkspace(
  connection: Connection,
  documents: RuleDocuments,
  publisher: DiagnosticsPublisher,
  isOpen: (uri: string) => boolean,
  progressSupported: boolean,
): Promise<WorkspaceCheckedParams> {
  const started = Date.now();
  const files = documents.workspaceRoots.flatMap((root) => findRuleFiles(root, documents.settings));
  let progress: WorkDoneProgressServerReporter | undefined;
  if (progressSupported && files.length > 0) {
    try {
      progress = await connection.window.createWorkDoneProgress();
      progress.begin('Checking Lua rules', 0, `${files.length} files`, false);
    } catch {
      progress = undefined;
    }
  }
  let errors = 0;
  let warnings = 0;
  for (let i = 0; i < files.length; i++) {
    const path = files[i]!;
    const uri = pathToUri(path);
    if (!isOpen(uri)) {
      let text: string | undefined;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        text = undefined;
      }
      if (text !== undefined) {
        // Closed files: publish, but keep no analysis in memory.
        const analysis = documents.check(uri, text, 0, false);
        // A clean closed file needs no notification: the client shows nothing for it anyway.
        if (analysis.findings.length > 0) publisher.set(uri, 'checks', analysis.findings);
        errors += analysis.findings.filter((f) => f.severity === 'error').length;
        warnings += analysis.findings.filter((f) => f.severity === 'warning').length;
      }
    }
    if ((i + 1) % BATCH === 0) {
      progress?.report(Math.round(((i + 1) / files.length) * 100), `${i + 1} of ${files.length}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  progress?.done();
  const result: WorkspaceCheckedParams = { files: files.length, errors, warnings, durationMs: Date.now() - started };
  void connection.sendNotification(WorkspaceCheckedNotification, result);
  return result;
}
