import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EvaluationError } from '../model/error-codes';
import type { RuleDefinition } from '../model/rule';
import type { RuleResult } from '../model/result';
import { failedResult } from '../model/result';
import type { CompiledLuaRule } from '../executor/lua-executor';
import { LuaExecutor } from '../executor/lua-executor';
import type { ExecutorLimits } from '../executor/limits';
import { InvalidContextError, validateContext } from '../executor/push-context';
import type { PatternEvaluator } from '../patterns/evaluate-pattern-rule';
import { compilePatternRule } from '../patterns/evaluate-pattern-rule';
import type { KeyToken } from './context-key';
import { contextTokens, readSetTokens } from './context-key';
import type { ReadTree } from '../executor/context-reads';
import { readTreeOf } from '../executor/context-reads';
import { metricPath } from '../patterns/evaluate-pattern-rule';
import type { ExecutionSink } from './execution-sink';
import type { CacheOptions } from './result-cache';
import type { BreakerOptions } from './circuit-breaker';
import { CircuitBreaker } from './circuit-breaker';
import { CacheMemory, DEFAULT_CACHE, ResultCache } from './result-cache';
import type { RuleChange, RuleSource, VersionedRule } from './rule-source';

/** What `evaluateRule` answers: the contract result plus which version gave it and how. */
export interface EngineResult extends RuleResult {
  rule: string;
  version: number;
  durationMs: number;
  instructions: number;
  cached: boolean;
  /** Answered by the rule's open circuit breaker, without running it. */
  shortCircuited: boolean;
}

export interface CategoryResult extends RuleResult {
  category: string;
  /** The rule whose result won (highest confidence), null when the category has no rules. */
  rule: string | null;
  version: number | null;
  durationMs: number;
  /** Every rule's result, in rule-name order. */
  results: EngineResult[];
}

export interface EvaluateOptions {
  correlationId?: string;
  /**
   * Wall-clock budget of the whole call in ms: in a category every rule gets the
   * time that is left (at most its own time limit), and rules reached after it ran
   * out answer `time-limit` without running. `serve` uses it to bound how long one
   * request can hold the event loop.
   */
  timeBudgetMs?: number;
  /** The JSON text `context` was parsed from, handed to the sink with each record (ExecutionRecord.contextJson). */
  contextJson?: string;
}

/** What a change did: names now serving their new version, and versions refused (the old one keeps serving). */
export interface ChangeReport {
  applied: { name: string; version: number }[];
  removed: string[];
  refused: { name: string; version: number; error: EvaluationError }[];
}

export interface RuleEngineOptions {
  source?: RuleSource;
  sink?: ExecutionSink;
  cache?: Partial<CacheOptions>;
  limits?: Partial<ExecutorLimits>;
  /** Share an executor (and its Lua state) between engines in one process. */
  executor?: LuaExecutor;
  /** Per-rule circuit breaker (off unless given; `serve` turns it on). */
  breaker?: BreakerOptions;
  /** At start, more rules than this defer their Lua compiles (default 500); see start(). */
  eagerCompileLimit?: number;
}

export interface LoadedRuleInfo {
  name: string;
  version: number;
  checksum: string;
  kind: RuleDefinition['kind'];
  category: string | null;
}

interface LoadedRule {
  readonly info: LoadedRuleInfo;
  readonly definition: RuleDefinition;
  /** Null for a pattern rule, and for a Lua rule loaded at start whose compile is still deferred. */
  lua: CompiledLuaRule | null;
  /** A Lua rule whose compile failed when it was deferred: every evaluation answers this error. */
  compileError: EvaluationError | null;
  readonly pattern: PatternEvaluator | null;
  readonly cache: ResultCache;
  readonly breaker: CircuitBreaker | null;
  /**
   * What of a context the rule can observe, which keys its cache (null: all of it;
   * undefined: a Lua rule's, not worked out yet). Fixed for the loaded version, so
   * all of its keys are of one kind.
   */
  reads: ReadTree | null | undefined;
}

/**
 * Builds an EngineResult field by field. Why not `{ ...result, rule, ... }`: on Node 20
 * (V8 11.3) a spread followed by extra properties takes a slow path, about 7 µs here
 * against 20 ns for the explicit literal, which was most of a cache hit.
 */
function engineResult(result: RuleResult, rule: string, version: number, durationMs: number, instructions: number, cached: boolean, shortCircuited = false): EngineResult {
  return { decision: result.decision, confidence: result.confidence, reasoning: result.reasoning, error: result.error, line: result.line, rule, version, durationMs, instructions, cached, shortCircuited };
}

export class RuleEngineError extends Error {
  override name = 'RuleEngineError';
}

/**
 * The in-process engine. Rules come from a RuleSource; each
 * change is compiled first and swapped in one synchronous step, so an evaluation
 * sees the old version or the new one, never a mix, and a version that does not
 * compile is refused while the old one keeps serving.
 */
export class RuleEngine {
  readonly executor: LuaExecutor;
  private readonly rules = new Map<string, LoadedRule>();
  private byCategory = new Map<string, LoadedRule[]>();
  /** Every loaded rule's cache shares this memory and its bounds (entries and bytes). */
  readonly cacheMemory: CacheMemory;
  private readonly changeListeners: ((report: ChangeReport) => void)[] = [];
  private stopWatching: (() => void) | undefined;

  constructor(private readonly options: RuleEngineOptions = {}) {
    this.executor = options.executor ?? new LuaExecutor(options.limits);
    this.cacheMemory = new CacheMemory({ ...DEFAULT_CACHE, ...options.cache });
  }

  /**
   * Loads every rule from the source and follows its changes. Large stores start
   * serving at once: beyond `eagerCompileLimit` rules the Lua compiles are deferred
   * (to a background pass and to first use), since compiling 10,000 rules takes
   * seconds. Store versions passed the publish gate, so a deferred compile rarely
   * fails; when it does, the rule answers its compile error and it is reported
   * through `onChange` as refused. Changes after start always compile first.
   */
  async start(): Promise<ChangeReport> {
    const source = this.options.source;
    if (!source) throw new RuleEngineError('the engine has no rule source');
    const all = await source.load();
    const names = new Set(all.map((r) => r.definition.name));
    const defer = all.length > (this.options.eagerCompileLimit ?? 500);
    const report = this.applyChange({ upserted: all, removed: [...this.rules.keys()].filter((n) => !names.has(n)) }, defer);
    if (defer) this.compileDeferred();
    this.stopWatching = source.watch?.((change) => this.applyChange(change));
    return report;
  }

  /** Compiles deferred rules in small slices between other work. */
  private compileDeferred(): void {
    const pending = [...this.rules.values()].filter((r) => r.definition.kind === 'lua' && r.lua === null && r.compileError === null);
    const step = (): void => {
      const slice = pending.splice(0, 50);
      for (const rule of slice) if (this.rules.get(rule.info.name) === rule) this.ensureCompiled(rule);
      if (pending.length > 0) setImmediate(step);
    };
    setImmediate(step);
  }

  /** Compiles a deferred Lua rule now; false (with compileError set, and reported as refused) when it does not compile. */
  private ensureCompiled(rule: LoadedRule): boolean {
    if (rule.lua !== null) return true;
    if (rule.compileError !== null || rule.definition.kind !== 'lua') return false;
    const compiled = this.executor.compile(rule.definition.source, rule.definition.origin);
    if (compiled.ok) {
      rule.lua = compiled.rule;
      return true;
    }
    rule.compileError = compiled.error;
    const report: ChangeReport = { applied: [], removed: [], refused: [{ name: rule.info.name, version: rule.info.version, error: compiled.error }] };
    for (const listener of this.changeListeners) listener(report);
    return false;
  }

  stop(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  onChange(listener: (report: ChangeReport) => void): void {
    this.changeListeners.push(listener);
  }

  /** Compiles everything new first, then swaps all of it in at once. */
  applyChange(change: RuleChange, deferCompile = false): ChangeReport {
    const report: ChangeReport = { applied: [], removed: [], refused: [] };
    const ready: LoadedRule[] = [];
    for (const versioned of change.upserted) {
      const current = this.rules.get(versioned.definition.name);
      if (current && current.info.version === versioned.version && current.info.checksum === versioned.checksum) continue;
      const loaded = this.compile(versioned, deferCompile);
      if ('error' in loaded) report.refused.push({ name: versioned.definition.name, version: versioned.version, error: loaded.error });
      else ready.push(loaded);
    }
    const replaced: LoadedRule[] = [];
    for (const loaded of ready) {
      const old = this.rules.get(loaded.info.name);
      if (old) replaced.push(old);
      this.rules.set(loaded.info.name, loaded);
      report.applied.push({ name: loaded.info.name, version: loaded.info.version });
    }
    for (const name of change.removed) {
      const old = this.rules.get(name);
      if (!old) continue;
      this.rules.delete(name);
      replaced.push(old);
      report.removed.push(name);
    }
    if (ready.length > 0 || report.removed.length > 0) this.rebuildCategories();
    this.releaseUnused(replaced);
    if (report.applied.length + report.removed.length + report.refused.length > 0) for (const listener of this.changeListeners) listener(report);
    return report;
  }

  /** Rules now serving, in name order. */
  list(): LoadedRuleInfo[] {
    return [...this.rules.values()].map((r) => r.info).sort((a, b) => a.name.localeCompare(b.name));
  }

  has(name: string): boolean {
    return this.rules.has(name);
  }

  hasCategory(category: string): boolean {
    return this.byCategory.has(category);
  }

  definition(name: string): RuleDefinition | undefined {
    return this.rules.get(name)?.definition;
  }

  /** Evaluates one rule. An unknown name is a failed result with `rule-not-found`, never a throw. */
  evaluateRule(name: string, context: unknown, options: EvaluateOptions = {}): EngineResult {
    const rule = this.rules.get(name);
    if (!rule) {
      const result = failedResult({ code: 'rule-not-found', message: `no rule named '${name}' is loaded` });
      return engineResult(result, name, 0, 0, 0, false);
    }
    const started = performance.now();
    return this.evaluateLoaded(rule, context, options.correlationId, options.timeBudgetMs === undefined ? undefined : started + options.timeBudgetMs, false, options.contextJson, started, Date.now());
  }

  /** Runs every rule of the category; the highest confidence wins (docs/serve.md, HTTP API). */
  evaluateCategory(category: string, context: unknown, options: EvaluateOptions = {}): CategoryResult {
    const started = performance.now();
    const rules = this.byCategory.get(category) ?? [];
    if (rules.length === 0) {
      return { decision: 'escalated', confidence: 0, reasoning: 'No rules available for category', error: null, line: null, category, rule: null, version: null, durationMs: performance.now() - started, results: [] };
    }
    const correlationId = options.correlationId ?? (this.options.sink ? randomUUID() : '');
    const deadline = options.timeBudgetMs === undefined ? undefined : started + options.timeBudgetMs;
    const results: EngineResult[] = [];
    let best: EngineResult | undefined;
    // Validated once for every rule; a context that is refused is left to each rule, which then answers invalid-context as before.
    let validated = true;
    try {
      validateContext(context);
    } catch (error) {
      if (!(error instanceof InvalidContextError)) throw error;
      validated = false;
    }
    // One clock read per rule (issue 16): a rule's end is the next one's start, and one
    // time of day stamps the records of the whole category (they were a tenth of a cache hit).
    const at = Date.now();
    let now = started;
    for (const rule of rules) {
      const result = this.evaluateLoaded(rule, context, correlationId, deadline, validated, options.contextJson, now, at);
      now = this.lastEnded;
      results.push(result);
      // Highest confidence wins; on a tie a rule that worked beats one that failed, then name order.
      if (!best || result.confidence > best.confidence || (result.confidence === best.confidence && best.error !== null && result.error === null)) best = result;
    }
    const winner = best as EngineResult;
    return {
      decision: winner.decision,
      confidence: winner.confidence,
      reasoning: winner.reasoning,
      error: winner.error,
      line: winner.line,
      category,
      rule: winner.rule,
      version: winner.version,
      durationMs: now - started,
      results,
    };
  }

  /** Rules with an open circuit, for metrics. */
  openCircuits(now = Date.now()): { name: string; opened: number; open: boolean }[] {
    const out: { name: string; opened: number; open: boolean }[] = [];
    for (const rule of this.rules.values()) if (rule.breaker && rule.breaker.opened > 0) out.push({ name: rule.info.name, opened: rule.breaker.opened, open: rule.breaker.isOpen(now) });
    return out;
  }

  /**
   * `validated`: the caller (evaluateCategory) validated the context once for all its
   * rules. Otherwise it is validated here, once: before a cache lookup or a pattern
   * rule, or by the executor itself for a Lua rule that runs (issue 16: a cache miss
   * validated twice, and a category once per rule).
   */
  /** When the last evaluateLoaded ended (performance.now()): the caller's next start. */
  private lastEnded = 0;

  /**
   * `started`: a clock read made by the caller just before (one clock for the
   * duration and the cache's expiry: a clock read was a tenth of a cache hit); `at`:
   * the time of day of the record.
   */
  private evaluateLoaded(rule: LoadedRule, context: unknown, correlationId: string | undefined, deadline: number | undefined, validated: boolean, contextJson: string | undefined, started: number, at: number): EngineResult {
    let key: KeyToken[] | undefined;
    let result: RuleResult | undefined;
    let instructions = 0;
    let cached = false;
    let shortCircuited = false;
    let ran = false;
    try {
      // The key is only computed when it can be used: a lookup in a non-empty cache or
      // storing a confident result. A pattern rule never reaches the executor, so its
      // context is validated here.
      if (rule.cache.size > 0) {
        key = this.cacheKey(rule, context, validated);
        validated = true;
        result = rule.cache.get(key, started);
        if (result) cached = true;
      } else if (rule.pattern && !validated) {
        validateContext(context);
        validated = true;
      }
      const open = result || !rule.breaker ? null : rule.breaker.shortCircuit(Date.now());
      if (open) {
        result = failedResult(open);
        shortCircuited = true;
      }
      const timeMs = deadline === undefined ? this.executor.limits.timeMs : Math.min(this.executor.limits.timeMs, Math.floor(deadline - started));
      if (!result && timeMs < 1) result = failedResult({ code: 'time-limit', message: `the request's time budget ran out before this rule ran` });
      if (!result) {
        ran = true;
        if (rule.pattern) result = rule.pattern(context, { timeMs, startedAt: started });
        else {
          if (!this.ensureCompiled(rule)) result = failedResult(rule.compileError as EvaluationError);
          else {
            const outcome = this.executor.run(rule.lua as CompiledLuaRule, context, timeMs === this.executor.limits.timeMs ? undefined : { timeMs }, undefined, validated);
            result = outcome.result;
            instructions = outcome.stats.instructions;
          }
        }
        // A result that is not invalid-context means the context was validated (by the executor at the latest).
        if (rule.cache.wantsCaching(result)) rule.cache.offer(key ?? this.cacheKey(rule, context, true), result, started);
      }
    } catch (error) {
      if (!(error instanceof InvalidContextError)) throw error;
      result = failedResult({ code: 'invalid-context', message: `invalid context: ${error.message}` });
    }
    if (ran && rule.breaker) rule.breaker.record(result.error, Date.now());
    const ended = performance.now();
    this.lastEnded = ended;
    const durationMs = ended - started;
    const sink = this.options.sink;
    if (sink) {
      sink.record({
        rule: rule.info.name,
        version: rule.info.version,
        decision: result.decision,
        confidence: result.confidence,
        durationMs,
        errorCode: result.error?.code ?? null,
        correlationId: correlationId || randomUUID(),
        cached,
        at,
        category: rule.definition.category,
        context,
        contextJson,
      });
    }
    return engineResult(result, rule.info.name, rule.info.version, durationMs, instructions, cached, shortCircuited);
  }

  /**
   * The rule's cache key for a context, validating
   * the context unless `validated` says the caller did (a pattern rule relies on that; a
   * cache hit must refuse a bad context as a run would). Keyed by the paths the rule
   * reads (context-reads.ts), or the whole context when it reads it all (that key's
   * walk validates as it goes).
   */
  private cacheKey(rule: LoadedRule, context: unknown, validated: boolean): KeyToken[] {
    if (rule.reads === undefined) rule.reads = rule.lua ? this.executor.contextReads(rule.lua) : rule.definition.kind === 'lua' ? null : rule.reads;
    const reads = rule.reads;
    // A new array per key: the cache copies what it keeps, but a key outlives the run of the rule.
    const key: KeyToken[] = [];
    if (!reads) contextTokens(context, key);
    else {
      if (!validated) validateContext(context);
      readSetTokens(context as Record<string, unknown>, reads, key);
    }
    return key;
  }

  private compile(versioned: VersionedRule, defer = false): LoadedRule | { error: EvaluationError } {
    const { definition } = versioned;
    const info: LoadedRuleInfo = { name: definition.name, version: versioned.version, checksum: versioned.checksum, kind: definition.kind, category: definition.category ?? null };
    const cache = new ResultCache(this.cacheMemory);
    const breaker = this.options.breaker ? new CircuitBreaker(this.options.breaker) : null;
    if (definition.kind === 'pattern') {
      try {
        const paths = definition.patterns.map((p) => (p.type === 'metric' ? metricPath(p.metric) : p.field.split('.')));
        return { info, definition, lua: null, compileError: null, pattern: compilePatternRule(definition), cache, breaker, reads: readTreeOf(paths) };
      } catch (error) {
        return { error: { code: 'syntax-error', message: `pattern rule does not compile: ${(error as Error).message}` } };
      }
    }
    if (defer) return { info, definition, lua: null, compileError: null, pattern: null, cache, breaker, reads: undefined };
    const compiled = this.executor.compile(definition.source, definition.origin);
    if (!compiled.ok) return { error: compiled.error };
    return { info, definition, lua: compiled.rule, compileError: null, pattern: null, cache, breaker, reads: undefined };
  }


  private rebuildCategories(): void {
    const next = new Map<string, LoadedRule[]>();
    for (const rule of [...this.rules.values()].sort((a, b) => a.info.name.localeCompare(b.info.name))) {
      const category = rule.info.category;
      if (category === null) continue;
      const list = next.get(category);
      if (list) list.push(rule);
      else next.set(category, [rule]);
    }
    this.byCategory = next;
  }

  /** Frees compiled chunks that no loaded rule uses any more. */
  private releaseUnused(replaced: LoadedRule[]): void {
    if (replaced.length === 0) return;
    for (const old of replaced) old.cache.clear();
    const inUse = new Set<CompiledLuaRule>();
    for (const rule of this.rules.values()) if (rule.lua) inUse.add(rule.lua);
    for (const old of replaced) if (old.lua && !inUse.has(old.lua)) this.executor.release(old.lua);
  }
}
