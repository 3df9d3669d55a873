import { UsageError } from './command';

/**
 * Durations on the command line (`--since 1h`, `--decision-log-max-age 7d`): a whole
 * or decimal number and one unit, `ms`, `s`, `m`, `h`, `d` or `w`. No unit is refused
 * (is `30` seconds or days?).
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** A duration flag with bounds (ms); a usage error saying what is expected otherwise. */
export function durationFlag(command: string, name: string, text: string | undefined, bounds: { minMs: number; maxMs: number }): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${command}: --${name} must be a duration like 90s, 30m, 12h or 7d, got '${text}'`);
  if (ms < bounds.minMs || ms > bounds.maxMs) throw new UsageError(`${command}: --${name} must be from ${describe(bounds.minMs)} to ${describe(bounds.maxMs)}, got '${text}'`);
  return ms;
}

/**
 * `--since`: a duration back from now (`1h`, `7d`) or an ISO date-time
 * (`2026-11-30T12:00:00Z`, or a date alone, read as UTC midnight). Returns ISO.
 */
export function sinceFlag(command: string, text: string | undefined, now = Date.now()): string | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now - ms).toISOString();
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const t = Date.parse(text.trim());
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw new UsageError(`${command}: --since must be a duration back from now (like 30m, 1h, 7d) or an ISO date-time (like 2026-11-30T12:00:00Z), got '${text}'`);
}

function describe(ms: number): string {
  for (const [unit, size] of [['w', UNITS.w], ['d', UNITS.d], ['h', UNITS.h], ['m', UNITS.m], ['s', UNITS.s]] as const) {
    if (ms >= (size as number) && ms % (size as number) === 0) return `${ms / (size as number)}${unit}`;
  }
  return `${ms}ms`;
}
