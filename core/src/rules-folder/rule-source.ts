import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../executor/limits';
import { decodeUtf8 } from './utf8';

/**
 * The two checks every rule source passes before anything parses or compiles it,
 * whichever way it arrives (a file in a rules folder, `run`, `publish`, the store,
 * the executor's compile): a size limit, so a 50 MB rule cannot take a minute and
 * gigabytes to compile, and, for files, strict UTF-8, so bytes are never silently
 * replaced by U+FFFD on the way into the store.
 */

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The refusal for a source of `bytes` bytes, or null when it is within `maxBytes`. */
export function sourceSizeProblem(bytes: number, maxBytes: number = DEFAULT_LIMITS.maxSourceBytes): string | null {
  if (bytes <= maxBytes) return null;
  return `rule source too large: ${formatSize(bytes)} (${bytes.toLocaleString('en-US')} bytes); the limit is ${formatSize(maxBytes)}`;
}

/** Size check of a source already in memory (UTF-8 length, as the file would have). */
export function ruleSourceProblem(text: string, maxBytes: number = DEFAULT_LIMITS.maxSourceBytes): string | null {
  // A JS string of n units is at most 3n UTF-8 bytes: the exact count is only needed near the limit.
  if (text.length * 3 <= maxBytes) return null;
  return sourceSizeProblem(Buffer.byteLength(text, 'utf8'), maxBytes);
}

export type DecodedSource = { ok: true; text: string } | { ok: false; error: string };

/** The refusal of a file that is not UTF-8 (one wording for every command). */
export function invalidUtf8Message(offset: number): string {
  return `not valid UTF-8: byte ${offset} (0-based) does not start or continue a UTF-8 character; save the file as UTF-8`;
}

/** A rule file's bytes as text: refused when too large or not UTF-8 (with the byte offset). */
export function decodeRuleSource(bytes: Uint8Array, maxBytes: number = DEFAULT_LIMITS.maxSourceBytes): DecodedSource {
  const tooLarge = sourceSizeProblem(bytes.length, maxBytes);
  if (tooLarge) return { ok: false, error: tooLarge };
  const decoded = decodeUtf8(bytes);
  return decoded.ok ? decoded : { ok: false, error: invalidUtf8Message(decoded.offset) };
}

/** Reads a rule file with both checks; throws the fs error (ENOENT, EISDIR, ...) as readFileSync does. */
export function readRuleSource(path: string, maxBytes: number = DEFAULT_LIMITS.maxSourceBytes): DecodedSource {
  return decodeRuleSource(readFileSync(path), maxBytes);
}
