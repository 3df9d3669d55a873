/**
 * Translates the subset of JavaScript regular expressions that Lua patterns can
 * express exactly (for `RegExp.test`, i.e. "is there a match anywhere"):
 * literals, `.`, `\d \w \s` and their negations, escaped punctuation, sets with
 * ranges, `* + ?` (and their lazy forms: greediness does not change whether a
 * match exists) after a single item, `^` at the start and `$` at the end.
 * Groups, alternation, counted repetition, back-references, lookaround and word
 * boundaries have no Lua equivalent: they raise NotConvertible with the reason.
 * Text is compared as ASCII; docs/pattern-rules.md notes how non-ASCII differs.
 */
export class NotConvertible extends Error {
  override name = 'NotConvertible';
}

export interface LuaPatternTranslation {
  pattern: string;
  /** True when the subject must be lower-cased first (the `i` flag). */
  lowerSubject: boolean;
}

const LUA_MAGIC = new Set(['^', '$', '(', ')', '%', '.', '[', ']', '*', '+', '-', '?']);
const CLASS_ESCAPES: Record<string, string> = { d: '%d', D: '%D', w: '[%w_]', W: '[^%w_]', s: '%s', S: '%S' };
const IN_SET_ESCAPES: Record<string, string> = { d: '%d', w: '%w_', s: '%s' };
const CONTROL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' };

function literal(ch: string, ignoreCase: boolean): string {
  const c = ignoreCase ? ch.toLowerCase() : ch;
  return LUA_MAGIC.has(c) ? '%' + c : c;
}

function setLiteral(ch: string): string {
  return /[\w\s]/.test(ch) && ch !== '_' ? ch : '%' + ch;
}

export function regexToLuaPattern(source: string, flags = ''): LuaPatternTranslation {
  const ignoreCase = flags.includes('i');
  const dotAll = flags.includes('s');
  if (flags.includes('m') && /[\^$]/.test(source)) throw new NotConvertible("the 'm' flag makes ^ and $ match at every line, which Lua patterns cannot express");
  if (/[^\x20-\x7e]/.test(source)) throw new NotConvertible('the regex contains non-ASCII characters; Lua patterns match bytes, not characters');
  let out = '';
  let i = 0;
  let lastItem: string | null = null; // the last single-character item, which a quantifier may follow
  const n = source.length;
  const take = (): string => source[i++] ?? '';
  while (i < n) {
    const ch = take();
    if (ch === '^') {
      if (i !== 1) throw new NotConvertible("'^' is only convertible at the start of the regex");
      out += '^';
      lastItem = null;
      continue;
    }
    if (ch === '$') {
      if (i !== n) throw new NotConvertible("'$' is only convertible at the end of the regex");
      out += '$';
      lastItem = null;
      continue;
    }
    if (ch === '*' || ch === '+' || ch === '?') {
      if (lastItem === null) throw new NotConvertible(`'${ch}' must follow a single character or class to be convertible`);
      if (source[i] === '?') i++; // lazy: same answer for test()
      if (source[i] === '*' || source[i] === '+' || source[i] === '?' || source[i] === '{') throw new NotConvertible('stacked quantifiers are not convertible');
      out += ch === '*' ? '*' : ch === '+' ? '+' : '?';
      lastItem = null;
      continue;
    }
    if (ch === '(' || ch === ')') throw new NotConvertible('groups ( ) have no Lua pattern equivalent');
    if (ch === '|') throw new NotConvertible("alternation '|' has no Lua pattern equivalent");
    if (ch === '{') throw new NotConvertible('counted repetition {n,m} has no Lua pattern equivalent; repeat the item instead');
    let item: string;
    if (ch === '.') item = dotAll ? '.' : '[^\n\r]';
    else if (ch === '\\') item = escapeItem(take(), ignoreCase);
    else if (ch === '[') {
      const { text, next } = translateSet(source, i, ignoreCase);
      item = text;
      i = next;
    } else item = literal(ch, ignoreCase);
    out += item;
    lastItem = item;
  }
  return { pattern: out, lowerSubject: ignoreCase };
}

function escapeItem(ch: string, ignoreCase: boolean): string {
  if (ch === '') throw new NotConvertible('the regex ends with a backslash');
  const cls = CLASS_ESCAPES[ch];
  if (cls !== undefined) return cls;
  const control = CONTROL_ESCAPES[ch];
  if (control !== undefined) return control;
  if (/[A-Za-z0-9]/.test(ch)) throw new NotConvertible(`the escape \\${ch} has no Lua pattern equivalent`);
  return literal(ch, ignoreCase);
}

function translateSet(source: string, start: number, ignoreCase: boolean): { text: string; next: number } {
  let i = start;
  let out = '[';
  if (source[i] === '^') {
    out += '^';
    i++;
  }
  while (i < source.length && source[i] !== ']') {
    let ch = source[i++] ?? '';
    if (ch === '\\') {
      const e = source[i++] ?? '';
      const cls = IN_SET_ESCAPES[e];
      if (cls !== undefined) {
        out += cls;
        continue;
      }
      if (/[DWSbB]/.test(e) || /[A-Za-z0-9]/.test(e) && CONTROL_ESCAPES[e] === undefined) throw new NotConvertible(`the escape \\${e} inside [ ] has no Lua pattern equivalent`);
      ch = CONTROL_ESCAPES[e] ?? e;
    }
    if (source[i] === '-' && source[i + 1] !== undefined && source[i + 1] !== ']') {
      let to = source[i + 1] ?? '';
      i += 2;
      if (to === '\\') {
        const e = source[i++] ?? '';
        if (/[A-Za-z0-9]/.test(e)) throw new NotConvertible('a range ending in an escape is not convertible');
        to = e;
      }
      if (to < ch) throw new NotConvertible(`the range ${ch}-${to} is out of order`);
      out += rangeText(ch, to, ignoreCase);
      continue;
    }
    if (ignoreCase && /[A-Za-z]/.test(ch)) out += ch.toLowerCase();
    else out += setLiteral(ch);
  }
  if (source[i] !== ']') throw new NotConvertible("a set '[' is not closed");
  if (out === '[' || out === '[^') throw new NotConvertible('an empty set [] is not convertible');
  return { text: out + ']', next: i + 1 };
}

function rangeText(from: string, to: string, ignoreCase: boolean): string {
  const text = `${setLiteral(from)}-${setLiteral(to)}`;
  if (!ignoreCase) return text;
  const lower = (c: string): boolean => c >= 'a' && c <= 'z';
  const upper = (c: string): boolean => c >= 'A' && c <= 'Z';
  if (lower(from) && lower(to)) return text;
  if (upper(from) && upper(to)) return `${from.toLowerCase()}-${to.toLowerCase()}`;
  if (/[A-Za-z]/.test(from) || /[A-Za-z]/.test(to) || (from < 'A' && to > 'z')) throw new NotConvertible(`the range ${from}-${to} with the 'i' flag is not convertible`);
  return text;
}
