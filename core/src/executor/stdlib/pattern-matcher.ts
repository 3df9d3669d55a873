import { matchClass } from './char-classes';

/**
 * A Lua 5.3 pattern matcher over byte arrays, following lstrlib.c step by step
 * (same backtracking order, same captures, same error messages), with two
 * additions: every step is counted on a StepMeter, which reports to the
 * evaluation budget, and nothing here touches a Lua state, so it can be tested
 * and reused on its own. Positions are 0-based byte offsets; -1 means "no match".
 *
 * Recursion is bounded the way Lua bounds it: at most MAXCCALLS nested `match`
 * calls ("pattern too complex"), a few hundred JS frames at worst.
 */

export const CAP_UNFINISHED = -1;
export const CAP_POSITION = -2;
export const MAX_CAPTURES = 32;
const MAXCCALLS = 200;
/** Steps are reported to the budget in chunks of this many. */
export const STEP_CHUNK = 1000;

const L_ESC = 37; // '%'
const OPEN = 40; // '('
const CLOSE = 41; // ')'
const DOLLAR = 36; // '$'
const LBRACKET = 91; // '['
const RBRACKET = 93; // ']'
const CARET = 94; // '^'
const DOT = 46; // '.'
const STAR = 42; // '*'
const PLUS = 43; // '+'
const MINUS = 45; // '-'
const QUESTION = 63; // '?'
const LETTER_B = 98; // 'b'
const LETTER_F = 102; // 'f'
const DIGIT_0 = 48;
const DIGIT_1 = 49;
const DIGIT_9 = 57;

/** A malformed pattern or a bad capture reference; the message is Lua 5.3's. */
export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

/**
 * Counts matcher steps and hands them to `report` every STEP_CHUNK steps; `report`
 * throws (LimitExceeded) to stop a runaway match. The count carries over between
 * calls so many short matches add up too.
 */
export class StepMeter {
  count = 0;
  constructor(private readonly report: (steps: number) => void) {}

  add(steps: number): void {
    this.count += steps;
    if (this.count >= STEP_CHUNK) this.flush();
  }

  flush(): void {
    const steps = this.count;
    this.count = 0;
    this.report(steps);
  }
}

/** The state of one match: subject, pattern and captures. Reused between calls through `reset`. */
export class MatchState {
  src: Uint8Array = EMPTY;
  srcEnd = 0;
  pat: Uint8Array = EMPTY;
  patEnd = 0;
  level = 0;
  matchdepth = MAXCCALLS;
  readonly captureInit = new Int32Array(MAX_CAPTURES);
  readonly captureLen = new Int32Array(MAX_CAPTURES);

  constructor(readonly meter: StepMeter) {}

  /** Prepares for matching `pat` against `src` (callers start at pattern index 1 to skip a '^' anchor). */
  prepare(src: Uint8Array, pat: Uint8Array): void {
    this.src = src;
    this.srcEnd = src.length;
    this.pat = pat;
    this.patEnd = pat.length;
    this.level = 0;
    this.matchdepth = MAXCCALLS;
  }

  /** Clears captures before each match attempt. */
  restart(): void {
    this.level = 0;
    this.matchdepth = MAXCCALLS;
  }

  /** Drops the references to the strings, so a pooled state holds no memory. */
  release(): void {
    this.src = EMPTY;
    this.pat = EMPTY;
  }
}

const EMPTY = new Uint8Array(0);

/** Where the single-character class starting at `p` ends (the index after it). */
function classEnd(ms: MatchState, p: number): number {
  const pat = ms.pat;
  const c = pat[p++];
  if (c === L_ESC) {
    if (p >= ms.patEnd) throw new PatternError("malformed pattern (ends with '%')");
    return p + 1;
  }
  if (c === LBRACKET) {
    const start = p;
    if (pat[p] === CARET) p++;
    do {
      // Look for the closing ']'; the first character of the set may be a ']'.
      if (p >= ms.patEnd) {
        chargeSetScan(ms.meter, p - start);
        throw new PatternError("malformed pattern (missing ']')");
      }
      const d = pat[p++];
      if (d === L_ESC && p < ms.patEnd) p++; // skip escapes such as '%]'
    } while (pat[p] !== RBRACKET);
    chargeSetScan(ms.meter, p - start);
    return p + 1;
  }
  return p;
}

/**
 * A set is scanned element by element, so a long one is many steps, not one: a
 * 200 KB set tried against each byte of a long subject would otherwise run for
 * minutes on a tiny step count. One step per byte scanned beyond the first few
 * (measured: scanning a set byte costs about what a match step does).
 */
const FREE_SET_BYTES = 8;
function chargeSetScan(meter: StepMeter, bytes: number): void {
  if (bytes <= FREE_SET_BYTES) return;
  meter.count += bytes;
  if (meter.count >= STEP_CHUNK) meter.flush();
}

/** Does byte `c` match the set `[...]` spanning pat[p] ('[') to pat[ec] (']')? */
function matchBracketClass(ms: MatchState, c: number, p: number, ec: number): boolean {
  const start = p;
  const result = scanBracketClass(ms.pat, c, p, ec);
  // Charged as if the whole set was scanned: cheap, and exact for the costly case (no match).
  chargeSetScan(ms.meter, ec - start);
  return result;
}

function scanBracketClass(pat: Uint8Array, c: number, p: number, ec: number): boolean {
  let sig = true;
  if (pat[p + 1] === CARET) {
    sig = false;
    p++;
  }
  while (++p < ec) {
    const d = pat[p] as number;
    if (d === L_ESC) {
      p++;
      if (matchClass(c, pat[p] as number)) return sig;
    } else if (pat[p + 1] === MINUS && p + 2 < ec) {
      p += 2;
      if (d <= c && c <= (pat[p] as number)) return sig;
    } else if (d === c) {
      return sig;
    }
  }
  return !sig;
}

/** Does the character at `s` match the single-character class pat[p..ep)? */
function singleMatch(ms: MatchState, s: number, p: number, ep: number): boolean {
  if (s >= ms.srcEnd) return false;
  const c = ms.src[s] as number;
  const pc = ms.pat[p];
  if (pc === DOT) return true;
  if (pc === L_ESC) return matchClass(c, ms.pat[p + 1] as number);
  if (pc === LBRACKET) return matchBracketClass(ms, c, p, ep - 1);
  return pc === c;
}

/** %bxy at pattern position p (the 'x'): the end of the balanced run starting at s, or -1. */
function matchBalance(ms: MatchState, s: number, p: number): number {
  if (p >= ms.patEnd - 1) throw new PatternError("malformed pattern (missing arguments to '%b')");
  const src = ms.src;
  if (s >= ms.srcEnd || src[s] !== ms.pat[p]) return -1;
  const open = ms.pat[p] as number;
  const close = ms.pat[p + 1] as number;
  const meter = ms.meter;
  let depth = 1;
  const start = s;
  let result = -1;
  while (++s < ms.srcEnd) {
    const c = src[s];
    if (c === close) {
      if (--depth === 0) {
        result = s + 1;
        break;
      }
    } else if (c === open) {
      depth++;
    }
  }
  meter.add(s - start);
  return result;
}

/** Greedy repetition (`*`, and `+` after its first match): longest run first, then backtrack. */
function maxExpand(ms: MatchState, s: number, p: number, ep: number): number {
  let i = 0;
  while (singleMatch(ms, s + i, p, ep)) i++;
  ms.meter.add(i);
  const meter = ms.meter;
  while (i >= 0) {
    const result = match(ms, s + i, ep + 1);
    if (result !== -1) return result;
    i--;
    if (++meter.count >= STEP_CHUNK) meter.flush();
  }
  return -1;
}

/** Lazy repetition (`-`): shortest run first. */
function minExpand(ms: MatchState, s: number, p: number, ep: number): number {
  const meter = ms.meter;
  for (;;) {
    const result = match(ms, s, ep + 1);
    if (result !== -1) return result;
    if (!singleMatch(ms, s, p, ep)) return -1;
    s++;
    if (++meter.count >= STEP_CHUNK) meter.flush();
  }
}

function startCapture(ms: MatchState, s: number, p: number, what: number): number {
  const level = ms.level;
  if (level >= MAX_CAPTURES) throw new PatternError('too many captures');
  ms.captureInit[level] = s;
  ms.captureLen[level] = what;
  ms.level = level + 1;
  const result = match(ms, s, p);
  if (result === -1) ms.level--; // undo the capture
  return result;
}

function captureToClose(ms: MatchState): number {
  for (let level = ms.level - 1; level >= 0; level--) {
    if (ms.captureLen[level] === CAP_UNFINISHED) return level;
  }
  throw new PatternError('invalid pattern capture');
}

function endCapture(ms: MatchState, s: number, p: number): number {
  const l = captureToClose(ms);
  ms.captureLen[l] = s - (ms.captureInit[l] as number);
  const result = match(ms, s, p);
  if (result === -1) ms.captureLen[l] = CAP_UNFINISHED; // undo the close
  return result;
}

/** The capture index for the back-reference digit `d` ('1'..'9'), checked. */
function checkCapture(ms: MatchState, d: number): number {
  const l = d - DIGIT_1;
  if (l < 0 || l >= ms.level || ms.captureLen[l] === CAP_UNFINISHED) throw new PatternError(`invalid capture index %${l + 1}`);
  return l;
}

/** %1-%9: the text of an earlier capture again at s. A position capture never matches (as in C Lua, where its length is huge). */
function matchCapture(ms: MatchState, s: number, d: number): number {
  const l = checkCapture(ms, d);
  const len = ms.captureLen[l] as number;
  if (len < 0 || ms.srcEnd - s < len) return -1;
  const src = ms.src;
  const init = ms.captureInit[l] as number;
  ms.meter.add(len);
  for (let k = 0; k < len; k++) {
    if (src[init + k] !== src[s + k]) return -1;
  }
  return s + len;
}

/**
 * Matches pattern position p against subject position s; returns the end of the
 * match or -1. The loop stands for lstrlib's `goto init` (tail positions); real
 * recursion happens only where Lua's does, and is bounded by `matchdepth`.
 */
export function match(ms: MatchState, s: number, p: number): number {
  if (ms.matchdepth-- === 0) throw new PatternError('pattern too complex');
  const meter = ms.meter;
  if (++meter.count >= STEP_CHUNK) meter.flush();
  const pat = ms.pat;
  const patEnd = ms.patEnd;
  for (;;) {
    if (p === patEnd) break; // end of pattern: s is the end of the match
    const pc = pat[p] as number;
    if (pc === OPEN) {
      s = pat[p + 1] === CLOSE ? startCapture(ms, s, p + 2, CAP_POSITION) : startCapture(ms, s, p + 1, CAP_UNFINISHED);
      break;
    }
    if (pc === CLOSE) {
      s = endCapture(ms, s, p + 1);
      break;
    }
    if (pc === DOLLAR && p + 1 === patEnd) {
      if (s !== ms.srcEnd) s = -1;
      break;
    }
    if (pc === L_ESC) {
      const next = pat[p + 1];
      if (next === LETTER_B) {
        s = matchBalance(ms, s, p + 2);
        if (s === -1) break;
        p += 4;
        continue;
      }
      if (next === LETTER_F) {
        p += 2;
        if (pat[p] !== LBRACKET) throw new PatternError("missing '[' after '%f' in pattern");
        const ep = classEnd(ms, p);
        const previous = s === 0 ? 0 : (ms.src[s - 1] as number);
        const current = s === ms.srcEnd ? 0 : (ms.src[s] as number);
        if (!matchBracketClass(ms, previous, p, ep - 1) && matchBracketClass(ms, current, p, ep - 1)) {
          p = ep;
          continue;
        }
        s = -1;
        break;
      }
      if (next !== undefined && next >= DIGIT_0 && next <= DIGIT_9) {
        s = matchCapture(ms, s, next);
        if (s === -1) break;
        p += 2;
        continue;
      }
      // Any other escape is a single-character class: fall through to the default.
    }
    // A single-character class with an optional repetition suffix.
    const ep = classEnd(ms, p);
    const suffix = pat[ep];
    if (!singleMatch(ms, s, p, ep)) {
      if (suffix === STAR || suffix === QUESTION || suffix === MINUS) {
        p = ep + 1; // the item may match zero times
        continue;
      }
      s = -1;
      break;
    }
    if (suffix === QUESTION) {
      const result = match(ms, s + 1, ep + 1);
      if (result !== -1) {
        s = result;
        break;
      }
      p = ep + 1;
      continue;
    }
    if (suffix === PLUS) {
      s = maxExpand(ms, s + 1, p, ep);
      break;
    }
    if (suffix === STAR) {
      s = maxExpand(ms, s, p, ep);
      break;
    }
    if (suffix === MINUS) {
      s = minExpand(ms, s, p, ep);
      break;
    }
    s++;
    p = ep;
  }
  ms.matchdepth++;
  return s;
}

const SPECIALS = new Uint8Array(256);
for (const c of '^$*+?.([%-') SPECIALS[c.charCodeAt(0)] = 1;

/** True when the pattern has none of the magic characters, so find can search for it plainly. */
export function hasNoSpecials(pat: Uint8Array): boolean {
  for (let i = 0; i < pat.length; i++) if (SPECIALS[pat[i] as number] === 1) return false;
  return true;
}

/** Plain substring search from `from`; each compared byte is a step. Returns the offset or -1. */
export function findPlain(meter: StepMeter, src: Uint8Array, needle: Uint8Array, from: number): number {
  const n = needle.length;
  if (n === 0) return from;
  const first = needle[0] as number;
  const last = src.length - n;
  let i = from;
  while (i <= last) {
    // A plain loop beats indexOf here: most gaps are short and indexOf costs a call each time.
    // Skipped bytes are steps too, one per 16 (about their cost against a match step).
    let found = i;
    while (found <= last && src[found] !== first) found++;
    if (found > last) {
      meter.add(1 + ((found - i) >> 4));
      return -1;
    }
    let k = 1;
    while (k < n && src[found + k] === needle[k]) k++;
    meter.add(k + ((found - i) >> 4));
    if (k === n) return found;
    i = found + 1;
  }
  return -1;
}
