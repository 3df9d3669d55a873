import { decisionForConfidence } from '../model/decision';
import type { MetricPattern, PatternRuleDefinition, RegexPattern } from '../model/rule';
import type { RuleResult } from '../model/result';
import { failedResult } from '../model/result';
import { readPath } from '../engine/context-key';
import { compileLinearRegex } from './linear-regex';
import { luaFixed } from '../executor/stdlib/number-text';

/**
 * Pattern-rule semantics (docs/pattern-rules.md). A metric pattern:
 *   value >= threshold      -> weight
 *   value below threshold   -> weight * value / threshold (never below 0)
 *   metric missing          -> weight * 0.5
 * A metric name is read from `context.metrics`; a dotted name is a path from the
 * context root. A value that is not a number counts as missing.
 * Our regex pattern on a context field:
 *   a string that matches   -> weight
 *   a string that does not  -> 0
 *   field missing or not a string -> weight * 0.5 (like a missing metric)
 * Confidence is the mean of the scores; the decision follows the bands.
 * `pattern-to-lua.ts` emits Lua with exactly these semantics and this reasoning text.
 */
export type PatternEvaluator = (context: unknown, limits?: PatternLimits) => RuleResult;

/**
 * Pattern rules have a time limit like Lua rules. Each regex runs in linear time
 * (linear-regex.ts) and cannot be interrupted, so the clock is read between patterns:
 * an evaluation overruns its limit by at most one regex match (milliseconds).
 */
export interface PatternLimits {
  timeMs: number;
  /** performance.now() when the evaluation started, if the caller has read it (the engine has): one clock read fewer. */
  startedAt?: number;
}

export function compilePatternRule(rule: PatternRuleDefinition): PatternEvaluator {
  const scorers = rule.patterns.map((p) => (p.type === 'metric' ? metricScorer(p) : regexScorer(p)));
  // Only a regex can take time; a metric is a comparison. The clock is read before each regex.
  const timed = rule.patterns.map((p) => p.type === 'regex');
  const count = scorers.length;
  return (context, limits) => {
    let sum = 0;
    let texts = '';
    let started = limits?.startedAt ?? -1;
    // Nothing slow runs before the first regex: the clock is read from the second one on
    // (and at the first only to note the start, when the caller has not).
    let regexes = 0;
    for (let i = 0; i < count; i++) {
      if (limits && timed[i] && (regexes++ > 0 || started < 0)) {
        const now = performance.now();
        if (started < 0) started = now;
        else if (now - started > limits.timeMs) return failedResult({ code: 'time-limit', message: `the pattern rule ran past its ${limits.timeMs} ms time limit` });
      }
      const { score, text } = (scorers[i] as Scorer)(context);
      sum += score;
      texts += (i > 0 ? '; ' : '') + text;
    }
    const confidence = sum / count;
    return {
      decision: decisionForConfidence(confidence),
      confidence,
      reasoning: `Pattern score ${luaFixed(confidence, 2)}: ${texts}`,
      error: null,
      line: null,
    };
  };
}

/** How the reasoning prints a number: integers as integers (as Lua does), others with two decimals. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? String(value) : luaFixed(value, 2);
}

/** The path a metric name reads; shared with the Lua converter. */
export function metricPath(metric: string): string[] {
  return metric.includes('.') ? metric.split('.') : ['metrics', metric];
}

type Scorer = (context: unknown) => { score: number; text: string };

// The texts that depend only on the pattern are written once, when it compiles:
// number formatting (luaFixed) was the largest part of an evaluation (issue 16).

function metricScorer(p: MetricPattern): Scorer {
  const path = metricPath(p.metric);
  const missing = { score: p.weight * 0.5, text: `${p.metric} missing scores ${luaFixed(p.weight * 0.5, 2)}` };
  const atOrAbove = ` >= ${formatNumber(p.threshold)} scores ${luaFixed(p.weight, 2)}`;
  const below = ` < ${formatNumber(p.threshold)} scores `;
  return (context) => {
    const value = readPath(context, path);
    if (typeof value !== 'number') return missing;
    if (value >= p.threshold) return { score: p.weight, text: `${p.metric} ${formatNumber(value)}${atOrAbove}` };
    const score = Math.max(0, (p.weight * value) / p.threshold);
    return { score, text: `${p.metric} ${formatNumber(value)}${below}${luaFixed(score, 2)}` };
  };
}

function regexScorer(p: RegexPattern): Scorer {
  const path = p.field.split('.');
  const linear = compileLinearRegex(p.regex, p.flags ?? '');
  // The checker refuses such a regex before publishing; a definition that skipped it does not compile.
  if (!linear.ok) throw new Error(`${p.field}: regex cannot be matched in guaranteed linear time: ${linear.reason}`);
  const regex = linear.regex;
  const missing = { score: p.weight * 0.5, text: `${p.field} missing scores ${luaFixed(p.weight * 0.5, 2)}` };
  const matches = { score: p.weight, text: `${p.field} matches scores ${luaFixed(p.weight, 2)}` };
  const noMatch = { score: 0, text: `${p.field} does not match scores 0.00` };
  return (context) => {
    const value = readPath(context, path);
    if (typeof value !== 'string') return missing;
    return regex.test(value) ? matches : noMatch;
  };
}
