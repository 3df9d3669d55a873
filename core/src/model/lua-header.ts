import type { RuleMetadata } from './rule';

/**
 * The optional header of annotation comments at the top of a `.lua` rule:
 *   ---@rule <name>          (default: the file name)
 *   ---@category <category>  (required to publish)
 *   ---@description <text>
 *   ---@threshold <0..1>
 *   ---@consensus <n>
 * The header ends at the first line that is neither blank nor a comment.
 */
export const HEADER_ANNOTATIONS = ['rule', 'category', 'description', 'threshold', 'consensus'] as const;
export type HeaderAnnotation = (typeof HEADER_ANNOTATIONS)[number];

export const HEADER_ANNOTATION_DOCS: Record<HeaderAnnotation, string> = {
  rule: 'The rule name (default: the file name without `.lua`). Unique in a store.',
  category: 'The category the rule belongs to, e.g. `epic`. Required to publish.',
  description: 'One line that says what the rule decides.',
  threshold: 'The confidence threshold of the rule, a number from 0 to 1.',
  consensus: 'Approvals needed before a new version goes live (0 = none).',
};

/**
 * LuaCATS annotations: the Lua language server's (LuaLS) type comments. A rule may
 * carry them (`---@param ctx Context`, with the definitions `lua-rules luals`
 * generates), so the header skips them instead of calling them unknown; only
 * annotations that are neither ours nor LuaCATS are reported (typos like `---@categroy`).
 */
export const LUACATS_ANNOTATIONS: ReadonlySet<string> = new Set([
  'alias', 'as', 'async', 'cast', 'class', 'deprecated', 'diagnostic', 'enum', 'field', 'generic', 'meta', 'module',
  'nodiscard', 'operator', 'overload', 'package', 'param', 'private', 'protected', 'return', 'see', 'source', 'type',
  'vararg', 'version',
]);

/** A LuaCATS definition file (`---@meta` on its first line), such as the one `lua-rules luals` writes: not a rule. */
export function isLuaCatsMetaFile(source: string): boolean {
  return /^(\uFEFF)?---@meta\b/.test(source);
}

export interface HeaderProblem {
  /** 0-based line of the annotation. */
  line: number;
  annotation: string;
  message: string;
}

export interface ParsedHeader {
  metadata: Partial<RuleMetadata>;
  problems: HeaderProblem[];
  /** 0-based line of each annotation found, for hovers and ranges. */
  lines: Partial<Record<HeaderAnnotation, number>>;
}

const ANNOTATION_LINE = /^\s*---@(\w+)(?:\s+(.*?))?\s*$/;

export function parseLuaHeader(source: string): ParsedHeader {
  const metadata: Partial<RuleMetadata> = {};
  const problems: HeaderProblem[] = [];
  const lines: ParsedHeader['lines'] = {};
  const textLines = source.split(/\r?\n/);
  for (let i = 0; i < textLines.length; i++) {
    const text = textLines[i] ?? '';
    if (/^\s*$/.test(text)) continue;
    if (!/^\s*--/.test(text)) break;
    const match = ANNOTATION_LINE.exec(text);
    if (!match) continue;
    const annotation = match[1] ?? '';
    const value = (match[2] ?? '').trim();
    if (LUACATS_ANNOTATIONS.has(annotation)) continue;
    if (!(HEADER_ANNOTATIONS as readonly string[]).includes(annotation)) {
      problems.push({ line: i, annotation, message: `unknown annotation ---@${annotation}; known: ${HEADER_ANNOTATIONS.map((a) => '@' + a).join(', ')}` });
      continue;
    }
    const key = annotation as HeaderAnnotation;
    lines[key] = i;
    if (value === '') {
      problems.push({ line: i, annotation, message: `---@${annotation} needs a value` });
      continue;
    }
    switch (key) {
      case 'rule':
      case 'category':
        if (!/^[A-Za-z0-9_.:-]+$/.test(value)) {
          problems.push({ line: i, annotation, message: `---@${annotation} must be one word of letters, digits, '_', '-', '.', ':' (got "${value}")` });
        } else if (key === 'rule') metadata.name = value;
        else metadata.category = value;
        break;
      case 'description':
        metadata.description = value;
        break;
      case 'threshold': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0 || n > 1) problems.push({ line: i, annotation, message: `---@threshold must be a number from 0 to 1 (got "${value}")` });
        else metadata.threshold = n;
        break;
      }
      case 'consensus': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) problems.push({ line: i, annotation, message: `---@consensus must be a whole number >= 0 (got "${value}")` });
        else metadata.consensus = n;
        break;
      }
    }
  }
  return { metadata, problems, lines };
}
