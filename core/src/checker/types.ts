/**
 * The shapes the checker hands out. Positions and ranges are 0-based and count
 * UTF-16 code units, exactly like LSP, so the language server passes them through
 * unchanged; `lua-rules check` adds 1 for its text output.
 */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information';

/** A replacement a quick fix can apply: put `newText` over `range`. */
export interface FindingFix {
  title: string;
  range: Range;
  newText: string;
}

export interface Finding {
  code: string;
  severity: Severity;
  range: Range;
  message: string;
  /** The preferred quick fix. */
  fix?: FindingFix;
  /** Other quick fixes offered beside it (e.g. each valid decision). */
  moreFixes?: FindingFix[];
}

export function rangeOf(startLine: number, startCharacter: number, endLine: number, endCharacter: number): Range {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

export function rangeContains(range: Range, position: Position): boolean {
  return comparePositions(range.start, position) <= 0 && comparePositions(position, range.end) <= 0;
}

/** Findings in reading order: by position, then by code. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => comparePositions(a.range.start, b.range.start) || comparePositions(a.range.end, b.range.end) || a.code.localeCompare(b.code));
}
