/**
 * The one list of what a rule's Lua environment holds and what it does not.
 * The executor builds the sandbox from it and the checker reports
 * `forbidden-global` / `undefined-global` from it, so the two never disagree.
 */

/** Base functions a rule may call. `pcall`/`xpcall` are wrapped so limit errors cannot be swallowed. */
export const SAFE_BASE_FUNCTIONS = [
  'assert', 'error', 'ipairs', 'next', 'pairs', 'pcall', 'print', 'rawequal', 'rawlen',
  'select', 'setmetatable', 'getmetatable', 'tonumber', 'tostring', 'type', 'xpcall',
] as const;

/** Library tables a rule may use, each read-only and holding only the listed functions. */
export const SAFE_LIBRARIES = {
  string: ['byte', 'char', 'find', 'format', 'gmatch', 'gsub', 'len', 'lower', 'match', 'rep', 'reverse', 'sub', 'upper'],
  math: [
    'abs', 'ceil', 'cos', 'deg', 'exp', 'floor', 'fmod', 'huge', 'log', 'max', 'maxinteger', 'min', 'mininteger',
    'modf', 'pi', 'rad', 'sin', 'sqrt', 'tan', 'tointeger', 'type', 'ult', 'acos', 'asin', 'atan',
  ],
  table: ['concat', 'insert', 'move', 'pack', 'remove', 'sort', 'unpack'],
  utf8: ['char', 'charpattern', 'codepoint', 'codes', 'len', 'offset'],
  coroutine: ['create', 'isyieldable', 'resume', 'running', 'status', 'wrap', 'yield'],
} as const satisfies Record<string, readonly string[]>;

/** Globals every rule sees besides the libraries: the context, `_G` (the rule's own globals) and `_VERSION`. */
export const PROVIDED_GLOBALS = ['context', '_G', '_VERSION', ...SAFE_BASE_FUNCTIONS, ...Object.keys(SAFE_LIBRARIES)] as const;

/**
 * Globals the sandbox removes on purpose, with the reason shown to the rule author.
 * Reading one of these is `forbidden-global`, not `undefined-global`.
 */
export const FORBIDDEN_GLOBALS: Readonly<Record<string, string>> = {
  io: 'file and console access is not allowed in rules',
  os: 'the operating system is not reachable from rules (no time, no clock, no environment: rules must be deterministic)',
  require: 'rules cannot load modules',
  load: 'rules cannot compile code at run time',
  loadstring: 'rules cannot compile code at run time',
  loadfile: 'rules cannot read files',
  dofile: 'rules cannot run files',
  debug: 'the debug library would break the sandbox',
  package: 'rules cannot load modules',
  collectgarbage: 'the garbage collector is managed by the engine',
  rawget: 'raw access would bypass the read-only library tables',
  rawset: 'raw access would bypass the read-only library tables',
  module: 'rules cannot define modules',
  setfenv: 'environments cannot be changed',
  getfenv: 'environments cannot be read',
  newproxy: 'not available',
  gcinfo: 'the garbage collector is managed by the engine',
  _ENV: 'the environment cannot be replaced or inspected',
};

/** Library members removed on purpose (`string.dump`, `math.random`, ...), with the reason. */
export const FORBIDDEN_LIBRARY_MEMBERS: Readonly<Record<string, string>> = {
  'string.dump': 'bytecode cannot be produced in rules',
  'string.pack': 'binary packing is not available in rules',
  'string.unpack': 'binary packing is not available in rules',
  'string.packsize': 'binary packing is not available in rules',
  'math.random': 'rules must be deterministic: results are cached by context',
  'math.randomseed': 'rules must be deterministic: results are cached by context',
};
