import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PatternRuleDefinition, RuleDefinition } from '../core/src/model/rule';
import { parsePatternRule } from './core';
import { luaDefinition } from './rule-definitions';

export const RULES_DIR = join(__dirname, '..', 'rules');
export const EPIC_RULE_FILE = join(RULES_DIR, 'epic_wsjf_validation.lua');
export const PATTERN_RULE_FILE = join(RULES_DIR, 'epic_priority.rule.json');

export function epicRuleSource(): string {
  return readFileSync(EPIC_RULE_FILE, 'utf8');
}

export function epicPatternRule(): PatternRuleDefinition {
  const parsed = parsePatternRule(readFileSync(PATTERN_RULE_FILE, 'utf8'), PATTERN_RULE_FILE, 'epic_priority');
  if (!parsed.ok) throw new Error(`${PATTERN_RULE_FILE}: ${parsed.errors.join('; ')}`);
  return parsed.definition;
}

/**
 * The epic rule with its thresholds shifted by `shift`: the same work per
 * evaluation, a different source (so a different compiled chunk) and decision.
 */
export function epicVariantSource(source: string, shift: number): string {
  return source
    .replace('wsjf > 50', `wsjf > ${50 + shift}`)
    .replace('business_value > 70', `business_value > ${70 - shift}`)
    .replace('wsjf > 30', `wsjf > ${30 + shift}`)
    .replace(/job_size <= 40/, `job_size <= ${40 + shift}`);
}

/** A category of `luaCount` epic variants and `patternCount` pattern variants, all in `category`. */
export function categoryRules(category: string, luaCount: number, patternCount: number): RuleDefinition[] {
  const source = epicRuleSource();
  const rules: RuleDefinition[] = [];
  for (let i = 0; i < luaCount; i++) rules.push(luaDefinition(`epic_variant_${i}`, epicVariantSource(source, i * 3), category));
  const base = epicPatternRule();
  for (let i = 0; i < patternCount; i++) {
    const patterns = base.patterns.map((p) => (p.type === 'metric' ? { ...p, threshold: p.threshold + i * 5 } : { ...p }));
    rules.push({ ...base, name: `epic_priority_variant_${i}`, category, patterns });
  }
  return rules;
}
