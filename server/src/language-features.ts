import type { CodeLens, CompletionItem, DocumentSymbol, Hover } from 'vscode-languageserver/node';
import { CompletionItemKind, InsertTextFormat, MarkupKind, SymbolKind } from 'vscode-languageserver/node';
import type { Position } from 'vscode-languageserver-textdocument';
import { completeAt, documentSymbols, fixtureLensTitle, hoverAt, parseLua } from '../../core/src/checker';
import type { CompletionEntry, RuleSymbol } from '../../core/src/checker';
import type { DocumentAnalysis } from './rule-documents';
import type { ContextSchema } from '../../core/src/checker';

const COMPLETION_KIND: Record<CompletionEntry['kind'], CompletionItemKind> = {
  field: CompletionItemKind.Field,
  value: CompletionItemKind.EnumMember,
  snippet: CompletionItemKind.Snippet,
  keyword: CompletionItemKind.Keyword,
  variable: CompletionItemKind.Variable,
};

export function completionItems(text: string, position: Position, schema: ContextSchema | undefined, analysis: DocumentAnalysis | undefined): CompletionItem[] {
  const aliases = analysis?.lastContract?.contextAliases ?? new Map<string, string[]>();
  return completeAt(text, position, { ...(schema ? { schema } : {}), contextAliases: aliases }).map((entry, i) => ({
    label: entry.label,
    kind: COMPLETION_KIND[entry.kind],
    ...(entry.detail ? { detail: entry.detail } : {}),
    ...(entry.documentation ? { documentation: { kind: MarkupKind.Markdown, value: entry.documentation } } : {}),
    textEdit: { range: entry.range, newText: entry.insertText },
    insertTextFormat: entry.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    sortText: String(i).padStart(4, '0'),
  }));
}

export function hover(text: string, position: Position, schema: ContextSchema | undefined, analysis: DocumentAnalysis | undefined): Hover | null {
  const info = hoverAt(text, position, { ...(schema ? { schema } : {}), ...(analysis?.lastContract ? { contract: analysis.lastContract } : {}) });
  return info ? { contents: { kind: MarkupKind.Markdown, value: info.contents }, range: info.range } : null;
}

const SYMBOL_KIND: Record<RuleSymbol['kind'], SymbolKind> = { function: SymbolKind.Function, variable: SymbolKind.Variable, return: SymbolKind.Event };

export function symbols(text: string): DocumentSymbol[] {
  const parsed = parseLua(text);
  if (!parsed.ok) return [];
  const convert = (symbol: RuleSymbol): DocumentSymbol => ({
    name: symbol.name,
    kind: SYMBOL_KIND[symbol.kind],
    range: symbol.range,
    selectionRange: symbol.selectionRange,
    children: symbol.children.map(convert),
  });
  return documentSymbols(parsed.chunk).map(convert);
}

/** One lens per fixture on the rule's first line: `✓ high-wsjf → autonomous 0.95`. */
export function fixtureLenses(analysis: DocumentAnalysis | undefined): CodeLens[] {
  const run = analysis?.fixtureRun;
  if (!run) return [];
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return run.outcomes.map((outcome) => ({
    range,
    command: { title: fixtureLensTitle(outcome), command: '', arguments: [outcome.fixture.name] },
  }));
}
