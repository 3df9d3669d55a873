import { displayText, safeJson } from '../util/display-text';
import type { ImpactExample, ImpactReport, ImpactSummary } from './impact-report';

/**
 * The impact analysis as text, written once for `lua-rules impact`, the editor's
 * impact view and the publish confirmation, so all three say the same thing.
 */

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
}

/** Where the contexts came from and against what, e.g. "live version 3, 1,200 contexts of rule x". */
export function impactSource(summary: ImpactSummary): string {
  const against = summary.liveVersion === null ? 'no live version' : `live version ${summary.liveVersion}`;
  const from = summary.source.kind === 'rule' ? `captured for ${summary.source.rule}` : `captured in category ${summary.source.category}`;
  return `${against}; ${summary.replayed.toLocaleString('en-US')} context${summary.replayed === 1 ? '' : 's'} ${from}`;
}

/** One line: the figure a reviewer looks at first. */
export function impactHeadline(summary: ImpactSummary): string {
  if (summary.replayed === 0) return `${summary.rule}: no captured contexts to replay (${impactSource(summary)})`;
  if (summary.liveVersion === null) return `${summary.rule}: new rule, ${summary.replayed.toLocaleString('en-US')} decisions on its category's contexts (${decisionCounts(summary)})`;
  return `${summary.rule}: ${summary.changed.toLocaleString('en-US')} of ${summary.replayed.toLocaleString('en-US')} decisions change (${percent(summary.changedFraction)}) against live version ${summary.liveVersion}`;
}

/** "autonomous 3, escalated 1": the draft's decisions, for a rule with no live version. */
function decisionCounts(summary: ImpactSummary): string {
  const counts = new Map<string, number>();
  for (const [transition, n] of Object.entries(summary.transitions)) {
    const to = transition.split('->')[1] ?? transition;
    counts.set(to, (counts.get(to) ?? 0) + n);
  }
  return [...counts].map(([label, n]) => `${label} ${n.toLocaleString('en-US')}`).join(', ');
}

/** The transition rows, changed ones first, each with its count. */
export function transitionRows(summary: ImpactSummary): { from: string; to: string; count: number; changed: boolean }[] {
  return Object.entries(summary.transitions)
    .map(([key, count]) => {
      const [from = '', to = ''] = key.split('->');
      return { from, to, count, changed: from !== to };
    })
    .sort((a, b) => Number(b.changed) - Number(a.changed) || b.count - a.count);
}

/** The summary lines (no examples): what the publish confirmation shows. */
export function impactSummaryLines(summary: ImpactSummary): string[] {
  const lines = [impactHeadline(summary), `  ${impactSource(summary)}${summary.skipped > 0 ? ` (${summary.skipped} without a context skipped)` : ''}`];
  if (summary.replayed === 0) return lines;
  lines.push('  transitions (live → draft):');
  const rows = transitionRows(summary);
  const width = Math.max(...rows.map((r) => `${r.from} → ${r.to}`.length));
  for (const row of rows) lines.push(`    ${`${row.from} → ${row.to}`.padEnd(width)}  ${String(row.count).padStart(7)}${row.changed ? '  changed' : ''}`);
  const c = summary.confidence;
  if (c.mean !== null && c.meanLive !== null && c.meanDraft !== null) {
    lines.push(`  confidence: mean ${c.meanLive.toFixed(4)} → ${c.meanDraft.toFixed(4)} (${signed(c.mean)})`);
    const moved = Object.entries(c.distribution).filter(([bucket, n]) => n > 0 && bucket !== 'unchanged');
    if (moved.length > 0) lines.push(`    moved: ${moved.map(([bucket, n]) => `${bucket}: ${n}`).join(', ')}; unchanged (|Δ| < 0.01): ${c.distribution['unchanged'] ?? 0}`);
  } else if (c.meanDraft !== null) lines.push(`  confidence: mean ${c.meanDraft.toFixed(4)}`);
  if (summary.liveVersion !== null) {
    lines.push(
      summary.notReproduced === 0
        ? `  live version ${summary.liveVersion} reproduces every logged answer`
        : `  not reproduced: ${summary.notReproduced} (live version ${summary.liveVersion} now answers otherwise than the log; ${summary.loggedByLive} of ${summary.replayed} were logged by it)`,
    );
  }
  return lines;
}

function answerText(answer: ImpactExample['live']): string {
  if (answer.label === 'none') return '(no live version)';
  if (answer.error) return `error ${answer.error.code}: ${displayText(answer.error.message.length <= 300 ? answer.error.message : `${answer.error.message.slice(0, 300)}…`)}`;
  const reasoning = answer.reasoning.length <= 200 ? answer.reasoning : `${answer.reasoning.slice(0, 200)}…`;
  return `${answer.label} ${answer.confidence} ${JSON.stringify(displayText(reasoning))}`;
}

/** A context on one line, cut at 400 characters (the JSON output has it whole). */
function shortJson(value: unknown): string {
  const text = safeJson(value);
  return text.length <= 400 ? text : `${text.slice(0, 400)}… (${text.length.toLocaleString('en-US')} characters)`;
}

/** One example, a few lines: when, the context, what each side answered. */
export function exampleLines(example: ImpactExample): string[] {
  const when = [example.at, example.correlationId ? `correlation ${displayText(example.correlationId)}` : null, `logged by v${example.logged.version} as ${example.logged.label}`].filter((p) => p !== null).join(', ');
  return [`  ${example.transition.replace('->', ' → ')}  (${when})`, `    context: ${shortJson(example.context)}`, `    live:  ${answerText(example.live)}`, `    draft: ${answerText(example.draft)}`];
}

/** The whole report as text (`lua-rules impact` without --json). */
export function formatImpactText(report: ImpactReport): string {
  const lines = impactSummaryLines(report);
  if (report.examples.length > 0) {
    lines.push('', `examples (the first of each changed transition):`);
    for (const example of report.examples) lines.push(...exampleLines(example));
  }
  if (report.notReproducedExamples.length > 0) {
    lines.push('', 'not reproduced by the live version (first few):');
    for (const example of report.notReproducedExamples) lines.push(...exampleLines(example));
  }
  return lines.join('\n') + '\n';
}
