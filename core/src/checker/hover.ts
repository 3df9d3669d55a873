import { BANDS, DECISION_DOCS, isDecision } from '../model/decision';
import { HEADER_ANNOTATION_DOCS } from '../model/lua-header';
import type { HeaderAnnotation } from '../model/lua-header';
import { contextPathText } from './checks/unknown-context-field';
import type { ContextSchema } from './context-schema';
import { resolveContextChain } from './context-paths';
import type { ContractAnalysis } from './contract-analysis';
import type { Position, Range } from './types';
import { rangeContains } from './types';

export interface HoverInfo {
  /** Markdown. */
  contents: string;
  range: Range;
}

export interface HoverOptions {
  schema?: ContextSchema;
  contract?: ContractAnalysis;
}

const BAND_LINES: Record<string, string> = {
  autonomous: `band: confidence >= ${BANDS.autonomous}`,
  collaborative: `band: confidence ${BANDS.collaborative} to below ${BANDS.autonomous}`,
  escalated: `band: confidence below ${BANDS.collaborative}`,
};

const FIELD_DOCS: Record<string, string> = {
  decision: '`"autonomous"` | `"collaborative"` | `"escalated"`: what the rule decides.',
  confidence: 'A number from 0 to 1: how sure the rule is. Category evaluation keeps the most confident result.',
  reasoning: 'A string that explains the decision to a human.',
};

/** Hover for context fields (type and description), decisions (their band) and `---@` annotations. */
export function hoverAt(source: string, position: Position, options: HoverOptions = {}): HoverInfo | undefined {
  const lineText = source.split(/\r?\n/)[position.line] ?? '';

  const annotation = /^(\s*---@)(\w+)/.exec(lineText);
  if (annotation && position.character >= annotation[1]!.length - 1 && position.character <= annotation[0].length) {
    const name = annotation[2]! as HeaderAnnotation;
    const docs = HEADER_ANNOTATION_DOCS[name];
    if (docs) return { contents: `**---@${name}**\n\n${docs}`, range: lineRange(position.line, annotation[1]!.length - 1, annotation[0].length) };
  }

  for (const match of lineText.matchAll(/(["'])(\w+)\1/g)) {
    const start = match.index;
    const end = start + match[0].length;
    if (position.character < start || position.character > end || !isDecision(match[2])) continue;
    return { contents: `**${match[2]}** (${BAND_LINES[match[2]]})\n\n${DECISION_DOCS[match[2]]}`, range: lineRange(position.line, start, end) };
  }

  if (options.contract && options.schema) {
    const schema = options.schema;
    const read = options.contract.contextReads.find((r) => rangeContains(r.range, position));
    if (read) {
      const path = contextPathText([...read.parentPath, read.name]);
      if (!read.schema) return { contents: `**${path}**\n\nnot declared in ${schema.origin}`, range: read.range };
      const node = schema.resolve(read.schema);
      return { contents: `**${path}**: \`${schema.typeLabel(read.schema)}\`${node.description ? `\n\n${node.description}` : ''}`, range: read.range };
    }
  }

  const word = wordAt(lineText, position.character);
  const aliasPath = word && word.text !== 'context' ? options.contract?.contextAliases.get(word.text) : undefined;
  if (word && aliasPath) {
    const path = contextPathText(aliasPath);
    const resolved = options.schema ? resolveContextChain(word.text, options.schema, options.contract!.contextAliases) : undefined;
    const node = resolved && options.schema ? options.schema.resolve(resolved.schema) : undefined;
    const type = resolved && options.schema ? `: \`${options.schema.typeLabel(resolved.schema)}\`` : '';
    return { contents: `**${word.text}** holds ${path}${type}${node?.description ? `\n\n${node.description}` : ''}`, range: lineRange(position.line, word.start, word.end) };
  }

  for (const match of lineText.matchAll(/\b(context|decision|confidence|reasoning)\b/g)) {
    const start = match.index;
    const end = start + match[0].length;
    if (position.character < start || position.character > end) continue;
    if (match[1] === 'context') {
      const description = options.schema?.resolve(options.schema.root).description;
      return { contents: `**context**: the evaluation context (a table built from the JSON input)${description ? `\n\n${description}` : ''}`, range: lineRange(position.line, start, end) };
    }
    if (/^\s*=/.test(lineText.slice(end))) return { contents: `**${match[1]}** (rule contract)\n\n${FIELD_DOCS[match[1]!]}`, range: lineRange(position.line, start, end) };
  }
  return undefined;
}

/** The identifier under the cursor, if any. */
function wordAt(lineText: string, character: number): { text: string; start: number; end: number } | undefined {
  for (const match of lineText.matchAll(/[A-Za-z_]\w*/g)) {
    const end = match.index + match[0].length;
    if (character >= match.index && character <= end) return { text: match[0], start: match.index, end };
  }
  return undefined;
}

function lineRange(line: number, start: number, end: number): Range {
  return { start: { line, character: start }, end: { line, character: end } };
}
