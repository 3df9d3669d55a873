import { RE2JS } from 're2js';

/**
 * Pattern-rule regexes run on RE2JS (a pure-JS port of RE2): its automata match in
 * time linear in the subject, so a regex like `^([a-z]+)+$` cannot backtrack for
 * seconds on `aaaa…!` as JavaScript's own engine does. The price is RE2's syntax:
 * no backreferences and no lookaround, which the checker refuses with this reason.
 *
 * Linear in the subject still multiplies by the size of the compiled program, so
 * programs are capped: at 2,000 instructions the slowest regex we found
 * (`(a?){500}a{500}$`, 2,503 instructions, over the limit) took 165 ms on a 1 MB
 * subject; see docs/decisions.md.
 */
export const MAX_REGEX_PROGRAM = 2000;

export interface LinearRegex {
  test(subject: string): boolean;
}

export type LinearRegexCompile = { ok: true; regex: LinearRegex } | { ok: false; reason: string };

export function compileLinearRegex(source: string, flags = ''): LinearRegexCompile {
  let mask = 0;
  if (flags.includes('i')) mask |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('m')) mask |= RE2JS.MULTILINE;
  if (flags.includes('s')) mask |= RE2JS.DOTALL;
  // 'u' needs nothing: RE2 always matches by code point.
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(toRe2Syntax(source, flags.includes('s')), mask);
  } catch (error) {
    return { ok: false, reason: explain((error as Error).message) };
  }
  const size = programSize(compiled);
  if (size > MAX_REGEX_PROGRAM) {
    return { ok: false, reason: `it compiles to ${size} matcher instructions, over the ${MAX_REGEX_PROGRAM} that keep matching fast; use smaller repeat counts ({n,m})` };
  }
  const native = nativeFastPath(source, flags);
  if (!native) return { ok: true, regex: { test: (subject) => compiled.test(subject) } };
  const { regex, maxSubject } = native;
  return { ok: true, regex: { test: (subject) => (subject.length <= maxSubject && isAscii(subject) ? regex.test(subject) : compiled.test(subject)) } };
}

/** Backtracking steps allowed to JavaScript's own engine on one subject: well under a millisecond. */
const NATIVE_STEP_BOUND = 100_000;
/** One atom: an ASCII literal, an escaped ASCII punctuation mark, \d \D \w \W, a class of ASCII items, or `.`. */
const ATOM = /^(?:\[\^?(?:[\x20-\x5b\x5e-\x7e]|\\[dDwW]|\\[!-/:-@[-`{-~])+\]|\\[dDwW]|\\[!-/:-@[-`{-~]|[\x20-\x7e])/;
const QUANTIFIER = /^(?:[*+?]|\{(\d{1,4})(,(\d{0,4}))?\})\??/;
const SPECIAL = new Set(['(', ')', '|', '[', ']', '{', '}', '*', '+', '?', '^', '$', '\\']);

/**
 * JavaScript's own RegExp for the simplest regexes, where it gives RE2's answer and
 * its backtracking is provably bounded: a sequence of single atoms (ASCII literals,
 * escapes, classes, `.`), each at most quantified, optionally anchored by ^ and $,
 * flags at most `i`; no groups, no alternation. Such a regex backtracks over at
 * most n^k states for a subject of n characters, k being its repeated atoms (plus one
 * when not anchored at the start, for the start positions), so it is used only for
 * ASCII subjects short enough that n^k stays under NATIVE_STEP_BOUND; any other
 * subject goes to RE2. On ASCII subjects and ASCII regexes the two engines agree
 * (code units are code points, case folding is ASCII's). Why: RE2JS was the largest
 * part of a pattern rule's evaluation (`^epic-[0-9]+$`: 0.4 µs of 1.5, issue 16).
 * test/core/pattern-linear-regex.test.ts compares the two on random subjects.
 */
export function nativeFastPath(source: string, flags: string): { regex: RegExp; maxSubject: number } | null {
  if (flags !== '' && flags !== 'i') return null;
  let rest = source;
  const anchored = rest.startsWith('^');
  if (anchored) rest = rest.slice(1);
  let repeated = 0;
  while (rest.length > 0) {
    if (rest === '$') break;
    const atom = ATOM.exec(rest);
    if (!atom || (atom[0].length === 1 && SPECIAL.has(atom[0]))) return null;
    rest = rest.slice(atom[0].length);
    const quantifier = QUANTIFIER.exec(rest);
    if (quantifier) {
      const min = quantifier[1] === undefined ? 0 : Number(quantifier[1]);
      const max = quantifier[1] === undefined ? (quantifier[0][0] === '?' ? 1 : Infinity) : quantifier[2] === undefined ? min : quantifier[3] === '' ? Infinity : Number(quantifier[3]);
      if (max < min) return null;
      if (max > min) repeated++;
      rest = rest.slice(quantifier[0].length);
    }
  }
  const k = repeated + (anchored ? 0 : 1);
  const maxSubject = k === 0 ? Infinity : Math.floor(Math.pow(NATIVE_STEP_BOUND, 1 / k));
  if (maxSubject < 8) return null;
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch {
    return null;
  }
  return { regex, maxSubject };
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e || text.charCodeAt(i) < 0x20) return false;
  return true;
}

/** RE2JS keeps its compiled program on an internal field; when it is not there, only its parse limits apply. */
function programSize(compiled: RE2JS): number {
  const prog = (compiled as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst;
  return Array.isArray(prog) ? prog.length : 0;
}

/** RE2's parse errors say what; this says why and what to do. */
function explain(message: string): string {
  const what = message.replace(/^error parsing regexp:\s*/, '');
  if (/\\[1-9]|\\k/.test(what)) return `backreferences cannot be matched in linear time (${what}); rewrite without \\1 or \\k<name>`;
  if (/\(\?[=!<]/.test(what)) return `lookahead and lookbehind cannot be matched in linear time (${what}); rewrite without (?= (?! (?<= (?<!`;
  if (/too large/.test(what)) return `${what}: use smaller repeat counts ({n,m})`;
  return what;
}

/** JavaScript's \s (WhiteSpace and LineTerminator), as RE2 class contents; RE2's own \s is ASCII only. */
const JS_SPACE = '\\t\\n\\x{0b}\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

/**
 * Rewrites a JavaScript regex (already known to be valid JavaScript) into RE2 syntax
 * with the same meaning, token by token. Only what differs is touched: `\uXXXX`,
 * `\u{X}`, `(?<name>`, `\s`, `\S` and `.`. Everything else is passed through, so RE2
 * itself refuses what it cannot do (backreferences, lookaround) and the checker says so.
 * (RE2JS.translateRegExp is not used: it drops the backslash of `\k`, turning a
 * backreference into the letter k instead of refusing it.)
 */
export function toRe2Syntax(source: string, dotAll: boolean): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      const hex4 = /^[0-9A-Fa-f]{4}/.exec(source.slice(i + 2, i + 6));
      const braced = /^\{([0-9A-Fa-f]+)\}/.exec(source.slice(i + 2));
      if (next === 'u' && braced) {
        out += `\\x{${braced[1] as string}}`;
        i += 1 + braced[0].length;
      } else if (next === 'u' && hex4) {
        out += `\\x{${hex4[0]}}`;
        i += 5;
      } else if (next === 's') {
        out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
        i++;
      } else if (next === 'S' && !inClass) {
        out += `[^${JS_SPACE}]`;
        i++;
      } else if (next === '/') {
        out += '/';
        i++;
      } else {
        out += c + next;
        i++;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ] right after [ or [^ is a literal in RE2 but ends an empty class in JavaScript.
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      continue;
    }
    if (c === '(' && source.startsWith('(?<', i) && source[i + 3] !== '=' && source[i + 3] !== '!') {
      out += '(?P<';
      i += 2;
      continue;
    }
    // JavaScript's . stops at every line terminator, RE2's only at \n.
    if (c === '.' && !dotAll) {
      out += '[^\\n\\r\\x{2028}\\x{2029}]';
      continue;
    }
    out += c;
  }
  return out;
}
