import type { Timing } from './measure';

/** One printed line: a figure, its spread, and the target beside it. */
export interface Row {
  label: string;
  /** The figure in the unit of `unit`, or null when it could not be measured. */
  value: number | null;
  unit: 'µs' | 'ms' | 'MB' | 'x';
  timing?: Timing;
  /** e.g. "≤ 4 µs"; empty for figures without a target. */
  target: string;
  /** True when met, false when missed, null when there is no target or no figure. */
  met: boolean | null;
  note?: string;
}

function format(value: number | null, unit: Row['unit']): string {
  if (value === null) return 'n/a';
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

function cpu(row: Row): string {
  if (!row.timing || row.value === null) return '';
  const scale = row.unit === 'ms' ? 1 / 1000 : 1;
  return format(row.timing.cpuMedianUs * scale, row.unit);
}

function spread(row: Row): string {
  if (!row.timing || row.value === null) return '';
  const scale = row.unit === 'ms' ? 1 / 1000 : 1;
  return `${format(row.timing.p10Us * scale, row.unit)} – ${format(row.timing.p90Us * scale, row.unit)}`;
}

/**
 * `quietScale`, when given, turns a CPU median into an estimate for a quiet machine:
 * CPU median × (native Lua on a quiet machine / native Lua in this run). It assumes
 * Fengari and native Lua slow down alike under load; it is an estimate, labelled so.
 */
export function renderTable(rows: readonly Row[], quietScale: number | null = null): string {
  const header = ['figure', 'median', 'p10 – p90', 'CPU median', ...(quietScale === null ? [] : ['≈ quiet']), 'target', ''];
  const quiet = (r: Row) => (r.timing && r.value !== null && quietScale !== null ? format(r.timing.cpuMedianUs * (r.unit === 'ms' ? 1 / 1000 : 1) * quietScale, r.unit) : '');
  const cells = rows.map((r) => [r.label, format(r.value, r.unit), spread(r), cpu(r), ...(quietScale === null ? [] : [quiet(r)]), r.target, r.met === null ? '' : r.met ? 'met' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => c.map((v, i) => (i === 1 || i === 3 || (quietScale !== null && i === 4) ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (let i = 0; i < rows.length; i++) {
    out.push(line(cells[i] as string[]));
    const note = rows[i]?.note;
    if (note) out.push('    ' + note);
  }
  return out.join('\n');
}
