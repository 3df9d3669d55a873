/**
 * The rule model shared by the executor, the engine, the checker, the store and the CLI.
 * A rule is either Lua source or a declarative pattern rule (docs/pattern-rules.md).
 */
export type RuleKind = 'lua' | 'pattern';

export interface RuleMetadata {
  name: string;
  category?: string;
  description?: string;
  /** Confidence threshold (0..1) (the rules table, docs/store.md). */
  threshold?: number;
  /** Approvals needed before a new version goes live; 0 = none. */
  consensus?: number;
}

export interface MetricPattern {
  type: 'metric';
  metric: string;
  threshold: number;
  weight: number;
}

export interface RegexPattern {
  type: 'regex';
  /** Dotted path into the context, e.g. "epic.title". */
  field: string;
  /** ECMAScript regular expression source. */
  regex: string;
  flags?: string;
  weight: number;
}

export type Pattern = MetricPattern | RegexPattern;

export interface LuaRuleDefinition extends RuleMetadata {
  kind: 'lua';
  source: string;
  /** Where the rule came from, for messages (a file path or `store:<name>@<version>`). */
  origin: string;
}

export interface PatternRuleDefinition extends RuleMetadata {
  kind: 'pattern';
  patterns: Pattern[];
  origin: string;
}

export type RuleDefinition = LuaRuleDefinition | PatternRuleDefinition;
