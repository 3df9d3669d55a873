/**
 * Deterministic, varied contexts shaped like the example rules' context (rules/context.schema.json).
 * The same seed gives the same contexts on every run and every machine, so figures
 * from different runs measure the same work. Values are spread so that every tier of
 * the epic rule is taken (autonomous, collaborative, large-job collaborative, escalated),
 * integers and fractional numbers both occur (Fengari pushes them differently), and
 * the shape varies a little (optional fields, a tags array, an owner object).
 */

export interface BenchContext {
  epic_id: string;
  title: string;
  metrics: {
    wsjf_score: number;
    business_value: number;
    job_size: number;
    acceptance_criteria_count?: number;
    dependencies_met?: number;
  };
  tags?: string[];
  owner?: { team: string; region: string };
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough for benchmark data, not for secrets. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['checkout', 'billing', 'search', 'onboarding', 'reporting', 'mobile', 'api', 'audit', 'export', 'pricing', 'sso', 'alerts'];
const TEAMS = ['atlas', 'borealis', 'cobalt', 'delta'];
const REGIONS = ['eu', 'us', 'apac'];
const JOB_SIZES = [1, 2, 3, 5, 8, 13, 20, 21, 34, 40, 55, 89];

export function generateContexts(count: number, seed = 20260101): BenchContext[] {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // One decimal place: a realistic fractional score, exactly representable enough to print the same in Lua and JS.
  const score = (lo: number, hi: number) => (random() < 0.7 ? int(lo, hi) : Math.round((lo + random() * (hi - lo)) * 10) / 10);
  const contexts: BenchContext[] = [];
  for (let i = 0; i < count; i++) {
    const idStyle = random();
    const epic_id = idStyle < 0.8 ? `epic-${int(1, 99999)}` : idStyle < 0.9 ? `EPIC-${int(1, 999)}` : `story-${int(1, 999)}`;
    const words = int(2, 5);
    const title: string[] = [];
    for (let w = 0; w < words; w++) title.push(pick(WORDS));
    const context: BenchContext = {
      epic_id,
      title: title.join(' '),
      metrics: { wsjf_score: score(0, 100), business_value: score(0, 100), job_size: pick(JOB_SIZES) },
    };
    if (random() < 0.5) context.metrics.acceptance_criteria_count = int(0, 12);
    if (random() < 0.5) context.metrics.dependencies_met = Math.round(random() * 100) / 100;
    if (random() < 0.3) context.tags = Array.from({ length: int(1, 4) }, () => pick(WORDS));
    if (random() < 0.3) context.owner = { team: pick(TEAMS), region: pick(REGIONS) };
    contexts.push(context);
  }
  return contexts;
}

/** Writes the contexts as a Lua table constructor (for the native Lua run); numbers keep their integer/float form. */
export function contextsAsLua(contexts: readonly BenchContext[]): string {
  const lines = contexts.map((c) => '  ' + luaValue(c) + ',');
  return 'return {\n' + lines.join('\n') + '\n}\n';
}

function luaValue(value: unknown): string {
  if (typeof value === 'number') return String(value); // 60 stays a Lua integer, 55.5 a float, as Fengari pushes them
  if (typeof value === 'string') return JSON.stringify(value); // the generated strings are plain ASCII: JSON quoting is valid Lua
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return '{' + value.map(luaValue).join(', ') + '}';
  if (typeof value === 'object' && value !== null) {
    return '{' + Object.entries(value).map(([k, v]) => `${k} = ${luaValue(v)}`).join(', ') + '}';
  }
  return 'nil';
}
