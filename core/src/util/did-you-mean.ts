/**
 * The one "did you mean": the CLI (commands, flags, fixture names), the rule and
 * fixtures file loaders and the checks all suggest with the same threshold and word
 * it the same way, ` (did you mean 'x'?)`, quoting the suggestion as the message
 * quotes the word it corrects.
 */

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment); small inputs only. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const up = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * The closest candidate to `word`, if it is close enough to be a plausible typo:
 * the same letters in another case, or at most a third of the word's length in edits
 * (at least 1, at most 3), or the start of the candidate (4 letters or more). The
 * word itself is never suggested. Ties go to the first candidate, so callers order them.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const other = candidate.toLowerCase();
    // A cut-off word ("reason" for "reasoning") is as likely a slip as a one-letter typo.
    const distance = other === lower ? 0 : lower.length >= 4 && other.startsWith(lower) ? 1 : editDistance(lower, other);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** How the message quotes words: 'x' (CLI and file errors), "x" (JSON values), `x` (Lua code in checks). */
export type SuggestionQuote = "'" | '"' | '`';

/** " (did you mean 'x'?)" for a suggestion, "" for none: the one wording of a suggestion. */
export function suggestionText(suggestion: string | undefined, quote: SuggestionQuote = "'"): string {
  return suggestion === undefined ? '' : ` (did you mean ${quote}${suggestion}${quote}?)`;
}

/** The suggestion for `word` among `candidates`, worded for the end of a message, or "". */
export function didYouMeanSuffix(word: string, candidates: Iterable<string>, quote: SuggestionQuote = "'"): string {
  return suggestionText(didYouMean(word, candidates), quote);
}
