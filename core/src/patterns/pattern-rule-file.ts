import type { Pattern, PatternRuleDefinition } from '../model/rule';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { compileLinearRegex } from './linear-regex';

/**
 * Loads a `<name>.rule.json` pattern rule (docs/pattern-rules.md) and
 * says precisely what is wrong with a bad one: every problem is collected, each
 * naming the pattern (`patterns[1].weight`) and the fix.
 */
export type PatternRuleParse = { ok: true; definition: PatternRuleDefinition } | { ok: false; errors: string[] };

const TOP_LEVEL_KEYS = ['$schema', 'name', 'category', 'description', 'threshold', 'consensus', 'patterns'];
const PATTERN_KEYS: Record<Pattern['type'], string[]> = {
  metric: ['type', 'metric', 'threshold', 'weight', 'description'],
  regex: ['type', 'field', 'regex', 'flags', 'weight', 'description'],
};
const PATH_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `g` and `y` make RegExp.test stateful, so they are refused. */
const REGEX_FLAGS = /^[imsu]*$/;

export function parsePatternRule(text: string, origin: string, defaultName: string): PatternRuleParse {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`invalid JSON: ${(error as Error).message}`] };
  }
  return validatePatternRule(data, origin, defaultName);
}

export function validatePatternRule(data: unknown, origin: string, defaultName: string): PatternRuleParse {
  const errors: string[] = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, errors: ['a pattern rule must be a JSON object with a "patterns" array'] };
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!TOP_LEVEL_KEYS.includes(key)) errors.push(`unknown property '${key}'${didYouMeanSuffix(key, TOP_LEVEL_KEYS)}`);
  }
  const name = optionalString(record, 'name', errors) ?? defaultName;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) errors.push(`name '${name}' may only contain letters, digits, '_', '.' and '-'`);
  const category = optionalString(record, 'category', errors);
  const description = optionalString(record, 'description', errors);
  const threshold = record['threshold'];
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) errors.push(`threshold must be a number from 0 to 1, got ${JSON.stringify(threshold)}`);
  const consensus = record['consensus'];
  if (consensus !== undefined && !(typeof consensus === 'number' && Number.isInteger(consensus) && consensus >= 0)) errors.push(`consensus must be a whole number of approvals (0 or more), got ${JSON.stringify(consensus)}`);

  const patterns: Pattern[] = [];
  const list = record['patterns'];
  if (list === undefined) errors.push('missing "patterns": a pattern rule needs at least one pattern, e.g. {"type": "metric", "metric": "wsjf_score", "threshold": 50, "weight": 0.9}');
  else if (!Array.isArray(list)) errors.push('"patterns" must be an array of patterns');
  else if (list.length === 0) errors.push('"patterns" is empty: a pattern rule needs at least one pattern');
  else list.forEach((item, index) => {
    const pattern = validatePattern(item, `patterns[${index}]`, errors);
    if (pattern) patterns.push(pattern);
  });
  if (errors.length > 0) return { ok: false, errors };
  const definition: PatternRuleDefinition = { kind: 'pattern', name, patterns, origin };
  if (category !== undefined) definition.category = category;
  if (description !== undefined) definition.description = description;
  if (typeof threshold === 'number') definition.threshold = threshold;
  if (typeof consensus === 'number') definition.consensus = consensus;
  return { ok: true, definition };
}

function optionalString(record: Record<string, unknown>, key: string, errors: string[]): string | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push(`${key} must be a non-empty string, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

function validatePattern(item: unknown, at: string, errors: string[]): Pattern | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    errors.push(`${at}: a pattern must be an object with a "type"`);
    return undefined;
  }
  const p = item as Record<string, unknown>;
  const type = p['type'];
  if (type !== 'metric' && type !== 'regex') {
    errors.push(`${at}.type: unknown pattern type ${JSON.stringify(type)}${typeof type === 'string' ? didYouMeanSuffix(type, ['metric', 'regex']) : ''}; known types are "metric" and "regex"`);
    return undefined;
  }
  const before = errors.length;
  for (const key of Object.keys(p)) {
    if (!PATTERN_KEYS[type].includes(key)) errors.push(`${at}: unknown property '${key}' for a ${type} pattern${didYouMeanSuffix(key, PATTERN_KEYS[type])}`);
  }
  const weight = p['weight'];
  if (weight === undefined) errors.push(`${at}.weight is missing: a number from 0 to 1`);
  else if (!(typeof weight === 'number' && weight >= 0 && weight <= 1)) errors.push(`${at}.weight must be a number from 0 to 1, got ${JSON.stringify(weight)}`);
  if (type === 'metric') {
    const metric = p['metric'];
    if (metric === undefined) errors.push(`${at}.metric is missing: the name of a metric in context.metrics, e.g. "wsjf_score"`);
    else if (typeof metric !== 'string' || !metric.split('.').every((s) => PATH_SEGMENT.test(s))) errors.push(`${at}.metric must be a metric name like "wsjf_score" (or a dotted path like "epic.score"), got ${JSON.stringify(metric)}`);
    const threshold = p['threshold'];
    if (threshold === undefined) errors.push(`${at}.threshold is missing: the value at which the metric scores its full weight`);
    else if (!(typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0)) errors.push(`${at}.threshold must be a number greater than 0, got ${JSON.stringify(threshold)}`);
    if (errors.length > before) return undefined;
    return { type, metric: metric as string, threshold: threshold as number, weight: weight as number };
  }
  const field = p['field'];
  if (field === undefined) errors.push(`${at}.field is missing: a dotted path into the context, e.g. "epic.title"`);
  else if (typeof field !== 'string' || !field.split('.').every((s) => PATH_SEGMENT.test(s))) errors.push(`${at}.field must be a dotted path like "epic.title", got ${JSON.stringify(field)}`);
  const regex = p['regex'];
  const flags = p['flags'];
  if (flags !== undefined && (typeof flags !== 'string' || !REGEX_FLAGS.test(flags))) errors.push(`${at}.flags may only contain i, m, s and u, got ${JSON.stringify(flags)}`);
  if (regex === undefined) errors.push(`${at}.regex is missing: a JavaScript regular expression, e.g. "^EPIC-[0-9]+"`);
  else if (typeof regex !== 'string') errors.push(`${at}.regex must be a string, got ${JSON.stringify(regex)}`);
  else {
    const validFlags = typeof flags === 'string' && REGEX_FLAGS.test(flags) ? flags : '';
    try {
      new RegExp(regex, validFlags);
      // Valid JavaScript, but it must also run on the linear-time engine (linear-regex.ts).
      const linear = compileLinearRegex(regex, validFlags);
      if (!linear.ok) errors.push(`${at}.regex cannot be matched in guaranteed linear time: ${linear.reason}`);
    } catch (error) {
      errors.push(`${at}.regex is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  if (errors.length > before) return undefined;
  const pattern: Pattern = { type, field: field as string, regex: regex as string, weight: weight as number };
  if (typeof flags === 'string' && flags !== '') pattern.flags = flags;
  return pattern;
}
