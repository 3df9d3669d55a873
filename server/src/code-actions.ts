import type { CodeAction, CodeActionParams, Diagnostic } from 'vscode-languageserver/node';
import { CodeActionKind } from 'vscode-languageserver/node';
import type { Finding, FindingFix } from '../../core/src/checker';

function isFix(value: unknown): value is FindingFix {
  if (typeof value !== 'object' || value === null) return false;
  const fix = value as Partial<FindingFix>;
  return typeof fix.title === 'string' && typeof fix.newText === 'string' && typeof fix.range === 'object' && fix.range !== null;
}

function sameRange(a: Diagnostic['range'], b: Diagnostic['range']): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/**
 * Quick fixes for the diagnostics in the request: did-you-mean replacements,
 * adding a missing field, unquoting a confidence... The fix travels in the
 * diagnostic's `data`; for clients that drop `data`, it is looked up among the
 * document's current findings by code and range.
 */
export function quickFixes(params: CodeActionParams, findings: Finding[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== 'lua-rules') continue;
    const data = diagnostic.data as { fix?: unknown; moreFixes?: unknown } | undefined;
    const inData = isFix(data?.fix) || Array.isArray(data?.moreFixes);
    const found = inData ? undefined : findings.find((f) => f.code === diagnostic.code && sameRange(f.range, diagnostic.range));
    const fix = inData ? (isFix(data?.fix) ? data.fix : undefined) : found?.fix;
    const more = inData ? (Array.isArray(data?.moreFixes) ? (data.moreFixes as unknown[]).filter(isFix) : []) : (found?.moreFixes ?? []);
    // The preferred fix first ("auto fix" applies it); the alternatives are offered beside it.
    const offered = [...(fix ? [{ fix, preferred: true }] : []), ...more.map((f) => ({ fix: f, preferred: false }))];
    for (const { fix: f, preferred } of offered) {
      actions.push({
        title: f.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: preferred,
        edit: { changes: { [params.textDocument.uri]: [{ range: f.range, newText: f.newText }] } },
      });
    }
  }
  return actions;
}
