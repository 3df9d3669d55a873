import type { RuleResult } from '../../core/src/model/result';
import type { Mismatch } from '../../core/src/fixtures/check-expectation';
import { displayText, safeJson } from '../../core/src/util/display-text';

/** "autonomous 0.95": how a result reads in one glance. */
export function shortResult(result: RuleResult): string {
  if (result.error) return `${result.error.code}`;
  return `${result.decision} ${formatConfidence(result.confidence)}`;
}

export function formatConfidence(confidence: number): string {
  return Number.isInteger(confidence * 100) ? String(confidence) : confidence.toFixed(4).replace(/0+$/, '');
}

export function formatDuration(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}

/** The expected-vs-actual table of a failing fixture, aligned, one row per field. */
export function mismatchTable(mismatches: readonly Mismatch[], indent: string): string[] {
  const fieldWidth = Math.max('field'.length, ...mismatches.map((m) => m.field.length));
  const expectedWidth = Math.max('expected'.length, ...mismatches.map((m) => displayText(m.expected).length));
  const lines = [`${indent}${'field'.padEnd(fieldWidth)}  ${'expected'.padEnd(expectedWidth)}  actual`];
  for (const m of mismatches) lines.push(`${indent}${m.field.padEnd(fieldWidth)}  ${displayText(m.expected).padEnd(expectedWidth)}  ${displayText(m.actual)}`);
  return lines;
}

/** The contract JSON of `lua-rules run --json` (docs/cli.md). */
export function runJson(result: RuleResult, rule: string, durationMs: number, instructions: number): string {
  return safeJson({
    decision: result.decision,
    confidence: result.confidence,
    reasoning: result.reasoning,
    rule,
    durationMs: Math.round(durationMs * 1000) / 1000,
    instructions,
    error: result.error ? { code: result.error.code, message: result.error.message } : null,
    line: result.line,
  });
}
