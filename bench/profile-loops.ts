/**
 * One of the bench's hot loops, alone, for a fixed time: made to run under
 * `node --cpu-prof --import tsx bench/profile-loops.ts <loop> [seconds]`, so a
 * profile shows one path and nothing else (issue 16). Loops: warm (LuaExecutor.run),
 * engine (evaluateRule, cache off), hit (cache hit), pattern (pattern rule through
 * the engine), bare (bare Fengari). Prints µs per operation (wall and CPU).
 */
import { codeUnderTest, LuaExecutor, luaRuleFromSource, RuleEngine } from './core';
import { generateContexts } from './contexts';
import { bareFengariUs } from './bare-fengari';
import { versioned } from './rule-definitions';
import { EPIC_RULE_FILE, epicPatternRule, epicRuleSource } from './rule-variants';

const [loop = 'warm', secondsText = '5'] = process.argv.slice(2);
const seconds = Number(secondsText);
const contexts = generateContexts(10_000);
const source = epicRuleSource();

function time(op: (i: number) => unknown): void {
  for (let i = 0; i < 20_000; i++) op(i);
  const until = Date.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let n = 0;
  let kept: unknown;
  while (Date.now() < until) {
    for (let j = 0; j < 1000; j++, n++) kept = op(n);
  }
  const used = process.cpuUsage(cpu);
  if (kept === undefined) console.log("no result");
  const wall = Number(process.hrtime.bigint() - started) / 1000 / n;
  console.log(`${loop}: ${n} ops, ${wall.toFixed(3)} µs wall, ${((used.user + used.system) / n).toFixed(3)} µs CPU per op (${codeUnderTest})`);
}

function main(): void {
  const definition = luaRuleFromSource(source, EPIC_RULE_FILE, 'epic_wsjf_validation');
  if (!definition.ok) throw new Error(definition.errors.join('; '));
  switch (loop) {
    case 'warm': {
      const executor = new LuaExecutor();
      const compiled = executor.compile(source, EPIC_RULE_FILE);
      if (!compiled.ok) throw new Error(compiled.error.message);
      const rule = compiled.rule;
      time((i) => executor.run(rule, contexts[i % contexts.length]));
      return;
    }
    case 'engine':
    case 'pattern': {
      const engine = new RuleEngine({ cache: { minConfidence: 2 } });
      engine.applyChange({ upserted: [versioned(definition.definition), versioned(epicPatternRule())], removed: [] });
      const name = loop === 'engine' ? 'epic_wsjf_validation' : 'epic_priority';
      time((i) => engine.evaluateRule(name, contexts[i % contexts.length]));
      return;
    }
    case 'hit': {
      const engine = new RuleEngine();
      engine.applyChange({ upserted: [versioned(definition.definition)], removed: [] });
      const confident = contexts.filter((c) => engine.evaluateRule('epic_wsjf_validation', c).confidence >= 0.9);
      time((i) => engine.evaluateRule('epic_wsjf_validation', confident[i % confident.length]));
      return;
    }
    case 'bare': {
      const bare = bareFengariUs(contexts);
      console.log(`bare: ${bare.wallUs.toFixed(3)} µs wall, ${bare.cpuUs.toFixed(3)} µs CPU`);
      return;
    }
    default:
      throw new Error(`unknown loop ${loop}: warm, engine, hit, pattern or bare`);
  }
}

main();
