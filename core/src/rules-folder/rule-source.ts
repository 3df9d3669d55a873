import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../executor/limits';

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

/**
 * The offset of the first byte that does not start or continue a valid UTF-8
 * sequence (overlong forms, surrogates and code points past U+10FFFF are invalid,
 * as for TextDecoder's fatal mode), or -1 when all of `bytes` is valid.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= n) return i; // cut off at the end
    let cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

export type DecodedSource = { ok: true; text: string } | { ok: false; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A rule file's bytes as text: refused when too large or not UTF-8 (with the byte offset). */
export function decodeRuleSource(bytes: Uint8Array, maxBytes: number = DEFAULT_LIMITS.maxSourceBytes): DecodedSource {
  const tooLarge = sourceSizeProblem(bytes.length, maxBytes);
  if (tooLarge) return { ok: false, error: tooLarge };
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const byte = bytes[at] ?? 0;
    return { ok: false, error: `invalid UTF-8 at byte ${at} (0x${byte.toString(16).padStart(2, '0')}): rule files must be UTF-8` };
  }
}

/** Reads a rule file with both checks; throws the fs error (ENOENT, EISDIR, ...) as readFileSync does. */
export function readRuleSource(path: string, maxBytes: number = DEFAULT_LIMITS.maxSourceBytes): DecodedSource {
  return decodeRuleSource(readFileSync(path), maxBytes);
}
