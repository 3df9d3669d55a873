import * as luaparse from 'luaparse';
import type { Chunk, Node, StringLiteral } from 'luaparse';
import type { Finding, Range } from './types';

export type ParseOutcome = { ok: true; chunk: Chunk } | { ok: false; finding: Finding };

interface LuaparseSyntaxError extends SyntaxError {
  line: number;
  column: number;
  index: number;
}

function isLuaparseError(error: unknown): error is LuaparseSyntaxError {
  return error instanceof SyntaxError && typeof (error as Partial<LuaparseSyntaxError>).line === 'number';
}

/**
 * Parses a rule as Lua 5.3 (Fengari's dialect) with node locations. String values are left to
 * `stringValue` because luaparse's own decoding refuses non-Latin-1 text.
 * A syntax error becomes one `syntax-error` finding at the token luaparse blames.
 */
export function parseLua(source: string): ParseOutcome {
  try {
    // Locations only: asking luaparse for ranges or comments as well makes it several times slower.
    const chunk = luaparse.parse(source, { luaVersion: '5.3', locations: true, ranges: false, comments: false, encodingMode: 'none', scope: false });
    return { ok: true, chunk };
  } catch (error) {
    if (error instanceof RangeError) {
      // Lua itself refuses code nested this deeply ("chunk has too many syntax levels").
      return { ok: false, finding: { code: 'syntax-error', severity: 'error', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: 'the rule is nested too deeply to compile; split deep expressions into locals' } };
    }
    if (!isLuaparseError(error)) throw error;
    const line = Math.max(0, error.line - 1);
    const character = Math.max(0, error.column);
    // "[3:4] 'end' expected near '<eof>'" → "'end' expected near '<eof>'"
    const message = error.message.replace(/^\[\d+:\d+\]\s*/, '');
    const lineText = source.split(/\r?\n/)[line] ?? '';
    const token = /^[A-Za-z_]\w*|^\S/.exec(lineText.slice(character));
    const end = character + (token ? token[0].length : 0);
    return {
      ok: false,
      finding: {
        code: 'syntax-error',
        severity: 'error',
        range: { start: { line, character }, end: { line, character: end } },
        message: `${message}; the rule does not compile until this is fixed`,
      },
    };
  }
}

/** The LSP range of a node (luaparse lines are 1-based, columns 0-based). */
export function nodeRange(node: Node): Range {
  const loc = node.loc!;
  return { start: { line: loc.start.line - 1, character: loc.start.column }, end: { line: loc.end.line - 1, character: loc.end.column } };
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'", '\n': '\n' };

/**
 * The value of a string literal, or undefined when it uses escapes this reader
 * does not decode (\z, \x, \ddd, \u{...}): an unknown value is never reported.
 */
export function stringValue(node: StringLiteral): string | undefined {
  const raw = node.raw;
  const long = /^\[(=*)\[\n?([\s\S]*)\]\1\]$/.exec(raw);
  if (long) return long[2];
  const quote = raw[0];
  if ((quote !== '"' && quote !== "'") || raw[raw.length - 1] !== quote) return undefined;
  const body = raw.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[next];
    if (simple === undefined) return undefined;
    out += simple;
    i++;
  }
  return out;
}
