import type { LuaState } from './fengari-runtime';
import { lua, lstr } from './fengari-runtime';

/**
 * What an evaluation can tell about the lines of the rule, kept out of
 * lua-executor.ts (which only calls these at three points):
 *
 * - `returnLine`: the line of the `return` that produced the result, read after the
 *   run at no cost during it. Our fengari patch 15-return-line keeps the CallInfo of
 *   the last function that returned at the chunk's level (`L.lastret`): the chunk
 *   itself, or the function it tail-called (`return validate(context)`), stopped just
 *   after its RETURN instruction. Its code array leads to the line table of its
 *   function through `indexLines`, filled when the chunk compiles. (A return hook
 *   would find the same line at about 2 µs, 15 %, per evaluation.)
 * - `LineTrace`: the line hook, for traced runs only (explain, coverage): a JS call
 *   per line of the rule.
 *
 * Sandbox helpers written in Lua (the pcall wrapper, read-only tables) are not in
 * the index, so their code never yields a line of the rule.
 */

interface FengariProto {
  code: unknown[];
  lineinfo: number[];
  p: FengariProto[];
}

/** Code array of each compiled function of a rule → its line table (opcode index → line). */
const lineTables = new WeakMap<object, number[]>();

/** Lines holding code, per compiled rule: what line coverage counts. */
const codeLines = new WeakMap<object, ReadonlySet<number>>();

/**
 * Records the line tables of the chunk just loaded (the closure on top of `L`'s
 * stack) and the lines of `rule` that hold code. A function's last instruction is
 * the implicit `return` at its `end`, which runs only when control falls off the end:
 * it does not make the `end` line count (luacov leaves such lines out too).
 */
export function indexLines(L: LuaState, rule: object): void {
  const closure = (L.stack[L.top - 1] as { value?: { p?: FengariProto } } | undefined)?.value;
  const lines = new Set<number>();
  const visit = (proto: FengariProto): void => {
    lineTables.set(proto.code, proto.lineinfo);
    for (let pc = 0; pc < proto.lineinfo.length - 1; pc++) if (proto.lineinfo[pc]! > 0) lines.add(proto.lineinfo[pc]!);
    for (const inner of proto.p) visit(inner);
  };
  if (closure?.p) visit(closure.p);
  codeLines.set(rule, lines);
}

/** The lines of a compiled rule that hold code (for coverage), once it has compiled. */
export function executableLines(rule: object): ReadonlySet<number> | undefined {
  return codeLines.get(rule);
}

/** The line of the `return` that ended the chunk's last run on thread `T`, if a rule function ran it. */
export function returnLine(T: LuaState, rule: TracedRule): number | null {
  const ci = T.lastret as { l_code: object | null; l_savedpc: number } | null | undefined;
  T.lastret = null;
  if (!ci || !ci.l_code) return null;
  const line = lineTables.get(ci.l_code)?.[ci.l_savedpc - 1];
  return line !== undefined && line > 0 ? returnKeywordLine(rule, line) : null;
}

/** Receives each line of the rule that starts to run (Lua's line hook), in order. */
export interface LineObserver {
  onLine(line: number): void;
}

/** The rule being run: its chunk name (the source Lua records) and its text. */
export interface TracedRule {
  readonly chunkName: string;
  readonly source: string;
}

/** Forwards line events of the rule's own functions to an observer. */
export class LineTrace {
  private observer: LineObserver | null = null;
  private source: Uint8Array = new Uint8Array(0);

  /** Called just before the chunk runs; returns the extra hook mask (none without an observer). */
  begin(rule: TracedRule, observer: LineObserver | null): number {
    this.observer = observer;
    if (!observer) return 0;
    this.source = lstr('=' + rule.chunkName);
    return lua.LUA_MASKLINE;
  }

  end(): void {
    this.observer = null;
  }

  /** A hook event other than the instruction count. */
  onEvent(L: LuaState, ar: { event: number; currentline: number }): void {
    if (ar.event !== lua.LUA_HOOKLINE || !this.observer) return;
    lua.lua_getinfo(L, lstr('S'), ar);
    const source = (ar as unknown as { source: Uint8Array }).source;
    const expected = this.source;
    if (source.length !== expected.length) return;
    for (let i = 0; i < source.length; i++) if (source[i] !== expected[i]) return;
    this.observer.onLine(ar.currentline);
  }
}

const sourceLines = new WeakMap<TracedRule, string[]>();
/** Reported line → keyword line, per rule: the same few returns end every evaluation, and the walk up costs regexes. */
const keywordLines = new WeakMap<TracedRule, Map<number, number>>();
/** Lines between a `return` and the line Lua reports for it; a table constructor is rarely longer. */
const MAX_RETURN_SPAN = 200;

/**
 * Lua files the `return` instruction under the line of the last token of its
 * expression: `return {` … `}` over five lines reports the `}`. Authors think of the
 * line with the `return` keyword, so walk up to it, as long as the lines between
 * look like the inside of one expression (no statement keyword starts them).
 */
function returnKeywordLine(rule: TracedRule, line: number): number {
  let known = keywordLines.get(rule);
  if (!known) {
    known = new Map();
    keywordLines.set(rule, known);
  }
  let found = known.get(line);
  if (found === undefined) {
    found = findReturnKeyword(rule, line);
    known.set(line, found);
  }
  return found;
}

function findReturnKeyword(rule: TracedRule, line: number): number {
  let lines = sourceLines.get(rule);
  if (!lines) {
    lines = rule.source.split('\n');
    sourceLines.set(rule, lines);
  }
  for (let n = line; n >= 1 && n > line - MAX_RETURN_SPAN; n--) {
    const text = lines[n - 1] ?? '';
    if (/(^|[^\w.])return([^\w]|$)/.test(text.replace(/--.*$/, ''))) return n;
    if (n !== line && /^\s*(end|if|elseif|else|for|while|repeat|until|local|function|do|goto)\b/.test(text)) break;
  }
  return line;
}
