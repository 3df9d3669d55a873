import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EvaluationError, EvaluationErrorCode } from '../model/error-codes';
import type { EvaluationStats, RuleResult } from '../model/result';
import { failedResult } from '../model/result';
import { EvaluationBudget, HOOK_PERIOD } from './evaluation-budget';
import type { LineObserver } from './execution-trace';
import { indexLines, LineTrace, returnLine } from './execution-trace';
import type { LuaCFunction, LuaState } from './fengari-runtime';
import { lauxlib, lua, lstr, setMeter, to_luastring } from './fengari-runtime';
import type { ExecutorLimits } from './limits';
import { DEFAULT_LIMITS, LimitExceeded } from './limits';
import { ContextPusher, InternedKeys, InvalidContextError } from './push-context';
import type { LuaClosure, LuaTable, LuaTValue } from './lua-values';
import { LUA_TAG, newTable, popValue, pushValue, rawSetString, valueAt } from './lua-values';
import type { ReadTree } from './context-reads';
import { analyseContextReads } from './context-reads';
import { luaTypeNameOf, readResult } from './read-result';
import type { PrintSink, SandboxHooks } from './sandbox';
import { buildSandbox } from './sandbox';
import { makePatternFunctions } from './stdlib/lua-patterns';
import { ruleSourceProblem } from '../rules-folder/rule-source';

export interface CompiledLuaRule {
  readonly chunkName: string;
  readonly checksum: string;
}

export type CompileOutcome = { ok: true; rule: CompiledLuaRule } | { ok: false; error: EvaluationError };

export interface LuaRunOutcome {
  result: RuleResult;
  stats: EvaluationStats;
  /** Lines the rule printed with print(), at most a few hundred. */
  output: string[];
}

/** Pattern functions (string.find & co.) that report to the budget; see stdlib/lua-patterns.ts. */
export type PatternFunctionsFactory = (getBudget: () => EvaluationBudget) => NonNullable<SandboxHooks['patterns']>;
/** Always ours: fengari's own matcher can backtrack for minutes inside one call, out of the hook's reach. */
const patternFactory: PatternFunctionsFactory = makePatternFunctions;

interface CompiledEntry extends CompiledLuaRule {
  readonly source: string;
  ref: number;
  /** The compiled chunk (fengari's LClosure), also held by the registry through `ref`. */
  closure: LuaClosure | null;
  generation: number;
  /** Evaluations so far (counted up to the point where the read tree is worked out). */
  runs: number;
  /** What of the context the rule can observe (context-reads.ts); null: all of it; undefined: not worked out yet. */
  reads: ReadTree | null | undefined;
}

/**
 * When the executor converts only the part of a context a rule reads:
 * `warm` (the default) from a rule's second evaluation on, so a rule run once (the CLI,
 * a cold start) does not pay for parsing it again; `always` and `never` for tests
 * that compare the two.
 */
export type ContextConversion = 'warm' | 'always' | 'never';

/** An error message longer than this is cut: `error(("x"):rep(4 * 2^20))` must not become a 4 MB reply. */
const MAX_ERROR_BYTES = 2000;
const utf8 = new TextDecoder();

/** A Lua string as text, cut at MAX_ERROR_BYTES (invalid UTF-8 shows as U+FFFD). */
function boundedText(bytes: Uint8Array): string {
  if (bytes.length <= MAX_ERROR_BYTES) return utf8.decode(bytes);
  return `${utf8.decode(bytes.subarray(0, MAX_ERROR_BYTES))}… (${bytes.length.toLocaleString('en-US')} bytes in all)`;
}

/** JS errors that mean an allocation failed. */
const ALLOCATION_FAILED = /(array|buffer|string) length|allocation failed/i;
/** Longest chunk name Lua shows unshortened ("=name" chunk ids are cut at 59 bytes). */
const MAX_CHUNK_NAME = 50;
/** fengari's tag of a Lua closure (defs.js LUA_TLCL). */
const LUA_CLOSURE_TAG = 6;
/** Past this many slots V8 turns fengari's stack array into a slow dictionary (fengari-facts, "the stack cliff"). */
const STACK_CLIFF = 64;

function shortChunkName(name: string): string {
  return name.length <= MAX_CHUNK_NAME ? name : '...' + name.slice(name.length - MAX_CHUNK_NAME + 3);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** "name:12: message" → 12, when the message starts with this rule's chunk name. */
function lineOf(message: string, chunkName: string): number | undefined {
  if (!message.startsWith(chunkName + ':')) return undefined;
  const match = /^:(\d+):/.exec(message.slice(chunkName.length));
  return match ? Number(match[1]) : undefined;
}

/**
 * A successful result, as a plain object built field by field rather than by an object
 * literal, on purpose: V8 "pretenures" a literal's allocation site once most of its
 * objects outlive a scavenge (a caller keeping results, as the result cache and the
 * benchmark do), and from then on every result was allocated in old space, which made
 * major GCs frequent: a warm evaluation measured 20 µs instead of 12 (issue 16).
 */
function evaluatedResult(decision: RuleResult['decision'], confidence: number, reasoning: string, line: number | null): RuleResult {
  const result: RuleResult = new Object() as RuleResult;
  result.decision = decision;
  result.confidence = confidence;
  result.reasoning = reasoning;
  result.error = null;
  result.line = line;
  return result;
}

interface LuaWorld {
  L: LuaState;
  envMetaRef: number;
  /** The table envMetaRef refers to. */
  envMeta: LuaTable;
  thread: LuaState;
  threadRef: number;
  generation: number;
  keys: InternedKeys;
}

/**
 * Runs Lua rules on Fengari (Lua 5.3) in one long-lived, sandboxed state.
 *
 * Each rule is compiled once (cached by chunk name and content). Each evaluation
 * gets a fresh environment table whose metatable reads through to the read-only
 * sandbox, so globals a rule sets are gone by the next evaluation, and no rule can
 * change what another sees. Limits (instructions, memory, time) are enforced by a
 * count hook, metered string creation and guarded library functions; whatever goes
 * wrong, `run` returns the contract's escalated result with an error code and the
 * executor stays usable. If fengari itself throws something unexpected, the state
 * is rebuilt and rules recompile on their next run.
 */
export class LuaExecutor {
  readonly limits: ExecutorLimits;
  private world!: LuaWorld;
  private generation = 0;
  private readonly compiled = new Map<string, CompiledEntry>();
  private readonly budget: EvaluationBudget;
  private print: PrintSink = { lines: [] };
  private nativeError: unknown = null;
  private pusher!: ContextPusher;
  private readonly hook: (L: LuaState, ar: unknown) => void;

  constructor(
    limits: Partial<ExecutorLimits> = {},
    private readonly conversion: ContextConversion = 'warm',
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.budget = new EvaluationBudget(this.limits);
    this.hook = (L, ar) => {
      if ((ar as { event: number }).event !== lua.LUA_HOOKCOUNT) return this.trace.onEvent(L, ar as Parameters<LineTrace['onEvent']>[1]);
      try {
        this.budget.onHookTick();
      } catch (error) {
        if (error instanceof LimitExceeded && lua.lua_getinfo(L, lstr('l'), ar)) {
          this.errorLine = (ar as { currentline: number }).currentline;
        }
        throw error;
      }
    };
    this.createWorld();
  }

  private errorLine: number | undefined;
  /** The line hook of traced runs (explain, coverage). */
  private readonly trace = new LineTrace();

  /** Number of distinct compiled rules held by the state. */
  get compiledCount(): number {
    return this.compiled.size;
  }

  compile(source: string, chunkName: string): CompileOutcome {
    // Before hashing or parsing: a 50 MB source would take a minute and gigabytes to compile.
    const tooLarge = ruleSourceProblem(source, this.limits.maxSourceBytes);
    if (tooLarge) return { ok: false, error: { code: 'syntax-error', message: tooLarge } };
    const name = shortChunkName(chunkName);
    const checksum = sha256(source);
    const key = name + '\0' + checksum;
    const cached = this.compiled.get(key);
    if (cached) return { ok: true, rule: cached };
    const entry: CompiledEntry = { chunkName: name, checksum, source, ref: 0, closure: null, generation: -1, runs: 0, reads: undefined };
    const error = this.load(entry);
    if (error) return { ok: false, error };
    this.compiled.set(key, entry);
    return { ok: true, rule: entry };
  }

  /**
   * The paths of a context this rule can observe (null: the whole context), worked out
   * once per compiled rule. The engine keys its result cache by them.
   */
  contextReads(rule: CompiledLuaRule): ReadTree | null {
    const entry = rule as CompiledEntry;
    if (entry.reads === undefined) entry.reads = this.conversion === 'never' ? null : analyseContextReads(entry.source);
    return entry.reads;
  }

  /** Frees a compiled rule that no engine serves any more (e.g. after a hot reload). */
  release(rule: CompiledLuaRule): void {
    const key = rule.chunkName + '\0' + rule.checksum;
    const entry = this.compiled.get(key);
    if (!entry) return;
    this.compiled.delete(key);
    if (entry.generation === this.world.generation) lauxlib.luaL_unref(this.world.L, lua.LUA_REGISTRYINDEX, entry.ref);
  }

  evaluateSource(source: string, chunkName: string, context: unknown, limits?: Partial<ExecutorLimits>): LuaRunOutcome {
    const compiled = this.compile(source, chunkName);
    if (!compiled.ok) return { result: failedResult(compiled.error), stats: { durationMs: 0, instructions: 0 }, output: [] };
    return this.run(compiled.rule, context, limits);
  }

  /**
   * `observer` (explain, coverage) sees every line of the rule that runs; it slows the run down.
   * `contextValidated`: the caller ran validateContext on `context` in this same synchronous
   * call (the engine validates once per request, not once per rule and again here).
   */
  run(rule: CompiledLuaRule, context: unknown, limits?: Partial<ExecutorLimits>, observer?: LineObserver, contextValidated = false): LuaRunOutcome {
    const entry = rule as CompiledEntry;
    if (entry.generation !== this.world.generation) {
      const error = this.load(entry);
      if (error) return { result: failedResult(error), stats: { durationMs: 0, instructions: 0 }, output: [] };
    }
    const { thread: T, envMeta } = this.world;
    const budget = this.budget;
    const saved = limits ? this.applyLimits(limits) : null;
    this.print = { lines: [] };
    this.nativeError = null;
    this.errorLine = undefined;
    const started = performance.now();
    try {
      let context_: LuaTValue;
      try {
        let reads = entry.reads;
        if (reads === undefined && this.conversion !== 'never' && (this.conversion === 'always' || entry.runs++ > 0)) reads = this.contextReads(entry);
        this.pusher.pushContext(context, reads ?? null, contextValidated);
        context_ = popValue(T);
      } catch (error) {
        lua.lua_settop(T, 0);
        if (error instanceof InvalidContextError) return this.failure({ code: 'invalid-context', message: `invalid context: ${error.message}` }, started);
        throw error;
      }
      // The environment of this evaluation: context and _G of its own, the sandbox
      // behind them; built without the stack (lua-values.ts), with interned names: a
      // fresh key string per call would be hashed again by fengari on every call. It
      // becomes the chunk's _ENV (what lua_setupvalue(chunk, 1) does).
      const keys = this.world.keys;
      const env = newTable(T);
      rawSetString(T, env, keys.context, context_.type, context_.value);
      rawSetString(T, env, keys.globals, LUA_TAG.table, env);
      env.metatable = envMeta;
      const chunkEnv = (entry.closure as LuaClosure).upvals[0] as LuaTValue;
      chunkEnv.type = LUA_TAG.table;
      chunkEnv.value = env;
      pushValue(T, LUA_CLOSURE_TAG, entry.closure);

      budget.reset();
      lua.lua_sethook(T, this.hook, lua.LUA_MASKCOUNT | this.trace.begin(entry, observer ?? null), HOOK_PERIOD);
      setMeter(budget);
      let status: number;
      try {
        status = lua.lua_pcall(T, 0, 1, 0);
      } finally {
        setMeter(null);
        this.trace.end();
      }
      const instructions = budget.ticks * HOOK_PERIOD + (HOOK_PERIOD - (T.hookcount as number));
      const outcome = this.finish(T, entry, status, started, instructions);
      lua.lua_settop(T, 0);
      if ((T.stack as unknown[]).length > STACK_CLIFF) this.replaceThread();
      return outcome;
    } catch (error) {
      // Only a bug in Lua Rules or fengari gets here; rebuild so the next evaluation starts clean.
      this.createWorld();
      return this.failure({ code: 'internal-error', message: `internal error: ${error instanceof Error ? error.message : String(error)}` }, started);
    } finally {
      if (saved) Object.assign(this.limits, saved);
    }
  }

  private applyLimits(limits: Partial<ExecutorLimits>): ExecutorLimits {
    const saved = { ...this.limits };
    for (const [key, value] of Object.entries(limits)) {
      if (typeof value === 'number' && value > 0) this.limits[key as keyof ExecutorLimits] = value;
    }
    return saved;
  }

  private finish(T: LuaState, entry: CompiledEntry, status: number, started: number, instructions: number): LuaRunOutcome {
    const budget = this.budget;
    const durationMs = performance.now() - started;
    const stats = { durationMs, instructions };
    const output = this.print.lines;
    if (budget.exceeded) {
      const line = this.errorLine;
      const where = line ? ` (at ${entry.chunkName}:${line})` : '';
      return { result: failedResult({ code: budget.exceeded.code, message: budget.exceeded.message + where, ...(line ? { line } : {}) }), stats, output };
    }
    if (this.nativeError !== null) {
      const error = this.classifyNativeError(this.nativeError);
      if (error.code === 'internal-error') this.createWorld();
      return { result: failedResult(error), stats, output };
    }
    if (status !== lua.LUA_OK) {
      const message = this.errorMessage(T, -1);
      const line = lineOf(message, entry.chunkName);
      return { result: failedResult({ code: 'runtime-error', message, ...(line ? { line } : {}) }), stats, output };
    }
    const read = readResult(T, -1, this.world.keys);
    const line = returnLine(T, entry);
    if (!read.ok) return { result: { ...failedResult({ code: 'invalid-result', message: `invalid result: ${read.message}` }), line }, stats, output };
    const { decision, confidence, reasoning } = read.result;
    return { result: evaluatedResult(decision, confidence, reasoning, line), stats, output };
  }

  /** The error value as text, without running any of its metamethods (a looping __tostring must not hang us). */
  private errorMessage(T: LuaState, index: number): string {
    const type: number = lua.lua_type(T, index);
    if (type === lua.LUA_TSTRING || type === lua.LUA_TNUMBER) return boundedText(lua.lua_tolstring(T, index) as Uint8Array);
    if (type === lua.LUA_TTABLE) {
      lua.lua_pushstring(T, lstr('message'));
      lua.lua_rawget(T, index < 0 ? index - 1 : index);
      const message = lua.lua_type(T, -1) === lua.LUA_TSTRING ? boundedText(lua.lua_tolstring(T, -1) as Uint8Array) : null;
      lua.lua_pop(T, 1);
      if (message !== null) return `error object: ${message}`;
    }
    return `(error object is a ${luaTypeNameOf(type)} value)`;
  }

  private classifyNativeError(error: unknown): EvaluationError {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof RangeError && /call stack/i.test(message)) return { code: 'runtime-error', message: 'stack overflow (the rule recursed too deeply)' };
    if (error instanceof RangeError && ALLOCATION_FAILED.test(message)) return { code: 'memory-limit', message: `memory limit exceeded: ${message}` };
    return { code: 'internal-error', message: `internal error: ${message}` };
  }

  private failure(error: { code: EvaluationErrorCode; message: string }, started: number): LuaRunOutcome {
    return { result: failedResult(error), stats: { durationMs: performance.now() - started, instructions: 0 }, output: [] };
  }

  /** Compiles an entry into the current world. Returns an error for a syntax error. */
  private load(entry: CompiledEntry): EvaluationError | undefined {
    const L = this.world.L;
    const bytes = to_luastring(entry.source);
    const status: number = lauxlib.luaL_loadbufferx(L, bytes, bytes.length, to_luastring('=' + entry.chunkName), lstr('t'));
    if (status !== lua.LUA_OK) {
      const message = lua.lua_type(L, -1) === lua.LUA_TSTRING ? (lua.lua_tojsstring(L, -1) as string) : 'the rule does not compile';
      lua.lua_pop(L, 1);
      const line = lineOf(message, entry.chunkName);
      return { code: 'syntax-error', message, ...(line ? { line } : {}) };
    }
    indexLines(L, entry);
    // Until an evaluation sets it, the chunk's _ENV must not be the state's real globals.
    lua.lua_createtable(L, 0, 0);
    lua.lua_setupvalue(L, -2, 1);
    entry.closure = valueAt(L, -1).value as LuaClosure;
    entry.ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    entry.generation = this.world.generation;
    return undefined;
  }

  private createWorld(): void {
    const L = lauxlib.luaL_newstate();
    const hooks: SandboxHooks = {
      budget: () => this.budget,
      print: () => this.print,
      patterns: patternFactory(() => this.budget),
    };
    const envMetaRef = buildSandbox(L, hooks);
    const atNativeError: LuaCFunction = (L1) => {
      const error: unknown = lua.lua_touserdata(L1, -1);
      if (error instanceof RangeError && ALLOCATION_FAILED.test(error.message)) {
        // Out of JS memory inside a VM operation: the rule's doing, so its memory limit
        // (recorded, so pcall cannot swallow it), not a broken state.
        this.budget.exceeded ??= new LimitExceeded('memory-limit', `memory limit exceeded: ${error.message}`);
      } else if (!(error instanceof LimitExceeded)) {
        this.nativeError = error;
      }
      const text = error instanceof Error ? error.message : String(error);
      // The budget may already be spent: creating the error message must not trip it again.
      const meter = setMeter(null);
      lua.lua_pushstring(L1, to_luastring(text));
      setMeter(meter);
      return 1;
    };
    lua.lua_atnativeerror(L, atNativeError);
    this.generation++;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, envMetaRef);
    const envMeta = valueAt(L, -1).value as LuaTable;
    lua.lua_pop(L, 1);
    this.world = { L, envMetaRef, envMeta, thread: null, threadRef: 0, generation: this.generation, keys: new InternedKeys(L) };
    this.replaceThread();
  }

  /** Evaluations run on their own thread; a fresh one replaces it when its stack grows past the cliff. */
  private replaceThread(): void {
    const world = this.world;
    if (world.threadRef) lauxlib.luaL_unref(world.L, lua.LUA_REGISTRYINDEX, world.threadRef);
    world.thread = lua.lua_newthread(world.L);
    world.threadRef = lauxlib.luaL_ref(world.L, lua.LUA_REGISTRYINDEX);
    this.pusher = new ContextPusher(world.thread, world.keys);
  }
}
