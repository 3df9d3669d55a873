import { decisionForConfidence } from '../model/decision';
import type { MetricPattern, PatternRuleDefinition, RegexPattern } from '../model/rule';
import type { RuleResult } from '../model/result';
import { readPath } from '../engine/context-key';

/**
 * Pattern-rule semantics (docs/pattern-rules.md). The seed's metric pattern:
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
export type PatternEvaluator = (context: unknown) => RuleResult;

export function compilePatternRule(rule: PatternRuleDefinition): PatternEvaluator {
  const scorers = rule.patterns.map((p) => (p.type === 'metric' ? metricScorer(p) : regexScorer(p)));
  const count = scorers.length;
  return (context) => {
    let sum = 0;
    const parts: string[] = [];
    for (const scorer of scorers) {
      const { score, text } = scorer(context);
      sum += score;
      parts.push(text);
    }
    const confidence = sum / count;
    return {
      decision: decisionForConfidence(confidence),
      confidence,
      reasoning: `Pattern score ${confidence.toFixed(2)}: ${parts.join('; ')}`,
      error: null,
      line: null,
    };
  };
}

/** How the reasoning prints a number: integers as integers (as Lua does), others with two decimals. */
export function formatNumber(value: number): string {
  return Number.isInteger(value) && value >= -2147483648 && value <= 2147483647 ? String(value) : value.toFixed(2);
}

/** The path a metric name reads; shared with the Lua converter. */
export function metricPath(metric: string): string[] {
  return metric.includes('.') ? metric.split('.') : ['metrics', metric];
}

type Scorer = (context: unknown) => { score: number; text: string };

function metricScorer(p: MetricPattern): Scorer {
  const path = metricPath(p.metric);
  return (context) => {
    const value = readPath(context, path);
    if (typeof value !== 'number') {
      const score = p.weight * 0.5;
      return { score, text: `${p.metric} missing scores ${score.toFixed(2)}` };
    }
    if (value >= p.threshold) return { score: p.weight, text: `${p.metric} ${formatNumber(value)} >= ${formatNumber(p.threshold)} scores ${p.weight.toFixed(2)}` };
    const score = Math.max(0, (p.weight * value) / p.threshold);
    return { score, text: `${p.metric} ${formatNumber(value)} < ${formatNumber(p.threshold)} scores ${score.toFixed(2)}` };
  };
}

function regexScorer(p: RegexPattern): Scorer {
  const path = p.field.split('.');
  const regex = new RegExp(p.regex, p.flags ?? '');
  return (context) => {
    const value = readPath(context, path);
    if (typeof value !== 'string') {
      const score = p.weight * 0.5;
      return { score, text: `${p.field} missing scores ${score.toFixed(2)}` };
    }
    return regex.test(value)
      ? { score: p.weight, text: `${p.field} matches scores ${p.weight.toFixed(2)}` }
      : { score: 0, text: `${p.field} does not match scores 0.00` };
  };
}
