import type { LineObserver } from '../executor/execution-trace';
import { executableLines } from '../executor/execution-trace';
import type { LuaExecutor } from '../executor/lua-executor';
import type { RuleDefinition } from '../model/rule';

/**
 * Line coverage of one Lua rule by its fixtures: which of the lines holding code
 * ran, and how often. Lines come from the compiled chunk (the same line table Lua's
 * line hook reports from), so a comment, a blank line or an `end` never counts.
 */
export class LineCoverage implements LineObserver {
  readonly hits = new Map<number, number>();
  constructor(readonly executable: ReadonlySet<number>) {}

  onLine(line: number): void {
    this.hits.set(line, (this.hits.get(line) ?? 0) + 1);
  }

  /** Each line holding code with its hit count, in line order. */
  lines(): { line: number; hits: number }[] {
    return [...this.executable].sort((a, b) => a - b).map((line) => ({ line, hits: this.hits.get(line) ?? 0 }));
  }

  get covered(): number {
    let n = 0;
    for (const line of this.executable) if ((this.hits.get(line) ?? 0) > 0) n++;
    return n;
  }

  /** Percentage of the lines holding code that ran; 100 for a rule without code lines. */
  get percent(): number {
    return this.executable.size === 0 ? 100 : (100 * this.covered) / this.executable.size;
  }

  uncovered(): number[] {
    return this.lines().filter((l) => l.hits === 0).map((l) => l.line);
  }
}

/** A coverage collector for a Lua rule; undefined for pattern rules and rules that do not compile. */
export function coverageFor(executor: LuaExecutor, definition: RuleDefinition): LineCoverage | undefined {
  if (definition.kind !== 'lua') return undefined;
  const compiled = executor.compile(definition.source, definition.origin);
  if (!compiled.ok) return undefined;
  const lines = executableLines(compiled.rule);
  return lines ? new LineCoverage(lines) : undefined;
}

/** "3-5, 9, 12" for a sorted list of line numbers. */
export function lineRanges(lines: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i]!;
    let end = start;
    while (i + 1 < lines.length && lines[i + 1] === end + 1) end = lines[++i]!;
    parts.push(end === start ? String(start) : `${start}-${end}`);
  }
  return parts.join(', ');
}

/** One LCOV record (the format of lcov, genhtml, Codecov and the Coverage Gutters extension). */
export function lcovRecord(file: string, coverage: LineCoverage): string {
  const lines = coverage.lines();
  return ['TN:', `SF:${file}`, ...lines.map((l) => `DA:${l.line},${l.hits}`), `LF:${lines.length}`, `LH:${coverage.covered}`, 'end_of_record', ''].join('\n');
}
