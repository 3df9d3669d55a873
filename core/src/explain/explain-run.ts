import type { LineObserver } from '../executor/execution-trace';
import type { ExecutorLimits } from '../executor/limits';
import type { LuaExecutor } from '../executor/lua-executor';
import { analyseContract } from '../checker/contract-analysis';
import { parseLua } from '../checker/parse';
import type { RuleDefinition } from '../model/rule';
import type { RuleResult } from '../model/result';
import { evaluateDefinition } from '../fixtures/run-fixtures';

/** One context field a line reads, with the value this evaluation's context holds there. */
export interface ExplainedRead {
  /** `context.metrics.wsjf_score`, whatever local or parameter the rule read it through. */
  path: string;
  /** The value as JSON text (shortened), `nil` when the context has no such field, undefined when it depends on a run-time index. */
  value: string | undefined;
}

export interface ExplainStep {
  line: number;
  /** How many times in a row the line ran (a loop body of one line). */
  times: number;
  text: string;
  reads: ExplainedRead[];
}

export interface ExplainedRun {
  result: RuleResult;
  durationMs: number;
  instructions: number;
  /** Lines in the order they ran, at most `MAX_STEPS`. */
  steps: ExplainStep[];
  /** Steps left out past `MAX_STEPS` (a long loop). */
  omitted: number;
}

const MAX_STEPS = 200;
const MAX_VALUE = 60;

/**
 * Runs a rule once with Lua's line hook on, and explains it: the lines in the order
 * they ran, each with the context fields it reads and the values this context holds
 * there. The reads come from the checker's contract analysis (the same one behind
 * `unknown-context-field`), so `ctx.metrics` read through a parameter or a local
 * alias is named by its place in the context; the values are looked up in the
 * context given, not intercepted, so the explained run behaves exactly as any other.
 */
export function explainRun(executor: LuaExecutor, definition: RuleDefinition, context: unknown, limits?: Partial<ExecutorLimits>): ExplainedRun {
  const order: number[] = [];
  let omitted = 0;
  const observer: LineObserver = {
    onLine(line) {
      if (order.length > 0 && order[order.length - 1] === line) {
        order.push(line);
        return;
      }
      if (distinctRuns(order) >= MAX_STEPS) omitted++;
      else order.push(line);
    },
  };
  const { result, durationMs, instructions } = evaluateDefinition(executor, definition, context, limits, definition.kind === 'lua' ? observer : undefined);
  if (definition.kind !== 'lua') return { result, durationMs, instructions, steps: [], omitted: 0 };
  const lines = definition.source.split(/\r?\n/);
  const reads = readsByLine(definition.source);
  const steps: ExplainStep[] = [];
  for (const line of order) {
    const last = steps[steps.length - 1];
    if (last && last.line === line) {
      last.times++;
      continue;
    }
    steps.push({ line, times: 1, text: (lines[line - 1] ?? '').replace(/\t/g, '  ').trimEnd(), reads: (reads.get(line) ?? []).map((path) => ({ path: pathText(path), value: valueAt(context, path) })) });
  }
  return { result, durationMs, instructions, steps, omitted };
}

function distinctRuns(order: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < order.length; i++) if (i === 0 || order[i] !== order[i - 1]) n++;
  return n;
}

/** 1-based line → the context paths read on it, each once, deepest last. */
function readsByLine(source: string): Map<number, string[][]> {
  const byLine = new Map<number, string[][]>();
  const parsed = parseLua(source);
  if (!parsed.ok) return byLine;
  for (const read of analyseContract(parsed.chunk, undefined).contextReads) {
    const line = read.range.start.line + 1;
    const path = [...read.parentPath, read.name];
    const list = byLine.get(line) ?? [];
    // `ctx.metrics.wsjf_score` reads ctx.metrics on the way: show only the deepest path.
    const key = path.join('\0');
    const shorter = list.findIndex((p) => key.startsWith(p.join('\0') + '\0'));
    if (shorter >= 0) list.splice(shorter, 1);
    if (!list.some((p) => p.join('\0').startsWith(key))) list.push(path);
    byLine.set(line, list);
  }
  return byLine;
}

function pathText(path: readonly string[]): string {
  return path.reduce((text, part) => (part === '[]' ? `${text}[i]` : `${text}.${part}`), 'context');
}

function valueAt(context: unknown, path: readonly string[]): string | undefined {
  let value: unknown = context;
  for (const part of path) {
    if (part === '[]') return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'nil';
    value = (value as Record<string, unknown>)[part];
    if (value === undefined) return 'nil';
  }
  const text = value === null ? 'nil' : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** The explanation as text lines: `  12  local wsjf = … │ context.metrics.wsjf_score = 60`. */
export function formatExplain(run: ExplainedRun, indent = '  '): string[] {
  if (run.steps.length === 0) return [`${indent}(no Lua lines ran: a pattern rule, or the rule failed before its first line)`];
  const numberWidth = Math.max(...run.steps.map((s) => String(s.line).length));
  const textWidth = Math.min(60, Math.max(...run.steps.map((s) => s.text.length)));
  const out: string[] = [];
  for (const step of run.steps) {
    const text = step.text.length > textWidth ? `${step.text.slice(0, textWidth - 1)}…` : step.text;
    const notes = step.reads.map((r) => `${r.path} = ${r.value ?? '(depends on the index)'}`);
    if (step.times > 1) notes.unshift(`×${step.times}`);
    if (run.result.line === step.line && step === lastStepAt(run, step.line)) notes.push('← returned the result');
    out.push(`${indent}${String(step.line).padStart(numberWidth)}  ${notes.length > 0 ? text.padEnd(textWidth) + '  │ ' + notes.join(', ') : text}`.trimEnd());
  }
  if (run.omitted > 0) out.push(`${indent}… and ${run.omitted} more lines (a loop); the result came from line ${run.result.line ?? '?'}`);
  return out;
}

function lastStepAt(run: ExplainedRun, line: number): ExplainStep | undefined {
  for (let i = run.steps.length - 1; i >= 0; i--) if (run.steps[i]!.line === line) return run.steps[i];
  return undefined;
}
