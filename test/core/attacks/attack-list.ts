import type { EvaluationErrorCode } from '../../../core/src/model/error-codes';

/**
 * Attacks on the executor's limits, written as an attacker reading the executor
 * would (issue 10): each is a rule that tries to loop, allocate or fail inside a
 * single library call or VM operation, where the instruction hook does not reach.
 * The suite (attacks.test.ts) runs them in child processes with tight limits
 * (ATTACK_LIMITS) and asserts, for each: its error code, its CPU time (at most twice
 * the time limit), its memory (RSS growth at most twice the memory limit) and that
 * the next evaluation is correct.
 */
export interface Attack {
  name: string;
  /** Attack class, for the printed summary. */
  kind: 'table' | 'print' | 'tostring' | 'format' | 'keys' | 'compare' | 'pattern' | 'catchable' | 'vararg' | 'scan' | 'memory' | 'metamethod' | 'source';
  source: string;
  /**
   * The error code; null when the rule must succeed (then `message` is matched against
   * the reasoning). A list where either limit may stop it first, depending on the
   * machine's speed (Lua code that runs long is stopped by instructions or the clock).
   */
  code: EvaluationErrorCode | EvaluationErrorCode[] | null;
  /** Substring (or pattern) of the error message, or of the reasoning when code is null. */
  message?: string | RegExp;
}

export const ATTACK_LIMITS = { timeMs: 500, memoryBytes: 32 * 1024 * 1024 };

const OK = ' return { decision = "autonomous", confidence = 1, reasoning = "survived" }';
/** Returns its Lua expression's value as the reasoning (tostring'd). */
const SAY = (expr: string) => ` return { decision = "autonomous", confidence = 1, reasoning = tostring(${expr}) }`;
const BIG = 'local BIG = ("x"):rep(4 * 1024 * 1024 - 16) ';
const LONG_LEN = (n: string) => `local t = setmetatable({}, { __len = function() return ${n} end }) `;
/** A sequence 1..n in `big` (40,000 values leave room on the 100,000-slot stack for a call's frame). */
const ARRAY = (n: number) => `local big = {} for i = 1, ${n} do big[i] = i end `;

export const ATTACKS: Attack[] = [
  // --- Long loops inside one table.* call (the hook never fires inside them)
  { kind: 'table', name: 'table.insert at 1 with a huge __len', source: LONG_LEN('2^31 - 2') + 'table.insert(t, 1, "v")' + OK, code: 'time-limit' },
  // With 32-bit integers (fengari's own) the key 2^31 does not exist; with Lua's 64-bit ones it is a long shift.
  { kind: 'table', name: 'table.insert past the largest 32-bit integer key', source: LONG_LEN('2^31 - 1') + 'table.insert(t, 1, "v")' + OK, code: ['runtime-error', 'time-limit'], message: /'insert'|time limit/ },
  { kind: 'table', name: 'table.insert with __len 2e7 under pcall does not succeed', source: LONG_LEN('2e7') + 'pcall(table.insert, t, 1, "v")' + OK, code: 'time-limit' },
  { kind: 'table', name: 'table.remove at 1 with a huge __len', source: LONG_LEN('2^31 - 1') + 'table.remove(t, 1)' + OK, code: 'time-limit' },
  { kind: 'table', name: 'table.remove with __len 2e7 under pcall', source: LONG_LEN('2e7') + 'pcall(table.remove, t, 1)' + OK, code: 'time-limit' },
  { kind: 'table', name: 'table.move over 2^31 slots', source: 'table.move({}, 1, 2^31 - 2, 2)' + OK, code: 'time-limit' },
  { kind: 'table', name: 'table.move onto a table with a counting __newindex', source: 'local n = 0 local dst = setmetatable({}, { __newindex = function() n = n + 1 end }) table.move({}, 1, 1e8, 1, dst)' + OK, code: ['instruction-limit', 'time-limit'] },
  { kind: 'table', name: 'table.concat over 2^31 empty items served by __index', source: 'local t = setmetatable({}, { __index = function() return "" end }) table.concat(t, "", 1, 2^31 - 1)' + OK, code: ['instruction-limit', 'time-limit'] },
  { kind: 'table', name: 'table.concat fooled by an __index that answers nil first', source: BIG + 'local calls = 0 local t = setmetatable({}, { __index = function(_, i) calls = calls + 1 if calls == 1 then return nil end return BIG end }) pcall(table.concat, t, "", 1, 300) return table.concat(t, "", 1, 300)', code: 'memory-limit' },
  { kind: 'table', name: 'table.concat of 300 references to a 4 MiB string', source: BIG + 'local t = {} for i = 1, 300 do t[i] = BIG end return table.concat(t)', code: 'memory-limit' },
  { kind: 'table', name: 'table.concat with a 4 MiB separator', source: BIG + 'local t = {} for i = 1, 300 do t[i] = "a" end return table.concat(t, BIG)', code: 'memory-limit' },
  { kind: 'table', name: '{table.unpack(big)} twenty times', source: ARRAY(90000) + 'local keep = {} for i = 1, 20 do keep[i] = { table.unpack(big) } end' + OK, code: ['memory-limit', 'time-limit'] },
  { kind: 'table', name: 'table.unpack of a range past the stack', source: 'return table.unpack({}, 1, 1e8)', code: 'runtime-error', message: 'too many results' },
  { kind: 'table', name: 'table.unpack with a huge __index range', source: 'local t = setmetatable({}, { __index = function() return 1 end }) local n = select("#", table.unpack(t, 1, 99000)) for i = 1, 1e5 do n = select("#", table.unpack(t, 1, 99000)) end' + OK, code: ['instruction-limit', 'time-limit', 'memory-limit'] },
  { kind: 'table', name: 'table.pack of unpacked big arrays in a loop', source: ARRAY(90000) + 'for i = 1, 1e6 do local p = table.pack(table.unpack(big)) end' + OK, code: ['memory-limit', 'time-limit'] },
  { kind: 'table', name: 'table.sort of 90,000 items with a Lua comparator', source: ARRAY(90000) + 'for r = 1, 100 do table.sort(big, function(a, b) return a > b end) end' + OK, code: ['instruction-limit', 'time-limit', 'memory-limit'] },
  { kind: 'table', name: 'table.sort with an inconsistent comparator', source: ARRAY(1000) + 'table.sort(big, function() return true end)' + OK, code: 'runtime-error', message: 'invalid order function' },
  { kind: 'table', name: 'table.insert with a wrong argument count', source: 'table.insert({}, 1, 2, 3)', code: 'runtime-error', message: "wrong number of arguments to 'insert'" },
  { kind: 'table', name: 'table.insert at a position out of bounds', source: 'table.insert({}, 5, 1)', code: 'runtime-error', message: 'position out of bounds' },

  // --- print: every argument used to become a JS string before the line was cut
  { kind: 'print', name: 'print of 300 references to a 4 MiB string', source: BIG + 'local t = {} for i = 1, 300 do t[i] = BIG end print(table.unpack(t))' + SAY('"printed"'), code: null, message: 'printed' },
  { kind: 'print', name: 'print of a 4 MiB string 300 times', source: BIG + 'for i = 1, 300 do print(BIG) end' + SAY('"printed"'), code: null, message: 'printed' },
  { kind: 'print', name: 'print of objects whose __tostring returns 4 MiB', source: BIG + 'local o = setmetatable({}, { __tostring = function() return BIG end }) for i = 1, 300 do print(o, o, o) end' + SAY('"printed"'), code: null, message: 'printed' },
  { kind: 'print', name: 'print ten million lines', source: 'for i = 1, 1e7 do print(i) end' + OK, code: ['instruction-limit', 'time-limit'] },
  { kind: 'print', name: 'print of invalid UTF-8 is a line, not an error', source: 'print("\\xff\\xfe", ("café"):sub(1, 4))' + SAY('"printed"'), code: null, message: 'printed' },

  // --- tostring and string.format of objects with a big __tostring
  { kind: 'format', name: "string.format('%s') of 300 objects whose __tostring returns 4 MiB", source: BIG + 'local o = setmetatable({}, { __tostring = function() return BIG end }) local t = {} for i = 1, 300 do t[i] = o end return string.format(("%s"):rep(300), table.unpack(t))', code: 'memory-limit' },
  { kind: 'format', name: "string.format('%s') of 300 references to a 4 MiB string (fast path)", source: BIG + 'local t = {} for i = 1, 300 do t[i] = BIG end return string.format(("%s"):rep(300), table.unpack(t))', code: ['memory-limit', 'time-limit'] },
  { kind: 'format', name: 'string.format with a 4 MiB format', source: BIG + 'for i = 1, 100 do local s = string.format(BIG .. "%d", i) end' + OK, code: 'memory-limit' },
  { kind: 'format', name: 'string.format("%-8.3s|") of a cut UTF-8 sequence is catchable', source: 'local ok, err = pcall(string.format, "%-8.3s|", ("café"):sub(1, 4))' + SAY('ok and "formatted" or err'), code: null, message: /formatted|'format'/ },
  { kind: 'format', name: 'string.format("%5s") of invalid UTF-8 is never an internal error', source: 'local ok, err = pcall(string.format, "%5s|%-3.1s", "\xff\xfe", "\xc3")' + SAY('ok and "formatted" or err'), code: null, message: /formatted|'format'/ },
  { kind: 'format', name: 'string.format("%d") of a float', source: 'return string.format("%d", 2.5)', code: 'runtime-error', message: 'number has no integer representation' },
  { kind: 'format', name: 'string.format with an invalid conversion', source: 'return string.format("%y", 1)', code: 'runtime-error', message: 'invalid option' },
  { kind: 'format', name: 'string.format with a missing argument', source: 'return string.format("%s %s", 1)', code: 'runtime-error', message: 'bad argument #3' },
  { kind: 'tostring', name: 'tostring of an object with a 4 MiB __name', source: BIG + 'local o = setmetatable({}, { __name = BIG }) local t = {} for i = 1, 100 do t[i] = tostring(o) end' + OK, code: 'memory-limit' },
  { kind: 'tostring', name: '__tostring that returns a table', source: 'return tostring(setmetatable({}, { __tostring = function() return {} end }))', code: 'runtime-error', message: "'__tostring' must return a string" },
  { kind: 'tostring', name: 'concatenating a 4 MiB __tostring result in a loop', source: BIG + 'local o = setmetatable({}, { __tostring = function() return BIG end }) local t = {} for i = 1, 100 do t[i] = tostring(o) .. i end' + OK, code: 'memory-limit' },

  // --- Long strings as table keys (fengari hashed a key by building a JS string byte by byte)
  { kind: 'keys', name: 'fifteen distinct 4 MiB strings as table keys', source: BIG + 'local t = {} for i = 1, 15 do t[BIG .. i] = i end' + OK, code: 'memory-limit' },
  { kind: 'keys', name: 'the same 4 MiB key hashed again through fresh copies', source: BIG + 'local t = {} for i = 1, 300 do t[BIG:sub(1, -2 - (i % 2))] = i end' + OK, code: 'memory-limit' },
  { kind: 'keys', name: 'keys that collided under the old hash stay apart', source: 'local t = {} t["\\1#"] = "first" t["\\18\\3"] = "second"' + SAY('t["\\1#"] .. "," .. t["\\18\\3"]'), code: null, message: 'first,second' },
  { kind: 'keys', name: 'a long key looked up 100,000 times', source: 'local k = ("k"):rep(100000) local t = { [k] = 1 } local n = 0 for i = 1, 1e5 do n = n + t[k] end' + SAY('n'), code: null, message: '100000' },

  // --- Comparisons of long strings (a single instruction each)
  { kind: 'compare', name: '< on two 4 MiB strings 300 times', source: BIG + 'local a, b = BIG .. "a", BIG .. "b" local n = 0 for i = 1, 300 do if a < b then n = n + 1 end end' + OK, code: ['time-limit', 'memory-limit'] },
  { kind: 'compare', name: '== on two distinct equal 4 MiB strings 300 times', source: BIG + 'local a, b = BIG .. "a", BIG .. "a" local n = 0 for i = 1, 300 do if a == b then n = n + 1 end end' + OK, code: 'time-limit' },
  { kind: 'compare', name: '<= on fresh 4 MiB strings', source: BIG + 'local n = 0 for i = 1, 300 do if BIG:sub(2) <= BIG:sub(1, -2) then n = n + 1 end end' + OK, code: 'memory-limit' },
  { kind: 'compare', name: 'table.sort of long strings with a common prefix', source: 'local p = ("p"):rep(2e5) local t = {} for i = 1, 30 do t[i] = p .. (100 - i) end table.sort(t) for r = 1, 100 do table.sort(t, function(a, b) return a > b end) end' + OK, code: 'time-limit' },
  { kind: 'compare', name: 'byte order of strings is Lua\'s', source: SAY('("\\15" < "\\16") and ("a\\255" > "a\\128") and ("" < "\\0")'), code: null, message: 'true' },

  // --- The pattern matcher: a character set is as many steps as it is long
  { kind: 'pattern', name: 'find with a 200 KB set against 200 KB', source: 'return string.find(("b"):rep(2e5), "[" .. ("a"):rep(2e5) .. "b]*$")', code: 'time-limit' },
  { kind: 'pattern', name: '%f with a 200 KB set', source: 'local s, set = ("b"):rep(1e5), "%f[" .. ("a"):rep(2e5) .. "]" for i = 1, 100 do s:find(set) end' + OK, code: 'time-limit' },
  { kind: 'pattern', name: 'negated 200 KB set with gmatch', source: 'for w in ("b"):rep(1e5):gmatch("[^" .. ("a"):rep(2e5) .. "]") do end' + OK, code: 'time-limit' },
  { kind: 'pattern', name: 'gsub with a 200 KB set', source: 'return (("b"):rep(1e5):gsub("[" .. ("a"):rep(2e5) .. "]", "c"))', code: 'time-limit' },
  { kind: 'pattern', name: 'match with a 200 KB set of ranges', source: 'return ("z"):rep(1e5):match("^[" .. ("a-y"):rep(7e4) .. "z]*$")', code: 'time-limit' },
  { kind: 'pattern', name: 'an unclosed 200 KB set, scanned again and again', source: 'local p = "[" .. ("a"):rep(2e5) for i = 1, 1e4 do pcall(string.find, "x", p) end' + OK, code: 'time-limit' },
  { kind: 'pattern', name: 'nested optional items past the recursion bound', source: 'return ("a"):rep(300):match(("a?"):rep(300) .. ("a"):rep(300))', code: 'runtime-error', message: 'pattern too complex' },

  // --- Errors a rule can cause are catchable Lua errors naming the function
  { kind: 'catchable', name: 'string.char(-1)', source: 'return string.char(-1)', code: 'runtime-error', message: "bad argument #1 to 'char' (value out of range)" },
  { kind: 'catchable', name: 'string.char(256) as the third argument', source: 'return string.char(65, 66, 256)', code: 'runtime-error', message: "bad argument #3 to 'char' (value out of range)" },
  { kind: 'catchable', name: 'string.char(-1) under pcall', source: 'local ok, err = pcall(string.char, -1)' + SAY('err'), code: null, message: "bad argument #1 to 'string.char' (value out of range)" },
  { kind: 'catchable', name: 'utf8.char of a negative code point', source: 'return utf8.char(-1)', code: 'runtime-error', message: "'char'" },
  { kind: 'catchable', name: 'utf8.codepoint of invalid UTF-8', source: 'return utf8.codepoint("\\xff")', code: 'runtime-error', message: /invalid UTF-8|codepoint/ },
  { kind: 'catchable', name: 'utf8.offset at a continuation byte', source: 'return utf8.offset("\\x80\\x80", 1, 2)', code: 'runtime-error', message: /continuation|offset/ },
  { kind: 'catchable', name: 'utf8.len of invalid UTF-8 under pcall', source: 'local a, b = utf8.len("ab\\xffcd")' + SAY('tostring(a) .. "," .. tostring(b)'), code: null, message: 'nil,3' },
  { kind: 'catchable', name: 'tonumber with a base out of range', source: 'return tonumber("z", 99)', code: 'runtime-error', message: 'base out of range' },
  { kind: 'catchable', name: 'select with a negative index past the start', source: 'return select(-5, 1)', code: 'runtime-error', message: "bad argument #1 to 'select'" },
  { kind: 'catchable', name: 'string.byte of a 200 KB slice', source: 'return ("x"):rep(2e5):byte(1, -1)', code: 'runtime-error', message: 'string slice too long' },
  { kind: 'catchable', name: 'string.rep with a separator past the string limit', source: 'return ("x"):rep(3, ("y"):rep(3e6))', code: 'memory-limit' },
  { kind: 'catchable', name: 'a dead coroutine resumed through wrap', source: 'local f = coroutine.wrap(function() end) f() f()', code: 'runtime-error', message: 'cannot resume dead coroutine' },
  { kind: 'catchable', name: 'setmetatable with a non-table', source: 'setmetatable({}, 5)', code: 'runtime-error', message: "bad argument #2 to 'setmetatable'" },
  { kind: 'catchable', name: 'math.floor of a string that is not a number', source: 'return math.floor("x")', code: 'runtime-error', message: "bad argument #1 to 'floor'" },
  { kind: 'catchable', name: 'next with a key the table never had', source: 'return next({}, "nope")', code: 'runtime-error', message: 'next' },
  { kind: 'catchable', name: 'ipairs of nil', source: 'for _ in ipairs(nil) do end', code: 'runtime-error', message: 'attempt to index a nil value' },
  { kind: 'catchable', name: 'string.format("%c") of an out-of-range number', source: 'local ok, e = pcall(string.format, "%c", -1)' + SAY('ok or e'), code: null },
  { kind: 'catchable', name: 'library errors never rebuild the state (100 caught in a row)', source: 'local n = 0 for i = 1, 100 do if not pcall(string.char, -i) then n = n + 1 end if not pcall(string.format, "%-8.3s|", ("é"):sub(1, 1)) then n = n + 1 end end' + SAY('n >= 100'), code: null, message: 'true' },

  // --- Many values in one instruction (VARARG, SETLIST, calls)
  { kind: 'vararg', name: 'calling a vararg function with 40,000 arguments in a loop', source: ARRAY(40000) + 'local function f(...) return select("#", ...) end local n = 0 for i = 1, 1e5 do n = n + f(table.unpack(big)) end' + OK, code: ['time-limit', 'memory-limit'] },
  { kind: 'vararg', name: '{...} of 40,000 values in a loop', source: ARRAY(40000) + 'local function f(...) local t = { ... } return #t end local keep = {} for i = 1, 1e5 do keep[i] = f(table.unpack(big)) end' + OK, code: ['time-limit', 'memory-limit'] },
  { kind: 'vararg', name: 'passing 20,000 values through ... again and again', source: ARRAY(20000) + 'local function g(...) return ... end local function f(...) for i = 1, 1e5 do g(...) end end f(table.unpack(big))' + OK, code: 'time-limit' },
  { kind: 'vararg', name: 'string.char of 90,000 arguments in a loop', source: 'local b = {} for i = 1, 90000 do b[i] = 65 end for i = 1, 1e5 do local s = string.char(table.unpack(b)) end' + OK, code: ['time-limit', 'memory-limit'] },

  // --- Library calls that scan a long input (one call, one instruction)
  { kind: 'scan', name: 'utf8.len of 4 MiB, 1,000 times', source: BIG + 'local n = 0 for i = 1, 1000 do n = n + utf8.len(BIG) end' + OK, code: 'time-limit' },
  { kind: 'scan', name: 'tonumber of a 4 MiB string, 1,000 times', source: 'local s = ("1"):rep(4 * 1024 * 1024 - 16) for i = 1, 1000 do local n = tonumber(s) end' + OK, code: 'time-limit' },
  { kind: 'scan', name: 'string.upper of 4 MiB, 100 times', source: BIG + 'for i = 1, 100 do local u = BIG:upper() end' + OK, code: 'memory-limit' },
  { kind: 'scan', name: 'string.reverse of 4 MiB, 100 times', source: BIG + 'for i = 1, 100 do local r = BIG:reverse() end' + OK, code: 'memory-limit' },
  { kind: 'scan', name: 'plain find in 4 MiB, 1,000 times', source: BIG + 'for i = 1, 1000 do BIG:find("y", 1, true) end' + OK, code: 'time-limit' },
  { kind: 'scan', name: 'utf8.offset far into 4 MiB, 1,000 times', source: BIG + 'for i = 1, 1000 do utf8.offset(BIG, 4000000) end' + OK, code: 'time-limit' },
  { kind: 'scan', name: 'string.sub copies of 4 MiB', source: BIG + 'local keep = {} for i = 1, 100 do keep[i] = BIG:sub(2) end' + OK, code: 'memory-limit' },
  { kind: 'scan', name: '# and rawlen of a 4 MiB string are cheap', source: BIG + 'local n = 0 for i = 1, 2e4 do n = n + #BIG + rawlen(BIG) end' + SAY('n > 0'), code: null, message: 'true' },

  // --- Memory through other doors
  { kind: 'memory', name: 'a string past the single-string limit', source: 'return ("x"):rep(4 * 1024 * 1024 + 1)', code: 'memory-limit' },
  { kind: 'memory', name: '.. building 4 MiB strings in a loop', source: BIG + 'local keep = {} for i = 1, 100 do keep[i] = BIG .. i end' + OK, code: 'memory-limit' },
  { kind: 'memory', name: 'ten million coroutines', source: 'local keep = {} for i = 1, 1e7 do keep[i] = coroutine.create(function() end) end' + OK, code: ['memory-limit', 'time-limit'] },
  { kind: 'memory', name: 'closures kept in a table', source: 'local keep = {} for i = 1, 1e7 do keep[i] = function() return i end end' + OK, code: ['memory-limit', 'time-limit', 'instruction-limit'] },
  { kind: 'memory', name: 'tables nested a million deep', source: 'local t = {} for i = 1, 1e7 do t = { t, i } end' + OK, code: ['memory-limit', 'time-limit'] }, // which limit comes first depends on the machine's load
  { kind: 'memory', name: 'gsub that doubles its subject', source: 'local s = ("ab"):rep(1000) for i = 1, 30 do s = s:gsub(".", "%0%0") end' + OK, code: ['memory-limit', 'time-limit'] },

  // --- Metamethods that multiply work
  { kind: 'metamethod', name: '__index chain of 3,000 tables', source: 'local t = {} for i = 1, 3000 do t = setmetatable({}, { __index = t }) end return t.x', code: 'runtime-error', message: "'__index' chain too long" },
  { kind: 'metamethod', name: '__concat that returns 4 MiB each time', source: BIG + 'local o = setmetatable({}, { __concat = function() return BIG .. "!" end }) local keep = {} for i = 1, 100 do keep[i] = o .. "x" end' + OK, code: 'memory-limit' },
  { kind: 'metamethod', name: '__eq that loops', source: 'local mt = { __eq = function() while true do end end } local a, b = setmetatable({}, mt), setmetatable({}, mt) local x = a == b' + OK, code: ['instruction-limit', 'time-limit'] },
  { kind: 'metamethod', name: '__lt in table.sort that allocates', source: BIG + 'local mt = { __lt = function(a, b) local s = BIG .. a.v return a.v < b.v end } local t = {} for i = 1, 200 do t[i] = setmetatable({ v = i }, mt) end table.sort(t)' + OK, code: ['memory-limit', 'time-limit'] },
  { kind: 'metamethod', name: '__len returning a non-integer to table.insert', source: 'table.insert(setmetatable({}, { __len = function() return 1.5 end }), "x")', code: 'runtime-error', message: 'object length is not an integer' },
  { kind: 'metamethod', name: '__gc is never run (no finalizers in the sandbox)', source: 'for i = 1, 10 do setmetatable({}, { __gc = function() while true do end end }) end' + SAY('"no finalizer ran"'), code: null, message: 'no finalizer ran' },
];

// --- The source itself, and what comes back out
ATTACKS.push(
  { kind: 'source', name: 'an error message of 4 MiB is cut', source: BIG + 'error(BIG)', code: 'runtime-error', message: /… \(4,194,\d{3} bytes in all\)$/ },
  { kind: 'source', name: 'an error object with a 4 MiB message is cut', source: BIG + 'error({ message = BIG })', code: 'runtime-error', message: /^error object: x+… \(/ },
  { kind: 'source', name: 'an error message of invalid UTF-8', source: 'error("\xff\xfe broken")', code: 'runtime-error', message: 'broken' },
  { kind: 'source', name: 'a rule source past the size limit', source: '-- ' + 'x'.repeat(300 * 1024) + '\n' + OK, code: 'syntax-error', message: 'rule source too large' },
  { kind: 'source', name: 'a rule of a hundred thousand nested parentheses', source: 'return ' + '('.repeat(100_000) + '1' + ')'.repeat(100_000), code: 'syntax-error' },
  { kind: 'source', name: 'a rule of 20,000 local statements', source: 'local a = 1\n'.repeat(20_000) + OK, code: 'syntax-error', message: 'too many local variables' },
);
