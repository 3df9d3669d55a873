import { Engine } from 'json-rules-engine';
import type { RuleResult } from '../core/src/model/result';
import type { BenchContext } from './contexts';

/**
 * The epic rule's three tiers (rules/epic_wsjf_validation.lua) as a Node user would
 * write them for json-rules-engine: one rule per successful tier with priorities,
 * facts read from the context with `path`, the highest-priority success wins and
 * "no rule fired" means escalated. json-rules-engine cannot format text, so the
 * reasoning is formatted in JS afterwards, exactly as the Lua rule words it.
 */
const metric = (name: string, operator: string, value: number) => ({ fact: 'metrics', path: `$.${name}`, operator, value });

type Tier = 'autonomous' | 'collaborative-large' | 'collaborative';

export function epicEngine(): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addRule({
    name: 'autonomous',
    priority: 3,
    conditions: { all: [metric('wsjf_score', 'greaterThan', 50), metric('business_value', 'greaterThan', 70), metric('job_size', 'lessThanInclusive', 40)] },
    event: { type: 'autonomous' },
  });
  engine.addRule({
    name: 'collaborative-large',
    priority: 2,
    conditions: { all: [metric('wsjf_score', 'greaterThan', 30), metric('business_value', 'greaterThan', 50), metric('job_size', 'greaterThan', 40)] },
    event: { type: 'collaborative-large' },
  });
  engine.addRule({
    name: 'collaborative',
    priority: 1,
    conditions: { all: [metric('wsjf_score', 'greaterThan', 30), metric('business_value', 'greaterThan', 50)] },
    event: { type: 'collaborative' },
  });
  return engine;
}

/** One decision: run the engine, pick the winning tier, word the result. */
export async function decideWithJsonRulesEngine(engine: Engine, context: BenchContext): Promise<Omit<RuleResult, 'error' | 'line'>> {
  const { results } = await engine.run(context as unknown as Record<string, unknown>);
  let best: Tier | null = null;
  let bestPriority = -1;
  for (const result of results) {
    const priority = result.priority ?? 0;
    if (priority > bestPriority) {
      bestPriority = priority;
      best = result.event?.type as Tier;
    }
  }
  const m = context.metrics;
  const wsjf = m.wsjf_score ?? 0;
  const value = m.business_value ?? 0;
  const size = m.job_size ?? 0;
  switch (best) {
    case 'autonomous':
      return { decision: 'autonomous', confidence: 0.95, reasoning: `High WSJF (${wsjf}) and business value (${value}), manageable job size (${size})` };
    case 'collaborative-large':
      return { decision: 'collaborative', confidence: 0.75, reasoning: `Large job size (${size}) for WSJF ${wsjf} and business value ${value}: team input needed` };
    case 'collaborative':
      return { decision: 'collaborative', confidence: 0.8, reasoning: `Moderate WSJF (${wsjf}) and business value (${value}): team input needed` };
    default:
      return { decision: 'escalated', confidence: 0.5, reasoning: `Low WSJF (${wsjf}) or business value (${value}): human decision required` };
  }
}
