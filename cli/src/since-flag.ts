import { UsageError } from './command';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A `--since` value as an ISO date-time: a duration back from `now` (`90s`, `30m`,
 * `12h`, `7d`, `2w`) or an ISO date-time as given. Anything else is a usage error
 * naming both forms.
 */
export function sinceFlag(command: string, text: string, now = Date.now()): string {
  const trimmed = text.trim();
  const duration = /^(\d+)\s*([smhdw])$/i.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * (UNIT_MS[(duration[2] as string).toLowerCase()] as number);
    if (!Number.isSafeInteger(ms) || now - ms < -8.64e15) throw new UsageError(`${command}: --since ${text} reaches before any date`);
    return new Date(now - ms).toISOString();
  }
  // A date needs at least year-month-day: Date.parse also reads "1" or "May" as dates.
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return new Date(Date.parse(trimmed)).toISOString();
  throw new UsageError(`${command}: --since must be a duration (30m, 12h, 7d, 2w) or an ISO date-time (2026-11-30T12:00:00Z), got '${text}'`);
}
