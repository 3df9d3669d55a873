/**
 * A store timestamp (ISO 8601, UTC, milliseconds) as a person reads it: local time,
 * to the minute, with how long ago for recent ones, e.g. "30 Nov 2026, 11:02 (5 min ago)".
 * The UTC original stays available in tooltips.
 */
export function readableTime(iso: string, now: Date = new Date(), locale?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const local = at.toLocaleString(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  const ago = relative(now.getTime() - at.getTime());
  return ago ? `${local} (${ago})` : local;
}

function relative(ms: number): string | undefined {
  if (ms < 0) return undefined; // clocks apart: say nothing rather than "in 2 s"
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days < 7 ? `${days} day${days === 1 ? '' : 's'} ago` : undefined;
}
