/**
 * LuaCATS signatures for the functions the sandbox keeps, written for Lua 5.3 as
 * Fengari runs it. This file says *how* each function is called; *which* functions
 * exist comes only from `executor/sandbox-globals.ts`: the generator walks that list
 * and looks each name up here, and a listed name without an entry here is an error
 * the tests catch (so a function added to the sandbox cannot silently go untyped,
 * and one removed from it disappears from the definitions on the next generation).
 *
 * Each entry is the doc line followed by the annotation lines (without `---`), and
 * for a value instead of a function a `@type` line.
 */
export interface LuaSignature {
  doc: string;
  /** Annotation lines, e.g. `@param s string`, `@return integer`. */
  annotations: readonly string[];
  /** Parameter names in call order (`...` allowed); absent for a value such as `math.pi`. */
  params?: readonly string[];
}

const fn = (doc: string, params: readonly string[], annotations: readonly string[]): LuaSignature => ({ doc, params, annotations });
const value = (doc: string, type: string): LuaSignature => ({ doc, annotations: [`@type ${type}`] });

export const BASE_SIGNATURES: Readonly<Record<string, LuaSignature>> = {
  assert: fn('Raises an error with `message` when `v` is false or nil; otherwise returns all its arguments.', ['v', 'message', '...'], ['@generic T', '@param v? T', '@param message? any', '@param ... any', '@return T', '@return any ...']),
  error: fn('Raises an error with `message`; `level` 1 (default) adds where the error happened, 0 adds nothing. The rule then fails with decision "escalated".', ['message', 'level'], ['@param message any', '@param level? integer']),
  ipairs: fn('Iterates `t[1]`, `t[2]`, ... up to the first nil: `for i, v in ipairs(t) do ... end`.', ['t'], ['@generic T: table, V', '@param t T', '@return fun(t: V[], i?: integer): integer, V', '@return T', '@return integer']),
  next: fn('The next key and value of a table after `index` (nil: the first); nil at the end.', ['t', 'index'], ['@generic K, V', '@param t table<K, V>', '@param index? K', '@return K?', '@return V?']),
  pairs: fn('Iterates every key and value of a table, in no particular order.', ['t'], ['@generic T: table, K, V', '@param t T', '@return fun(t: table<K, V>, k?: K): K, V', '@return T']),
  pcall: fn('Calls `f` in protected mode: returns true and its results, or false and the error. Limit errors (instructions, memory, time) cannot be caught.', ['f', '...'], ['@param f function', '@param ... any', '@return boolean success', '@return any ...']),
  print: fn('Collects its arguments as a line of the evaluation\'s output (kept with the result, at most a few hundred lines); there is no console.', ['...'], ['@param ... any']),
  rawequal: fn('Whether `v1` and `v2` are equal without calling metamethods.', ['v1', 'v2'], ['@param v1 any', '@param v2 any', '@return boolean']),
  rawlen: fn('The length of a table or string without calling metamethods.', ['v'], ['@param v table|string', '@return integer']),
  select: fn('`select(n, ...)`: the arguments from the n-th on; `select("#", ...)`: how many there are.', ['index', '...'], ['@param index integer|"#"', '@param ... any', '@return any ...']),
  setmetatable: fn('Sets the metatable of a table (nil removes it) and returns the table.', ['t', 'metatable'], ['@generic T: table', '@param t T', '@param metatable? table', '@return T']),
  getmetatable: fn('The metatable of a value (or its `__metatable` field), or nil.', ['object'], ['@param object any', '@return table?']),
  tonumber: fn('Converts a string or number to a number (in `base` 2 to 36 when given); nil when it cannot.', ['e', 'base'], ['@param e any', '@param base? integer', '@return number?']),
  tostring: fn('Converts a value to a readable string.', ['v'], ['@param v any', '@return string']),
  type: fn('The type name of a value: "nil", "number", "string", "boolean", "table", "function", "thread" or "userdata".', ['v'], ['@param v any', '@return "nil"|"number"|"string"|"boolean"|"table"|"function"|"thread"|"userdata" type']),
  xpcall: fn('Like `pcall`, with a message handler `msgh` called on the error. Limit errors cannot be caught.', ['f', 'msgh', '...'], ['@param f function', '@param msgh function', '@param ... any', '@return boolean success', '@return any ...']),
};

export const LIBRARY_SIGNATURES: Readonly<Record<string, Readonly<Record<string, LuaSignature>>>> = {
  string: {
    byte: fn('The byte codes of `s[i..j]` (default: the first byte).', ['s', 'i', 'j'], ['@param s string|number', '@param i? integer', '@param j? integer', '@return integer ...']),
    char: fn('A string made of the given byte codes.', ['...'], ['@param ... integer', '@return string']),
    find: fn('The start and end of the first match of a Lua `pattern` in `s` (from `init`), and its captures; `plain` true searches for the text as is.', ['s', 'pattern', 'init', 'plain'], ['@param s string|number', '@param pattern string|number', '@param init? integer', '@param plain? boolean', '@return integer? start', '@return integer? end', '@return any ... captures']),
    format: fn('A formatted string, like C\'s `printf`: `%d %i %u %c %x %X %o %e %E %f %g %G %q %s %a %A %%`.', ['fmt', '...'], ['@param fmt string|number', '@param ... any', '@return string']),
    gmatch: fn('An iterator over the matches of a Lua `pattern` in `s` (its captures, or the whole match).', ['s', 'pattern'], ['@param s string|number', '@param pattern string|number', '@return fun(): string, ...']),
    gsub: fn('A copy of `s` with the matches of `pattern` replaced by `repl` (a string with %1.., a table or a function), at most `n` times; and the number of replacements.', ['s', 'pattern', 'repl', 'n'], ['@param s string|number', '@param pattern string|number', '@param repl string|number|table|function', '@param n? integer', '@return string', '@return integer count']),
    len: fn('The length of a string in bytes.', ['s'], ['@param s string|number', '@return integer']),
    lower: fn('A copy of `s` in lower case.', ['s'], ['@param s string|number', '@return string']),
    match: fn('The captures of the first match of a Lua `pattern` in `s` (from `init`), or the whole match; nil when there is none.', ['s', 'pattern', 'init'], ['@param s string|number', '@param pattern string|number', '@param init? integer', '@return any ... captures']),
    rep: fn('`n` copies of `s`, separated by `sep`. Counted against the rule\'s memory limit.', ['s', 'n', 'sep'], ['@param s string|number', '@param n integer', '@param sep? string|number', '@return string']),
    reverse: fn('`s` reversed.', ['s'], ['@param s string|number', '@return string']),
    sub: fn('The substring from `i` to `j` (negative: from the end).', ['s', 'i', 'j'], ['@param s string|number', '@param i integer', '@param j? integer', '@return string']),
    upper: fn('A copy of `s` in upper case.', ['s'], ['@param s string|number', '@return string']),
  },
  math: {
    abs: fn('The absolute value of `x`.', ['x'], ['@generic N: number', '@param x N', '@return N']),
    ceil: fn('The smallest integer not below `x`.', ['x'], ['@param x number', '@return integer']),
    cos: fn('The cosine of `x` (radians).', ['x'], ['@param x number', '@return number']),
    deg: fn('Radians to degrees.', ['x'], ['@param x number', '@return number']),
    exp: fn('e to the power `x`.', ['x'], ['@param x number', '@return number']),
    floor: fn('The largest integer not above `x`.', ['x'], ['@param x number', '@return integer']),
    fmod: fn('The remainder of `x / y`, rounded towards zero.', ['x', 'y'], ['@param x number', '@param y number', '@return number']),
    huge: value('A value larger than any other number (infinity).', 'number'),
    log: fn('The logarithm of `x` in `base` (default e).', ['x', 'base'], ['@param x number', '@param base? number', '@return number']),
    max: fn('The largest of its arguments.', ['x', '...'], ['@generic N: number', '@param x N', '@param ... N', '@return N']),
    maxinteger: value('The largest integer (2^63 - 1).', 'integer'),
    min: fn('The smallest of its arguments.', ['x', '...'], ['@generic N: number', '@param x N', '@param ... N', '@return N']),
    mininteger: value('The smallest integer (-2^63).', 'integer'),
    modf: fn('The integral and the fractional part of `x`.', ['x'], ['@param x number', '@return integer', '@return number']),
    pi: value('The value of pi.', 'number'),
    rad: fn('Degrees to radians.', ['x'], ['@param x number', '@return number']),
    sin: fn('The sine of `x` (radians).', ['x'], ['@param x number', '@return number']),
    sqrt: fn('The square root of `x`.', ['x'], ['@param x number', '@return number']),
    tan: fn('The tangent of `x` (radians).', ['x'], ['@param x number', '@return number']),
    tointeger: fn('`x` as an integer when it has an exact integer value, else nil.', ['x'], ['@param x any', '@return integer?']),
    type: fn('"integer", "float", or nil when `x` is not a number.', ['x'], ['@param x any', '@return "integer"|"float"|nil']),
    ult: fn('Whether `m < n` compared as unsigned integers.', ['m', 'n'], ['@param m integer', '@param n integer', '@return boolean']),
    acos: fn('The arc cosine of `x` (radians).', ['x'], ['@param x number', '@return number']),
    asin: fn('The arc sine of `x` (radians).', ['x'], ['@param x number', '@return number']),
    atan: fn('The arc tangent of `y / x` (radians), using both signs for the quadrant.', ['y', 'x'], ['@param y number', '@param x? number', '@return number']),
  },
  table: {
    concat: fn('The elements `list[i..j]` (strings or numbers) joined by `sep`.', ['list', 'sep', 'i', 'j'], ['@param list table', '@param sep? string', '@param i? integer', '@param j? integer', '@return string']),
    insert: fn('Inserts `value` at position `pos` of a list (default: at the end).', ['list', 'pos', 'value'], ['@overload fun(list: table, value: any)', '@param list table', '@param pos integer', '@param value any']),
    move: fn('Copies `a1[f..e]` into `a2` (default `a1`) from position `t`; returns `a2`.', ['a1', 'f', 'e', 't', 'a2'], ['@param a1 table', '@param f integer', '@param e integer', '@param t integer', '@param a2? table', '@return table a2']),
    pack: fn('A new table of its arguments, with their count in field `n`.', ['...'], ['@param ... any', '@return { n: integer, [integer]: any }']),
    remove: fn('Removes and returns the element at `pos` of a list (default: the last).', ['list', 'pos'], ['@param list table', '@param pos? integer', '@return any']),
    sort: fn('Sorts a list in place, with `<` or the `comp(a, b)` function.', ['list', 'comp'], ['@generic T', '@param list T[]', '@param comp? fun(a: T, b: T): boolean']),
    unpack: fn('The elements `list[i..j]` as separate values.', ['list', 'i', 'j'], ['@generic T', '@param list T[]', '@param i? integer', '@param j? integer', '@return T ...']),
  },
  utf8: {
    char: fn('A UTF-8 string of the given code points.', ['...'], ['@param ... integer', '@return string']),
    charpattern: value('The pattern that matches exactly one UTF-8 character.', 'string'),
    codepoint: fn('The code points of the characters of `s` between bytes `i` and `j`.', ['s', 'i', 'j'], ['@param s string', '@param i? integer', '@param j? integer', '@return integer ...']),
    codes: fn('An iterator over the characters of `s`: byte position and code point.', ['s'], ['@param s string', '@return fun(s: string, p: integer): integer, integer', '@return string', '@return integer']),
    len: fn('The number of UTF-8 characters of `s` between bytes `i` and `j`, or nil and the position of the first invalid byte.', ['s', 'i', 'j'], ['@param s string', '@param i? integer', '@param j? integer', '@return integer?', '@return integer? position']),
    offset: fn('The byte position where the `n`-th character (from byte `i`) starts.', ['s', 'n', 'i'], ['@param s string', '@param n integer', '@param i? integer', '@return integer?']),
  },
  coroutine: {
    create: fn('A new coroutine running `f`.', ['f'], ['@param f function', '@return thread']),
    isyieldable: fn('Whether the running code can yield.', [], ['@return boolean']),
    resume: fn('Starts or continues a coroutine; true and the yielded or returned values, or false and the error.', ['co', '...'], ['@param co thread', '@param ... any', '@return boolean success', '@return any ...']),
    running: fn('The running coroutine and whether it is the main one.', [], ['@return thread', '@return boolean ismain']),
    status: fn('"running", "suspended", "normal" or "dead".', ['co'], ['@param co thread', '@return "running"|"suspended"|"normal"|"dead"']),
    wrap: fn('A function that resumes a new coroutine running `f` and raises its errors.', ['f'], ['@param f function', '@return fun(...): ...']),
    yield: fn('Suspends the running coroutine, handing its arguments to `resume`.', ['...'], ['@param ... any', '@return any ...']),
  },
};

/** What the sandbox's `_VERSION` holds (Fengari implements Lua 5.3). */
export const SANDBOX_LUA_VERSION = 'Lua 5.3';
