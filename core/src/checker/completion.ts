import { DECISIONS, DECISION_DOCS } from '../model/decision';
import { HEADER_ANNOTATIONS, HEADER_ANNOTATION_DOCS } from '../model/lua-header';
import type { ContextSchema } from './context-schema';
import { resolveContextChain } from './context-paths';
import type { Position, Range } from './types';

export interface CompletionEntry {
  label: string;
  kind: 'field' | 'value' | 'snippet' | 'keyword' | 'variable';
  detail?: string;
  documentation?: string;
  /** Text to insert; a snippet in LSP snippet syntax when `snippet` is true. */
  insertText: string;
  snippet?: boolean;
  /** What the insert replaces (the partly typed word). */
  range: Range;
}

export interface CompletionOptions {
  schema?: ContextSchema;
  /** Locals holding `context` or a part of it, from the last successful analysis. */
  contextAliases?: ReadonlyMap<string, string[]>;
}

export const RETURN_SNIPPET = 'return {\n\tdecision = "${1|autonomous,collaborative,escalated|}",\n\tconfidence = ${2:0.9},\n\treasoning = "${3:why}",\n}';

/**
 * Completion from the text before the cursor only, so it works while the rule is
 * half typed and does not parse: `context.` paths (also through aliases), decision
 * values after `decision =`, `---@` annotations, and the return-table snippet.
 */
export function completeAt(source: string, position: Position, options: CompletionOptions = {}): CompletionEntry[] {
  const lineText = source.split(/\r?\n/)[position.line] ?? '';
  const prefix = lineText.slice(0, position.character);
  const wordRange = (length: number): Range => ({ start: { line: position.line, character: position.character - length }, end: position });

  const annotation = /^\s*---@(\w*)$/.exec(prefix);
  if (annotation) {
    return HEADER_ANNOTATIONS.map((name) => ({ label: `@${name}`, kind: 'keyword', documentation: HEADER_ANNOTATION_DOCS[name], insertText: name, range: wordRange(annotation[1]!.length) }));
  }

  const quotedDecision = /\bdecision\s*=\s*(["'])(\w*)$/.exec(prefix);
  if (quotedDecision) {
    return DECISIONS.map((d) => ({ label: d, kind: 'value', documentation: DECISION_DOCS[d], insertText: d, range: wordRange(quotedDecision[2]!.length) }));
  }
  const bareDecision = /\bdecision\s*=\s*(\w*)$/.exec(prefix);
  if (bareDecision) {
    return DECISIONS.map((d) => ({ label: `"${d}"`, kind: 'value', documentation: DECISION_DOCS[d], insertText: `"${d}"`, range: wordRange(bareDecision[1]!.length) }));
  }

  const member = /([A-Za-z_][\w]*(?:\s*(?:\.\s*[A-Za-z_]\w*|\[\s*\d+\s*\]|\[\s*["'][A-Za-z_]\w*["']\s*\]))*)\s*\.\s*(\w*)$/.exec(prefix);
  if (member) {
    if (!options.schema) return [];
    const resolved = resolveContextChain(member[1]!, options.schema, options.contextAliases ?? new Map());
    if (!resolved) return [];
    const schema = options.schema;
    return [...schema.properties(resolved.schema)].map(([name, node]) => {
      const resolvedNode = schema.resolve(node);
      return {
        label: name,
        kind: 'field' as const,
        detail: schema.typeLabel(node),
        ...(resolvedNode.description ? { documentation: resolvedNode.description } : {}),
        insertText: name,
        range: wordRange(member[2]!.length),
      };
    });
  }

  if (insideString(prefix) || /--/.test(prefix)) return [];
  const word = /(\w*)$/.exec(prefix)![1]!;
  return [
    { label: 'return { decision, confidence, reasoning }', kind: 'snippet', detail: 'the rule contract', documentation: 'Returns the result table every rule must return.', insertText: RETURN_SNIPPET, snippet: true, range: wordRange(word.length) },
    { label: 'context', kind: 'variable', detail: 'the evaluation context', ...(options.schema?.root.description ? { documentation: options.schema.root.description } : {}), insertText: 'context', range: wordRange(word.length) },
  ];
}

/** True when the text ends inside an unfinished quoted string. */
function insideString(prefix: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '-' && prefix[i + 1] === '-') return false;
  }
  return quote !== null;
}
