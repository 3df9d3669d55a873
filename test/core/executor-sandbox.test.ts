import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import type { EvaluationErrorCode } from '../../core/src/model/error-codes';

/**
 * Escape and exhaustion attempts against the sandbox. Each one asserts its error
 * code and then that the same executor still answers a normal rule correctly:
 * a rule that misbehaves is stopped and reported, and nothing it did survives it.
 */
const EPIC = `
function validate_epic(ctx)
  local wsjf = ctx.metrics.wsjf_score or 0
  if wsjf > 50 then
    return { decision = "autonomous", confidence = 0.95, reasoning = string.format("High WSJF (%d)", wsjf) }
  end
  return { decision = "escalated", confidence = 0.5, reasoning = "Low WSJF" }
end
return validate_epic(context)`;
const EPIC_CONTEXT = { metrics: { wsjf_score: 60 } };
const OK = 'return { decision = "autonomous", confidence = 1, reasoning = "ok" }';

interface Attempt {
  name: string;
  source: string;
  code: EvaluationErrorCode | null;
  /** Substring of the message (or of the reasoning when code is null). */
  message?: string | RegExp;
  context?: unknown;
  limits?: ConstructorParameters<typeof LuaExecutor>[0];
}

const attempts: Attempt[] = [
  // CPU
  { name: 'infinite loop', source: 'while true do end', code: 'instruction-limit' },
  { name: 'loop that swallows the limit with pcall', source: 'while true do pcall(function() while true do end end) end ' + OK, code: 'instruction-limit' },
  { name: 'pcall that returns normally after the limit', source: 'local ok = pcall(function() while true do end end) ' + OK, code: 'instruction-limit' },
  { name: 'xpcall whose handler loops', source: 'xpcall(function() error("x") end, function() while true do end end) ' + OK, code: 'instruction-limit' },
  { name: 'xpcall that swallows the limit', source: 'xpcall(function() while true do end end, function(e) return e end) ' + OK, code: 'instruction-limit' },
  { name: 'coroutine.resume that swallows the limit', source: 'coroutine.resume(coroutine.create(function() while true do end end)) ' + OK, code: 'instruction-limit' },
  { name: 'coroutine.wrap loop', source: 'coroutine.wrap(function() while true do end end)() ' + OK, code: 'instruction-limit' },
  { name: 'coroutine yielding forever', source: 'local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end', code: 'instruction-limit' },
  { name: '__index metamethod loop', source: 'local t = setmetatable({}, {__index = function() while true do end end}) local x = t.x ' + OK, code: 'instruction-limit' },
  { name: 'table.sort comparator loop', source: 'table.sort({3,2,1,5,4}, function(a, b) while true do end end) ' + OK, code: 'instruction-limit' },
  { name: 'gsub callback loop', source: '("abc"):gsub(".", function() while true do end end) ' + OK, code: 'instruction-limit' },
  { name: '__tostring loop through tostring', source: 'tostring(setmetatable({}, {__tostring = function() while true do end end})) ' + OK, code: 'instruction-limit' },
  { name: 'infinite tail recursion', source: 'local function f(n) return f(n + 1) end return f(1)', code: 'instruction-limit' },
  { name: 'wall clock limit', source: 'while true do end', code: 'time-limit', limits: { timeMs: 30, instructions: 1e12 } },
  // Memory
  { name: 'string doubling with ..', source: 'local s = "x" while true do s = s .. s end', code: 'memory-limit' },
  { name: 'string doubling unrolled', source: 'local s = string.rep("x", 1000000) s = s .. s s = s .. s s = s .. s s = s .. s s = s .. s ' + OK, code: 'memory-limit' },
  { name: 'string.rep of a gigabyte', source: 'return string.rep("x", 2^30)', code: 'memory-limit' },
  { name: 'string method rep through the string metatable', source: 'return ("x"):rep(2^30)', code: 'memory-limit' },
  { name: 'table.concat of many large strings', source: 'local s, t = string.rep("x", 1000000), {} for i = 1, 100 do t[i] = s end return table.concat(t)', code: 'memory-limit' },
  { name: 'string.format with many large arguments', source: 'local s, t = string.rep("x", 1000000), {} for i = 1, 100 do t[i] = s end return string.format(string.rep("%s", 100), table.unpack(t))', code: 'memory-limit' },
  { name: 'many strings built in a loop', source: 'local t = {} for i = 1, 1e6 do t[i] = string.rep("y", 1000) .. i end', code: 'memory-limit' },
  { name: 'table growing without bound', source: 'local t = {} for i = 1, 1e9 do t[i] = i end', code: 'memory-limit', limits: { memoryBytes: 16 * 1024 * 1024, instructions: 1e9 } },
  { name: 'gsub that multiplies a string', source: 'local s = string.rep("a", 100000) return s:gsub(".", s)', code: 'memory-limit' },
  { name: 'deep recursion', source: 'local function f(n) return 1 + f(n + 1) end return f(1)', code: 'runtime-error', message: 'stack overflow' },
  // Single long library calls
  { name: 'pattern backtracking on a long string', source: 'return string.rep("a", 30000):find(".-.-.-.-b")', code: 'time-limit' },
  { name: 'table.move over a huge range', source: 'table.move({}, 1, 2^30, 2) ' + OK, code: 'time-limit' },
  { name: 'empty string.rep repeated 2^31 times (returns at once)', source: 'local s = ("").rep("", 2^31 - 1) return { decision = "autonomous", confidence = 1, reasoning = "len " .. #s }', code: null, message: 'len 0' },
  // Escapes through removed libraries
  { name: 'load', source: 'return load("return 1")()', code: 'runtime-error', message: "global 'load'" },
  { name: 'loadstring', source: 'return loadstring("return 1")()', code: 'runtime-error', message: "global 'loadstring'" },
  { name: 'require', source: 'return require("os")', code: 'runtime-error', message: "global 'require'" },
  { name: 'io', source: 'return io.open("/etc/passwd")', code: 'runtime-error', message: "global 'io'" },
  { name: 'os', source: 'return os.execute("id")', code: 'runtime-error', message: "global 'os'" },
  { name: 'debug', source: 'return debug.getregistry()', code: 'runtime-error', message: "global 'debug'" },
  { name: 'dofile', source: 'return dofile("/etc/passwd")', code: 'runtime-error', message: "global 'dofile'" },
  { name: 'loadfile', source: 'return loadfile("/etc/passwd")', code: 'runtime-error', message: "global 'loadfile'" },
  { name: 'package', source: 'return package.loaded', code: 'runtime-error', message: "global 'package'" },
  { name: 'collectgarbage', source: 'collectgarbage()', code: 'runtime-error', message: "global 'collectgarbage'" },
  { name: 'rawget on a library', source: 'return rawget(string, "rep")', code: 'runtime-error', message: "global 'rawget'" },
  { name: 'rawset on a library', source: 'rawset(string, "upper", print)', code: 'runtime-error', message: "global 'rawset'" },
  { name: 'string.dump', source: 'return string.dump(print)', code: 'runtime-error', message: "field 'dump'" },
  { name: 'math.random (rules are deterministic)', source: 'return math.random()', code: 'runtime-error', message: "field 'random'" },
  // Escapes through metatables and shared tables
  { name: 'string metatable via getmetatable', source: 'getmetatable("").__index.rep = nil', code: 'runtime-error', message: 'attempt to index a boolean value' },
  { name: 'replace the string metatable', source: 'setmetatable(string, {})', code: 'runtime-error', message: 'protected metatable' },
  { name: 'modify a library table', source: 'string.upper = function() return "pwned" end', code: 'runtime-error', message: "read-only table 'string'" },
  { name: 'modify a library through _G', source: '_G.math.floor = nil', code: 'runtime-error', message: "read-only table 'math'" },
  { name: 'metatable of the environment', source: 'setmetatable(_G, {__index = function() return 1 end})', code: 'runtime-error', message: 'protected metatable' },
  { name: 'library internals through pairs', source: 'local n = 0 for k in pairs(string) do n = n + 1 end return { decision = "autonomous", confidence = 1, reasoning = "members " .. n }', code: null, message: 'members 0' },
  { name: 'replacing _ENV', source: '_ENV = nil return x', code: 'runtime-error', message: "upvalue '_ENV'" },
  // Junk results
  { name: 'NaN confidence', source: 'return { decision = "autonomous", confidence = 0/0, reasoning = "x" }', code: 'invalid-result', message: 'NaN' },
  { name: 'confidence above 1', source: 'return { decision = "autonomous", confidence = 1.5, reasoning = "x" }', code: 'invalid-result', message: 'got 1.5' },
  { name: 'infinite confidence', source: 'return { decision = "autonomous", confidence = math.huge, reasoning = "x" }', code: 'invalid-result', message: 'got Infinity' },
  { name: 'confidence as a string', source: 'return { decision = "autonomous", confidence = "0.9", reasoning = "x" }', code: 'invalid-result', message: 'got a string' },
  { name: 'unknown decision', source: 'return { decision = "maybe", confidence = 0.5, reasoning = "x" }', code: 'invalid-result', message: '"maybe" is not one of' },
  { name: 'reasoning as a number', source: 'return { decision = "escalated", confidence = 0.5, reasoning = 42 }', code: 'invalid-result', message: 'reasoning must be a string' },
  { name: 'returns a number', source: 'return 5', code: 'invalid-result', message: 'returned a number' },
  { name: 'returns nothing', source: 'local x = 1', code: 'invalid-result', message: 'returned nothing' },
  { name: 'result with an __index trap', source: 'return setmetatable({}, {__index = function() while true do end end})', code: 'invalid-result', message: 'no decision' },
  { name: 'decision with a __tostring trap', source: 'return { decision = setmetatable({}, {__tostring = function() while true do end end}), confidence = 1, reasoning = "x" }', code: 'invalid-result', message: 'got a table' },
  { name: 'error object whose __tostring loops', source: 'error(setmetatable({}, {__tostring = function() while true do end end}))', code: 'runtime-error', message: 'error object is a table value' },
  { name: 'error with a message table', source: 'error({ message = "custom failure" })', code: 'runtime-error', message: 'custom failure' },
  { name: 'runtime error has the rule file and line', source: 'local a = nil\nreturn a.b', code: 'runtime-error', message: 'rule.lua:2: attempt to index a nil value' },
  { name: 'syntax error has the line', source: 'local x = \n\nreturn {', code: 'syntax-error', message: /^rule\.lua:3: / },
];

describe('executor sandbox: escape and exhaustion attempts', () => {
  // A generous wall clock, so that on a loaded machine the instruction and memory
  // limits (counted, not timed) are what stops each attempt; the time-limit
  // attempts set their own small clock. Tests never depend on timing.
  const UNTIMED = { timeMs: 120_000 };
  const executor = new LuaExecutor(UNTIMED);
  for (const attempt of attempts) {
    it(attempt.name, () => {
      const subject = attempt.limits ? new LuaExecutor({ ...UNTIMED, ...attempt.limits }) : executor;
      const { result } = subject.evaluateSource(attempt.source, 'rule.lua', attempt.context ?? {});
      if (attempt.code === null) {
        assert.equal(result.error, null, `unexpected error: ${result.error?.message}`);
        if (attempt.message) assert.match(result.reasoning, typeof attempt.message === 'string' ? new RegExp(escape(attempt.message)) : attempt.message);
      } else {
        assert.equal(result.error?.code, attempt.code, `expected ${attempt.code}, got ${JSON.stringify(result)}`);
        assert.equal(result.decision, 'escalated');
        assert.equal(result.confidence, 0);
        assert.equal(result.reasoning, result.error?.message);
        if (attempt.message) assert.match(result.error?.message ?? '', typeof attempt.message === 'string' ? new RegExp(escape(attempt.message)) : attempt.message);
      }
      // The executor answers the next evaluation correctly.
      const next = subject.evaluateSource(EPIC, 'epic.lua', EPIC_CONTEXT).result;
      assert.deepEqual(next, { decision: 'autonomous', confidence: 0.95, reasoning: 'High WSJF (60)', error: null, line: 5 });
    });
  }
});

describe('executor sandbox: isolation between evaluations', () => {
  it('globals set by one evaluation are gone in the next', () => {
    const executor = new LuaExecutor();
    executor.evaluateSource('leaked = "secret" ' + OK, 'a.lua', {});
    const { result } = executor.evaluateSource('return { decision = "escalated", confidence = 0.1, reasoning = tostring(leaked) }', 'b.lua', {});
    assert.equal(result.reasoning, 'nil');
  });
  it('a rule that deletes library references only deletes its own', () => {
    const executor = new LuaExecutor();
    executor.evaluateSource('_G.string = nil; string = nil; table = nil ' + OK, 'a.lua', {});
    const { result } = executor.evaluateSource('return { decision = "escalated", confidence = 0.1, reasoning = string.upper("fine") }', 'b.lua', {});
    assert.equal(result.reasoning, 'FINE');
  });
  it('the same rule does not see its own globals from the previous run', () => {
    const executor = new LuaExecutor();
    const source = 'counter = (counter or 0) + 1 return { decision = "escalated", confidence = 0.1, reasoning = tostring(counter) }';
    executor.evaluateSource(source, 'c.lua', {});
    assert.equal(executor.evaluateSource(source, 'c.lua', {}).result.reasoning, '1');
  });
  it('a context changed by one evaluation is fresh in the next', () => {
    const executor = new LuaExecutor();
    const source = 'context.metrics.x = (context.metrics.x or 0) + 1 return { decision = "escalated", confidence = 0.1, reasoning = tostring(context.metrics.x) }';
    const context = { metrics: { x: 1 } };
    executor.evaluateSource(source, 'd.lua', context);
    assert.equal(executor.evaluateSource(source, 'd.lua', context).result.reasoning, '2');
    assert.deepEqual(context, { metrics: { x: 1 } });
  });
});

describe('executor: contexts', () => {
  const executor = new LuaExecutor();
  const echo = (expression: string, context: unknown): string => {
    const { result } = executor.evaluateSource(`return { decision = "escalated", confidence = 0.1, reasoning = ${expression} }`, 'echo.lua', context);
    assert.equal(result.error, null, result.error?.message);
    return result.reasoning;
  };
  it('nested objects become tables and arrays 1-based sequences', () => {
    assert.equal(echo('context.a.b[1] .. "," .. context.a.b[3] .. "," .. #context.a.b', { a: { b: ['x', 'y', 'z'] } }), 'x,z,3');
  });
  it('integers stay integers (exact up to 2^53) and fractions floats', () => {
    assert.equal(echo('"v" .. context.n .. " " .. math.type(context.n) .. " " .. math.type(context.f) .. " " .. math.type(context.big) .. " " .. math.type(context.huge)', { n: 42, f: 42.5, big: 2 ** 40, huge: 2 ** 60 }), 'v42 integer float integer float');
  });
  it('integer sums past 2^31 are exact (issue 11: no silent 32-bit wrap)', () => {
    assert.equal(echo('tostring(context.a + context.b) .. " " .. tostring(context.a + context.b > 2000000000) .. " " .. string.format("%d", context.ts)', { a: 2_000_000_000, b: 500_000_000, ts: 1_700_000_000_000 }), '2500000000 true 1700000000000');
  });
  it('null becomes nil', () => {
    assert.equal(echo('tostring(context.missing) .. tostring(context.list[2]) .. tostring(context.list[3])', { missing: null, list: [1, null, 3] }), 'nilnil3');
  });
  it('unicode strings survive the round trip', () => {
    assert.equal(echo('context.s .. "!"', { s: 'Grüße, 世界' }), 'Grüße, 世界!');
  });

  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 100; i++) deep = { d: deep };
  const bad: [string, unknown, RegExp][] = [
    ['a cycle', cycle, /context\.self: .*cycle/],
    ['a function', { f: () => 1 }, /context\.f: a function cannot be passed/],
    ['a BigInt', { n: 10n }, /context\.n: a BigInt/],
    ['a symbol', { s: Symbol('x') }, /context\.s: a symbol/],
    ['very deep nesting', deep, /nested deeper than 32 levels/],
    ['a huge array', { list: new Array(200_000).fill(1) }, /context\.list: array longer than 100,000/],
    ['NaN', { x: NaN }, /context\.x: NaN is not a finite number/],
    ['Infinity', { x: Infinity }, /context\.x: Infinity is not a finite number/],
    ['undefined in an array', { list: [1, undefined] }, /context\.list\[1\]: undefined/],
    ['a Date', { when: new Date(0) }, /context\.when: a Date object/],
    ['a Map', { m: new Map() }, /context\.m: a Map object/],
    ['an array at the top', [1, 2], /must be a JSON object, got an array/],
    ['null at the top', null, /must be a JSON object, got null/],
    ['a string at the top', 'ctx', /must be a JSON object, got string/],
  ];
  for (const [name, context, message] of bad) {
    it(`rejects ${name} with a clear error`, () => {
      const { result } = executor.evaluateSource(EPIC, 'epic.lua', context);
      assert.equal(result.error?.code, 'invalid-context');
      assert.match(result.error?.message ?? '', message);
      assert.equal(executor.evaluateSource(EPIC, 'epic.lua', EPIC_CONTEXT).result.decision, 'autonomous');
    });
  }
});

describe('executor: compile cache and reporting', () => {
  it('compiles each distinct source once', () => {
    const executor = new LuaExecutor();
    const first = executor.compile(OK, 'x.lua');
    const second = executor.compile(OK, 'x.lua');
    assert.ok(first.ok && second.ok);
    assert.equal(first.rule, second.rule);
    assert.equal(executor.compiledCount, 1);
    executor.release(first.rule);
    assert.equal(executor.compiledCount, 0);
  });
  it('counts instructions and captures print output', () => {
    const executor = new LuaExecutor();
    const outcome = executor.evaluateSource('print("checking", 1, true) for i = 1, 10 do end ' + OK, 'p.lua', {});
    assert.deepEqual(outcome.output, ['checking\t1\ttrue']);
    assert.ok(outcome.stats.instructions > 10 && outcome.stats.instructions < 100, String(outcome.stats.instructions));
  });
  it('a per-run instruction budget overrides the default', () => {
    const executor = new LuaExecutor();
    const loop = 'for i = 1, 5000 do end ' + OK;
    assert.equal(executor.evaluateSource(loop, 'l.lua', {}, { instructions: 2000 }).result.error?.code, 'instruction-limit');
    assert.equal(executor.evaluateSource(loop, 'l.lua', {}).result.error, null);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
