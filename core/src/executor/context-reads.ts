import type * as Luaparse from 'luaparse';
import type { Chunk, Expression, FunctionDeclaration, Identifier, Node, Statement } from 'luaparse';
import { PROVIDED_GLOBALS } from './sandbox-globals';

/**
 * The part of a context a rule can observe, as a tree of paths (issue 16).
 * A node marked `full` is observed whole (iterated, compared, passed to a function,
 * returned ...); otherwise only its named children are, plus what it is (absent, a
 * table, or which scalar). `null` from `analyseContextReads` means the whole context.
 *
 * Two things use it and both rely on the same claim, "a rule's behaviour depends only
 * on the context pruned to this tree": the executor converts only the pruned context
 * into Lua tables (push-context.ts), and the engine keys its result cache by the
 * pruned context (engine/context-key.ts), so contexts that differ only in unread
 * fields share an entry. test/core/context-reads.test.ts checks the claim with
 * fast-check on rules written to defeat it.
 */
export interface ReadTree {
  full: boolean;
  children: Map<string, ReadTree>;
  /** `children` as an array, filled once the tree is complete: the walks on every evaluation and cache key iterate it without allocating. */
  fields: [string, ReadTree][];
  /**
   * `fields`' names as Lua strings of one state, with the InternedKeys that made them
   * (push-context.ts fills it on the node's first conversion; opaque here).
   */
  luaNames?: { owner: object; names: unknown[] };
}

function newNode(): ReadTree {
  // luaNames present from the start: one object shape for every node, filled or not.
  return { full: false, children: new Map(), fields: [], luaNames: undefined };
}

/** Fills `fields` of every node of a finished tree. */
function seal(tree: ReadTree): ReadTree {
  tree.fields = [...tree.children];
  for (const child of tree.children.values()) seal(child);
  return tree;
}

type Path = readonly string[];
type Mode = 'full' | 'test' | { alias: Path };

interface Binding {
  name: string;
  global: boolean;
  /** Assignments to the name (`x = ...`), besides its declaration. */
  assigned: number;
  /** Function definitions bound to the name (`local function f`, `function f`, `local f = function`). */
  definitions: number;
  fn?: FunctionDeclaration;
  /** Uses of the name other than as the callee of a plain call `f(...)`. */
  valueUses: number;
  /** For a local declared `local x = e`: e (a candidate alias of a context path). */
  init?: Expression;
}

/** A table key as a plain field name: `.name` or `["name"]` / `['name']`. */
const FIELD_NAME = /^(["'])([A-Za-z_][A-Za-z0-9_]*)\1$/;
/** Names that reach the environment itself, and through it `context` by any computed name. */
const ENVIRONMENT_NAMES = new Set(['_G', '_ENV']);
const ENVIRONMENT_MENTION = /\b_(?:G|ENV)\b/;
const PROVIDED = new Set<string>(PROVIDED_GLOBALS);
/** Rounds of alias propagation through function parameters; what is not settled by then stays untracked (still sound). */
const MAX_ROUNDS = 6;

class WholeContext extends Error {}

/**
 * Works out which paths of `context` a rule's source can observe. Sound by
 * construction, not by guessing: a context value is followed only through field
 * reads with constant names (`ctx.metrics.wsjf_score`), locals and parameters that
 * are never reassigned, and `or`/`and`; wherever it flows anywhere else (a call, an
 * operator, a table, a return, iteration, `#`, a dynamic index) the whole subtree at
 * that point is counted as read. `_G`/`_ENV`, or the root itself escaping, give
 * null: the whole context. Returns null too when luaparse does not parse the source.
 */
export function analyseContextReads(source: string): ReadTree | null {
  // Any mention at all, even in a string or a comment: a local named _ENV turns every
  // global name into a computed read of whatever it holds.
  if (ENVIRONMENT_MENTION.test(source)) return null;
  let chunk: Chunk;
  try {
    chunk = parser().parse(source, { luaVersion: '5.3', locations: false, ranges: false, comments: false, encodingMode: 'none', scope: false });
  } catch {
    return null;
  }
  try {
    return new ReadAnalysis().run(chunk);
  } catch {
    // WholeContext, a RangeError from a deeply nested rule, or a bug of ours: all mean
    // "convert and key the whole context", which is always correct, never a failed evaluation.
    return null;
  }
}

let luaparse: typeof Luaparse | undefined;
/** Loaded on first use: most CLI commands never run a rule twice and should not pay for the parser. */
function parser(): typeof Luaparse {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  luaparse ??= require('luaparse') as typeof Luaparse;
  return luaparse;
}

class Scope {
  private readonly names = new Map<string, Binding>();
  constructor(readonly parent: Scope | undefined) {}
  declare(name: string): Binding {
    const binding: Binding = { name, global: false, assigned: 0, definitions: 0, valueUses: 0 };
    this.names.set(name, binding);
    return binding;
  }
  lookup(name: string): Binding | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
}

interface CallSite {
  callee: Binding;
  args: Expression[];
}

class ReadAnalysis {
  private readonly bindingOf = new Map<Identifier, Binding>();
  private readonly globals = new Map<string, Binding>();
  private readonly params = new Map<FunctionDeclaration, Binding[]>();
  private readonly locals: Binding[] = [];
  private readonly calls: CallSite[] = [];
  private readonly alias = new Map<Binding, Path>();
  private readonly root: ReadTree = newNode();
  private scope = new Scope(undefined);

  run(chunk: Chunk): ReadTree | null {
    this.block(chunk.body);
    this.settleAliases();
    for (const statement of chunk.body) this.statement(statement);
    return this.root.full ? null : seal(this.root);
  }

  // ---- pass 1: bind every name, count how each is used ------------------

  private global(name: string): Binding {
    let binding = this.globals.get(name);
    if (!binding) {
      binding = { name, global: true, assigned: 0, definitions: 0, valueUses: 0 };
      this.globals.set(name, binding);
    }
    return binding;
  }

  private bind(id: Identifier): Binding {
    if (ENVIRONMENT_NAMES.has(id.name)) throw new WholeContext();
    const binding = this.scope.lookup(id.name) ?? this.global(id.name);
    this.bindingOf.set(id, binding);
    return binding;
  }

  private block(body: Statement[]): void {
    const outer = this.scope;
    this.scope = new Scope(outer);
    for (const statement of body) this.bindStatement(statement);
    this.scope = outer;
  }

  private bindStatement(s: Statement): void {
    switch (s.type) {
      case 'LocalStatement': {
        for (const init of s.init) this.bindExpression(init);
        s.variables.forEach((v, i) => {
          const binding = this.scope.declare(v.name);
          this.bindingOf.set(v, binding);
          const init = s.init[i];
          // The last initialiser of a longer list may be a call spreading values: only positional ones alias.
          if (init && !(i === s.init.length - 1 && s.variables.length > s.init.length)) {
            binding.init = init;
            this.locals.push(binding);
            if (init.type === 'FunctionDeclaration') {
              binding.definitions++;
              binding.fn = init;
            }
          }
        });
        return;
      }
      case 'AssignmentStatement':
        for (const init of s.init) this.bindExpression(init);
        for (const target of s.variables) {
          if (target.type === 'Identifier') this.bind(target).assigned++;
          else this.bindExpression(target);
        }
        return;
      case 'FunctionDeclaration':
        if (s.identifier?.type === 'Identifier') {
          const binding = s.isLocal ? this.scope.declare(s.identifier.name) : this.bind(s.identifier);
          this.bindingOf.set(s.identifier, binding);
          binding.definitions++;
          binding.fn = s;
        } else if (s.identifier) this.bindExpression(s.identifier);
        this.bindFunction(s);
        return;
      case 'CallStatement':
        this.bindExpression(s.expression);
        return;
      case 'ReturnStatement':
        for (const e of s.arguments) this.bindExpression(e);
        return;
      case 'IfStatement':
        for (const clause of s.clauses) {
          if (clause.type !== 'ElseClause') this.bindExpression(clause.condition);
          this.block(clause.body);
        }
        return;
      case 'WhileStatement':
        this.bindExpression(s.condition);
        this.block(s.body);
        return;
      case 'RepeatStatement': {
        // `until` sees the body's locals.
        const outer = this.scope;
        this.scope = new Scope(outer);
        for (const statement of s.body) this.bindStatement(statement);
        this.bindExpression(s.condition);
        this.scope = outer;
        return;
      }
      case 'DoStatement':
        this.block(s.body);
        return;
      case 'ForNumericStatement': {
        this.bindExpression(s.start);
        this.bindExpression(s.end);
        if (s.step) this.bindExpression(s.step);
        const outer = this.scope;
        this.scope = new Scope(outer);
        this.bindingOf.set(s.variable, this.scope.declare(s.variable.name));
        this.block(s.body);
        this.scope = outer;
        return;
      }
      case 'ForGenericStatement': {
        for (const e of s.iterators) this.bindExpression(e);
        const outer = this.scope;
        this.scope = new Scope(outer);
        for (const v of s.variables) this.bindingOf.set(v, this.scope.declare(v.name));
        this.block(s.body);
        this.scope = outer;
        return;
      }
      default:
        return; // break, goto, labels
    }
  }

  private bindFunction(fn: FunctionDeclaration): void {
    const outer = this.scope;
    this.scope = new Scope(outer);
    const params: Binding[] = [];
    for (const p of fn.parameters) {
      if (p.type !== 'Identifier') continue;
      const binding = this.scope.declare(p.name);
      this.bindingOf.set(p, binding);
      params.push(binding);
    }
    this.params.set(fn, params);
    this.block(fn.body);
    this.scope = outer;
  }

  private bindExpression(e: Expression): void {
    switch (e.type) {
      case 'Identifier':
        this.bind(e).valueUses++;
        return;
      case 'MemberExpression':
        this.bindExpression(e.base);
        return;
      case 'IndexExpression':
        this.bindExpression(e.base);
        this.bindExpression(e.index);
        return;
      case 'CallExpression':
        if (e.base.type === 'Identifier') {
          const callee = this.bind(e.base);
          this.calls.push({ callee, args: e.arguments });
        } else this.bindExpression(e.base);
        for (const a of e.arguments) this.bindExpression(a);
        return;
      case 'StringCallExpression':
        this.bindExpression(e.base);
        this.bindExpression(e.argument);
        return;
      case 'TableCallExpression':
        this.bindExpression(e.base);
        this.bindExpression(e.arguments);
        return;
      case 'TableConstructorExpression':
        for (const field of e.fields) {
          if (field.type === 'TableKey') this.bindExpression(field.key);
          this.bindExpression(field.value);
        }
        return;
      case 'BinaryExpression':
      case 'LogicalExpression':
        this.bindExpression(e.left);
        this.bindExpression(e.right);
        return;
      case 'UnaryExpression':
        this.bindExpression(e.argument);
        return;
      case 'FunctionDeclaration':
        this.bindFunction(e);
        return;
      default:
        return; // literals, `...`
    }
  }

  // ---- pass 2: which locals and parameters hold one context path --------

  /** The function a name denotes when it is only ever called by that name: its parameters can alias. */
  private callable(binding: Binding): FunctionDeclaration | undefined {
    if (binding.definitions !== 1 || binding.assigned !== 0 || binding.valueUses !== 0 || !binding.fn) return undefined;
    if (binding.global && PROVIDED.has(binding.name)) return undefined;
    return binding.fn;
  }

  /** `type` as the sandbox provides it: the rule neither defines nor assigns the name. */
  private isSandboxType(binding: Binding): boolean {
    return binding.global && binding.name === 'type' && binding.assigned === 0 && binding.definitions === 0;
  }

  private settleAliases(): void {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const next = new Map<Binding, Path>();
      for (const local of this.locals) {
        if (local.assigned !== 0 || !local.init) continue;
        const path = this.pathOf(local.init);
        if (path) next.set(local, path);
      }
      const passed = new Map<Binding, Path | 'conflict'>();
      for (const call of this.calls) {
        const fn = this.callable(call.callee);
        if (!fn) continue;
        const params = this.params.get(fn) ?? [];
        params.forEach((param, i) => {
          const arg = call.args[i];
          const path = arg ? this.pathOf(arg) : undefined;
          if (!path) return;
          const seen = passed.get(param);
          passed.set(param, seen === undefined ? path : seen !== 'conflict' && samePath(seen, path) ? seen : 'conflict');
        });
      }
      for (const [param, path] of passed) if (path !== 'conflict' && param.assigned === 0) next.set(param, path);
      const stable = next.size === this.alias.size && [...next].every(([b, p]) => { const q = this.alias.get(b); return q !== undefined && samePath(p, q); });
      this.alias.clear();
      for (const [b, p] of next) this.alias.set(b, p);
      if (stable) return;
    }
  }

  /** The context path an expression's value is (or a value of no concern: undefined). */
  private pathOf(e: Expression): Path | undefined {
    switch (e.type) {
      case 'Identifier': {
        const binding = this.bindingOf.get(e);
        if (!binding) return undefined;
        if (binding.global && binding.name === 'context') return [];
        return this.alias.get(binding);
      }
      case 'MemberExpression': {
        if (e.indexer !== '.') return undefined;
        const base = this.pathOf(e.base);
        return base ? [...base, e.identifier.name] : undefined;
      }
      case 'IndexExpression': {
        const name = fieldName(e.index);
        if (name === undefined) return undefined;
        const base = this.pathOf(e.base);
        return base ? [...base, name] : undefined;
      }
      case 'LogicalExpression': {
        const right = this.pathOf(e.right);
        if (e.operator === 'and') return right;
        const left = this.pathOf(e.left);
        if (left && right) return samePath(left, right) ? left : undefined;
        return left ?? right;
      }
      default:
        return undefined;
    }
  }

  // ---- pass 3: record what is read, and how ------------------------------

  private read(path: Path, full: boolean): void {
    let node = this.root;
    if (node.full) return;
    for (const name of path) {
      let child = node.children.get(name);
      if (!child) {
        child = newNode();
        node.children.set(name, child);
      }
      node = child;
      if (node.full) return;
    }
    if (full) {
      node.full = true;
      node.children.clear();
      if (node === this.root) throw new WholeContext();
    }
  }

  private statements(body: Statement[]): void {
    for (const s of body) this.statement(s);
  }

  private statement(s: Statement): void {
    switch (s.type) {
      case 'LocalStatement':
        s.init.forEach((init, i) => {
          const variable = s.variables[i];
          const binding = variable ? this.bindingOf.get(variable) : undefined;
          const path = binding ? this.alias.get(binding) : undefined;
          this.use(init, path && binding?.init === init ? { alias: path } : 'full');
        });
        return;
      case 'AssignmentStatement':
        for (const target of s.variables) {
          if (target.type === 'MemberExpression') this.use(target.base, 'full');
          else if (target.type === 'IndexExpression') {
            this.use(target.base, 'full');
            this.use(target.index, 'full');
          }
        }
        for (const init of s.init) this.use(init, 'full');
        return;
      case 'FunctionDeclaration':
        if (s.identifier && s.identifier.type !== 'Identifier') this.use(s.identifier.base, 'full');
        this.statements(s.body);
        return;
      case 'CallStatement':
        this.use(s.expression, 'full');
        return;
      case 'ReturnStatement':
        for (const e of s.arguments) this.use(e, 'full');
        return;
      case 'IfStatement':
        for (const clause of s.clauses) {
          if (clause.type !== 'ElseClause') this.use(clause.condition, 'test');
          this.statements(clause.body);
        }
        return;
      case 'WhileStatement':
      case 'RepeatStatement':
        this.use(s.condition, 'test');
        this.statements(s.body);
        return;
      case 'DoStatement':
        this.statements(s.body);
        return;
      case 'ForNumericStatement':
        this.use(s.start, 'full');
        this.use(s.end, 'full');
        if (s.step) this.use(s.step, 'full');
        this.statements(s.body);
        return;
      case 'ForGenericStatement':
        for (const e of s.iterators) this.use(e, 'full');
        this.statements(s.body);
        return;
      default:
        return;
    }
  }

  /**
   * Records what evaluating `e` reads. `full`: its value is used in any way we do not
   * follow; `test`: only its truth is; `alias`: it flows into a local or parameter
   * that holds that path (anything else flowing there is used in full).
   */
  private use(e: Expression, mode: Mode): void {
    const tracked = typeof mode === 'object' ? (p: Path | undefined) => p !== undefined && samePath(p, mode.alias) : () => false;
    switch (e.type) {
      case 'Identifier': {
        const path = this.pathOf(e);
        if (!path) return;
        if (mode === 'test') this.read(path, false);
        else if (mode === 'full' || !tracked(path)) this.read(path, true);
        return;
      }
      case 'MemberExpression':
      case 'IndexExpression': {
        const path = this.pathOf(e);
        if (path) {
          // Evaluating a field read can fail on what lies on its way (indexing a number):
          // the walk to it is always part of the key, even when the value is not used.
          this.read(path, mode === 'full' || (typeof mode === 'object' && !tracked(path)));
          return;
        }
        this.use(e.base, 'full');
        if (e.type === 'IndexExpression') this.use(e.index, 'full');
        return;
      }
      case 'LogicalExpression': {
        if (mode === 'full') {
          this.use(e.left, 'full');
          this.use(e.right, 'full');
        } else if (mode === 'test') {
          this.use(e.left, 'test');
          this.use(e.right, 'test');
        } else if (e.operator === 'and') {
          this.use(e.left, 'test');
          this.use(e.right, mode);
        } else {
          this.use(e.left, tracked(this.pathOf(e.left)) ? 'test' : 'full');
          this.use(e.right, mode);
        }
        return;
      }
      case 'UnaryExpression':
        this.use(e.argument, e.operator === 'not' ? 'test' : 'full');
        return;
      case 'BinaryExpression':
        this.use(e.left, 'full');
        this.use(e.right, 'full');
        return;
      case 'CallExpression': {
        const callee = e.base.type === 'Identifier' ? this.bindingOf.get(e.base) : undefined;
        if (callee && this.isSandboxType(callee) && e.arguments.length === 1) {
          // type(x) sees only what x is, which the walk to x records: not a read of all of x.
          this.use(e.arguments[0] as Expression, 'test');
          return;
        }
        const fn = callee ? this.callable(callee) : undefined;
        if (!fn) this.use(e.base, 'full');
        const params = fn ? (this.params.get(fn) ?? []) : [];
        e.arguments.forEach((arg, i) => {
          const param = params[i];
          const path = param ? this.alias.get(param) : undefined;
          this.use(arg, path ? { alias: path } : 'full');
        });
        return;
      }
      case 'StringCallExpression':
        this.use(e.base, 'full');
        return;
      case 'TableCallExpression':
        this.use(e.base, 'full');
        this.use(e.arguments, 'full');
        return;
      case 'TableConstructorExpression':
        for (const field of e.fields) {
          if (field.type === 'TableKey') this.use(field.key, 'full');
          this.use(field.value, 'full');
        }
        return;
      case 'FunctionDeclaration':
        this.statements(e.body);
        return;
      default:
        return;
    }
  }
}

function fieldName(index: Node): string | undefined {
  if (index.type !== 'StringLiteral') return undefined;
  const match = FIELD_NAME.exec((index as { raw: string }).raw);
  return match ? match[2] : undefined;
}

function samePath(a: Path, b: Path): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/** The tree of paths read by a pattern rule (metric and regex fields), each in full. */
export function readTreeOf(paths: readonly (readonly string[])[]): ReadTree | null {
  const root = newNode();
  for (const path of paths) {
    if (path.length === 0) return null;
    let node = root;
    for (const name of path) {
      if (node.full) break;
      let child = node.children.get(name);
      if (!child) {
        child = newNode();
        node.children.set(name, child);
      }
      node = child;
    }
    node.full = true;
    node.children.clear();
  }
  return seal(root);
}
