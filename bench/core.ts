/**
 * The code under measurement, loaded from the build in out/: that is what the CLI
 * and the engine run, and tsx's on-the-fly translation of the sources measured
 * about 15% slower on the warm path (its module exports are getters, paid on every
 * fengari call). `npm run bench` builds first. Without a build, or with sources
 * newer than it, the sources are measured instead and the output says so.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as EngineModule from '../core/src/engine/rule-engine';
import type * as ExecutorModule from '../core/src/executor/lua-executor';
import type * as PatternModule from '../core/src/patterns/evaluate-pattern-rule';
import type * as PatternFileModule from '../core/src/patterns/pattern-rule-file';
import type * as RuleFileModule from '../core/src/rules-folder/rule-file';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'out');

/** The folders of core/src that the measured modules load (the checker, say, is not among them). */
const MEASURED_FOLDERS = ['engine', 'executor', 'model', 'patterns', 'rules-folder', 'util'];

/** Measured sources whose build output is missing or older than they are. */
function staleSources(): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        const built = join(OUT, relative(ROOT, path)).replace(/\.ts$/, '.js');
        if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) stale.push(relative(ROOT, path));
      }
    }
  };
  for (const folder of MEASURED_FOLDERS) walk(join(ROOT, 'core', 'src', folder));
  return stale;
}

const stale = staleSources();
/** Where the measured code came from, for the printed report. */
export const codeUnderTest =
  stale.length === 0 ? 'the build in out/' : `the TypeScript sources through tsx (out/ is missing or older than ${stale[0]}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}: run npm run build; figures run ~15% slow)`;

function load<T>(path: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(stale.length === 0 ? join(OUT, path + '.js') : join(ROOT, path)) as T;
}

export const { RuleEngine } = load<typeof EngineModule>('core/src/engine/rule-engine');
export const { LuaExecutor } = load<typeof ExecutorModule>('core/src/executor/lua-executor');
export const { compilePatternRule } = load<typeof PatternModule>('core/src/patterns/evaluate-pattern-rule');
export const { parsePatternRule } = load<typeof PatternFileModule>('core/src/patterns/pattern-rule-file');
export const { luaRuleFromSource } = load<typeof RuleFileModule>('core/src/rules-folder/rule-file');
