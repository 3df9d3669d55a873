import type {
  CallExpression,
  Chunk,
  Expression,
  FunctionDeclaration,
  Identifier,
  IndexExpression,
  MemberExpression,
  Node,
  Statement,
  StringCallExpression,
  TableCallExpression,
  TableConstructorExpression,
} from 'luaparse';
import type { ContextSchema, SchemaNode } from './context-schema';
import { nodeRange, stringValue } from './parse';
import type { Range } from './types';
import type { FieldInfo, ImplicitEnd, ReturnFact, TableShape, Value } from './values';
import { NEVER, UNKNOWN, alternatives, falsyPart, join, truthyPart, union } from './values';

/** One read of `context.<...>.name`, directly or through an alias. */
export interface ContextRead {
  /** The range of `name` as written. */
  range: Range;
  name: string;
  /** The path of the table read from (empty for `context` itself). */
  parentPath: string[];
  /** What the schema says about it; undefined when there is no schema. */
  lookup?: ReturnType<ContextSchema['property']>;
  /** The schema of the field, when known (for hover). */
  schema?: SchemaNode;
}

export interface ContractAnalysis {
  /** Every value the chunk can return, each with the expression that returns it. */
  returns: ReturnFact[];
  /** True when the analysis met something (goto) that makes "no return on this path" unreliable. */
  uncertain: boolean;
  contextReads: ContextRead[];
  /** Local names that hold `context` or a part of it, with the path (for completion). */
  contextAliases: Map<string, string[]>;
}

/** A variable: one per `local` declaration, one per global name. */
interface Binding {
  name: string;
  global: boolean;
}

/**
 * What is known about each variable on one path. Branches get a child state that
 * reads through to its parent (O(1) to fork, which matters in 1,000-line rules);
 * joining writes the merged values back into the state the branches forked from.
 */
class State {
  private readonly own = new Map<Binding, Value>();
  constructor(private readonly parent?: State) {}

  child(): State {
    return new State(this);
  }

  get(binding: Binding): Value | undefined {
    return this.own.get(binding) ?? this.parent?.get(binding);
  }

  has(binding: Binding): boolean {
    return this.get(binding) !== undefined;
  }

  set(binding: Binding, value: Value): void {
    this.own.set(binding, value);
  }

  /** Every visible variable with its current value. */
  entries(): Map<Binding, Value> {
    const out = this.parent ? this.parent.entries() : new Map<Binding, Value>();
    for (const [binding, value] of this.own) out.set(binding, value);
    return out;
  }

  /** Variables set in this state or its ancestors below `base`. */
  keysAbove(base: State): Set<Binding> {
    if (this === base) return new Set();
    const out = this.parent ? this.parent.keysAbove(base) : new Set<Binding>();
    for (const binding of this.own.keys()) out.add(binding);
    return out;
  }
}

/** The lexical scopes while walking: names to bindings. */
class Scope {
  private readonly names = new Map<string, Binding>();
  constructor(readonly parent: Scope | undefined) {}
  declare(name: string): Binding {
    const binding: Binding = { name, global: false };
    this.names.set(name, binding);
    return binding;
  }
  lookup(name: string): Binding | undefined {
    return this.names.get(name) ?? this.parent?.lookup(name);
  }
}

interface FunctionClosure {
  fn: FunctionDeclaration;
  name: string;
  scope: Scope;
}

/** Per function being analysed: where its returns go and which outer variables it assigns. */
interface Frame {
  facts: ReturnFact[];
  outerWrites: Set<Binding>;
  /** Variables declared inside this function (its own locals and parameters). */
  declared: Set<Binding>;
  loops: State[][];
}

const MAX_CALL_DEPTH = 8;
/** Calls analysed per chunk before further calls are treated as unknown (bounds the cost of huge rules). */
const MAX_CALL_ANALYSES = 2000;

const STRING_RESULT_FUNCTIONS = new Set(['tostring', 'type']);
const STRING_LIBRARY_STRING_RESULTS = new Set(['format', 'rep', 'sub', 'upper', 'lower', 'reverse', 'char', 'gsub']);
const STRING_LIBRARY_NUMBER_RESULTS = new Set(['len', 'byte']);
const MATH_NUMBER_RESULTS = new Set(['abs', 'ceil', 'floor', 'max', 'min', 'sqrt', 'exp', 'log', 'fmod', 'sin', 'cos', 'tan', 'deg', 'rad', 'acos', 'asin', 'atan']);

/**
 * Walks every path of a rule and works out what each path returns, following the
 * way rule authors write: functions of the chunk whose result is returned, locals
 * holding the table or a decision string, tables filled field by field,
 * `cond and "a" or "b"`, branches, loops, `error(...)`. Whatever it cannot follow
 * becomes `unknown`, about which the checks say nothing.
 */
export function analyseContract(chunk: Chunk, schema: ContextSchema | undefined): ContractAnalysis {
  return new ContractWalker(schema).run(chunk);
}

class ContractWalker {
  private nextTableId = 1;
  private readonly globals = new Map<string, Binding>();
  private readonly contextReads = new Map<string, ContextRead>();
  private readonly contextAliases = new Map<string, string[]>();
  private readonly analysed = new Set<FunctionDeclaration>();
  private readonly closures: Array<{ closure: FunctionClosure; state: State }> = [];
  private readonly callStack: FunctionDeclaration[] = [];
  private callAnalyses = 0;
  private uncertain = false;
  private frame!: Frame;
  private scope!: Scope;
  private readonly contextRoot: Value;

  constructor(private readonly schema: ContextSchema | undefined) {
    this.contextRoot = { kind: 'context', path: [], ...(schema ? { schema: schema.root } : {}) };
  }

  run(chunk: Chunk): ContractAnalysis {
    const state = new State();
    state.set(this.globalBinding('context'), this.contextRoot);
    this.scope = new Scope(undefined);
    this.frame = { facts: [], outerWrites: new Set(), declared: new Set(), loops: [] };
    const end = this.block(chunk.body, state);
    if (end) this.frame.facts.push({ value: { kind: 'nil', implicit: { range: chunkEndRange(chunk) } } });
    const returns = this.frame.facts;
    // Functions never called on an analysed path still get their context reads checked.
    for (let i = 0; i < this.closures.length; i++) {
      const { closure, state: defined } = this.closures[i]!;
      if (this.analysed.has(closure.fn)) continue;
      this.callFunction(closure, closure.fn.parameters.map(() => UNKNOWN), defined.child());
    }
    return { returns, uncertain: this.uncertain, contextReads: [...this.contextReads.values()], contextAliases: this.contextAliases };
  }

  private globalBinding(name: string): Binding {
    let binding = this.globals.get(name);
    if (!binding) {
      binding = { name, global: true };
      this.globals.set(name, binding);
    }
    return binding;
  }

  private resolve(name: string): Binding {
    return this.scope.lookup(name) ?? this.globalBinding(name);
  }

  private isGlobalName(node: Expression, name: string): boolean {
    return node.type === 'Identifier' && node.name === name && this.scope.lookup(name) === undefined;
  }

  // ---- statements -------------------------------------------------------

  /** Walks a block in a scope of its own; returns the state at its end, or null when no path gets there. */
  private block(body: Statement[], state: State): State | null {
    const outer = this.scope;
    this.scope = new Scope(outer);
    try {
      let current: State | null = state;
      for (const statement of body) {
        if (!current) break;
        current = this.statement(statement, current);
      }
      return current;
    } finally {
      this.scope = outer;
    }
  }

  private statement(node: Statement, state: State): State | null {
    switch (node.type) {
      case 'LocalStatement': {
        const values = this.expressionList(node.init, state, node.variables.length);
        if (values === null) return null;
        node.variables.forEach((variable, i) => {
          const binding = this.declare(variable.name);
          const value = values[i] ?? { kind: 'nil' };
          state.set(binding, value);
          this.noteAlias(variable.name, value);
        });
        return state;
      }
      case 'AssignmentStatement': {
        const values = this.expressionList(node.init, state, node.variables.length);
        if (values === null) return null;
        node.variables.forEach((target, i) => this.assign(target, values[i] ?? { kind: 'nil' }, state));
        return state;
      }
      case 'CallStatement': {
        const value = this.expression(node.expression, state);
        return value.kind === 'never' ? null : state;
      }
      case 'FunctionDeclaration': {
        if (node.isLocal && node.identifier?.type === 'Identifier') {
          const binding = this.declare(node.identifier.name);
          state.set(binding, this.functionValue(node, node.identifier.name, state));
        } else if (node.identifier) {
          const name = node.identifier.type === 'Identifier' ? node.identifier.name : memberName(node.identifier);
          this.assign(node.identifier, this.functionValue(node, name, state), state);
        }
        return state;
      }
      case 'ReturnStatement': {
        const [first, ...rest] = node.arguments;
        for (const extra of rest) this.expression(extra, state);
        if (!first) {
          this.frame.facts.push({ value: { kind: 'nil', node }, expr: node });
          return null;
        }
        const value = this.expression(first, state);
        if (value.kind !== 'never') this.frame.facts.push({ value, expr: first });
        return null;
      }
      case 'IfStatement': {
        const ends: State[] = [];
        let rest: State | null = state;
        let hasElse = false;
        for (const clause of node.clauses) {
          if (!rest) break;
          if (clause.type === 'ElseClause') {
            hasElse = true;
            const end = this.block(clause.body, rest.child());
            if (end) ends.push(end);
            rest = null;
            break;
          }
          const condition = this.expression(clause.condition, rest);
          if (condition.kind === 'never') {
            rest = null;
            break;
          }
          const truth = constantTruth(condition);
          if (truth !== false) {
            const end = this.block(clause.body, rest.child());
            if (end) ends.push(end);
          }
          if (truth === true) {
            rest = null;
            break;
          }
        }
        if (rest && !hasElse) ends.push(rest);
        return this.joinStates(state, ends);
      }
      case 'WhileStatement':
      case 'RepeatStatement': {
        const condition = node.type === 'WhileStatement' ? this.expression(node.condition, state) : UNKNOWN;
        this.frame.loops.push([]);
        const bodyEnd = this.block(node.body, state.child());
        if (node.type === 'RepeatStatement' && bodyEnd) this.expression(node.condition, bodyEnd);
        const breaks = this.frame.loops.pop()!;
        const truth = node.type === 'WhileStatement' ? constantTruth(condition) : repeatForever(node.condition);
        // `while true do ... end` only ends through break (or return).
        const ends = truth === true ? breaks : [state, ...(bodyEnd ? [bodyEnd] : []), ...breaks];
        return this.joinStates(state, ends);
      }
      case 'ForNumericStatement':
      case 'ForGenericStatement': {
        if (node.type === 'ForNumericStatement') {
          for (const part of [node.start, node.end, node.step]) if (part) this.expression(part, state);
        } else {
          for (const iterator of node.iterators) this.escape(this.expression(iterator, state), state);
        }
        const outer = this.scope;
        this.scope = new Scope(outer);
        const inner = state.child();
        const variables = node.type === 'ForNumericStatement' ? [node.variable] : node.variables;
        for (const variable of variables) inner.set(this.declare(variable.name), node.type === 'ForNumericStatement' ? { kind: 'number' } : UNKNOWN);
        this.frame.loops.push([]);
        const bodyEnd = this.block(node.body, inner);
        const breaks = this.frame.loops.pop()!;
        this.scope = outer;
        return this.joinStates(state, [state, ...(bodyEnd ? [bodyEnd] : []), ...breaks]);
      }
      case 'DoStatement':
        return this.block(node.body, state);
      case 'BreakStatement': {
        this.frame.loops[this.frame.loops.length - 1]?.push(state);
        return null;
      }
      case 'GotoStatement':
        this.uncertain = true;
        return null;
      case 'LabelStatement':
        this.uncertain = true;
        return state;
    }
  }

  /**
   * Joins the states of the paths that reach one point. Every end is `base` or
   * forked from it; the merged values are written into `base`, which carries on.
   */
  private joinStates(base: State, ends: State[]): State | null {
    if (ends.length === 0) return null;
    if (ends.length === 1 && ends[0] === base) return base;
    const keys = new Set<Binding>();
    for (const end of ends) if (end !== base) end.keysAbove(base).forEach((key) => keys.add(key));
    for (const key of keys) {
      let merged: Value | undefined;
      for (const end of ends) {
        const value = end.get(key) ?? { kind: 'nil' };
        merged = merged === undefined ? value : join(merged, value);
      }
      if (merged !== undefined) base.set(key, merged);
    }
    return base;
  }

  private assign(target: Identifier | MemberExpression | IndexExpression | Expression, value: Value, state: State): void {
    if (target.type === 'Identifier') {
      const binding = this.resolve(target.name);
      this.write(binding, value, state);
      this.noteAlias(target.name, value);
      return;
    }
    if (target.type === 'MemberExpression' || target.type === 'IndexExpression') {
      const key = target.type === 'MemberExpression' ? target.identifier.name : staticKey(target.index);
      if (target.type === 'IndexExpression') this.expression(target.index, state);
      const base = this.expression(target.base, state);
      if (base.kind === 'table') {
        this.escape(value, state);
        const shape = base.shape;
        const fields = new Map(shape.fields);
        let open = shape.open;
        if (key === undefined) open = true;
        else if (value.kind === 'nil') fields.delete(key); // `t.x = nil` removes the field
        else fields.set(key, { value, maybe: false, keyNode: target.type === 'MemberExpression' ? target.identifier : target.index });
        this.replaceShape(shape, { ...shape, fields, open }, state);
      } else {
        this.escape(value, state);
      }
    }
  }

  private write(binding: Binding, value: Value, state: State): void {
    state.set(binding, value);
    if (!this.isLocalToFrame(binding)) this.frame.outerWrites.add(binding);
  }

  /** True when the binding was declared inside the function being analysed. */
  private isLocalToFrame(binding: Binding): boolean {
    return this.frame.declared.has(binding);
  }

  private declare(name: string): Binding {
    const binding = this.scope.declare(name);
    this.frame.declared.add(binding);
    return binding;
  }

  /** A table changed: every variable holding it (aliases included) sees the new shape. */
  private replaceShape(old: TableShape, next: TableShape, state: State): void {
    for (const [binding, value] of state.entries()) {
      if (value.kind === 'table' && value.shape.id === old.id) this.write(binding, { ...value, shape: next }, state);
    }
  }

  /** The value leaves our sight (passed to a function, stored in another table): its tables may gain fields. */
  private escape(value: Value, state: State): void {
    for (const alt of alternatives(value)) {
      if (alt.value.kind === 'table' && !alt.value.shape.open) this.replaceShape(alt.value.shape, { ...alt.value.shape, open: true }, state);
    }
  }

  private noteAlias(name: string, value: Value): void {
    if (value.kind === 'context' && !this.contextAliases.has(name)) this.contextAliases.set(name, value.path);
  }

  // ---- expressions ------------------------------------------------------

  /** Values of an expression list assigned to `count` targets; the last call spreads into the rest. Null if a path ends. */
  private expressionList(expressions: Expression[], state: State, count: number): Value[] | null {
    const values: Value[] = [];
    for (const expression of expressions) {
      const value = this.expression(expression, state);
      if (value.kind === 'never') return null;
      values.push(value);
    }
    const last = expressions[expressions.length - 1];
    if (last && isCall(last)) while (values.length < count) values.push(UNKNOWN);
    return values;
  }

  private expression(node: Expression, state: State): Value {
    switch (node.type) {
      case 'NilLiteral':
        return { kind: 'nil', node };
      case 'BooleanLiteral':
        return { kind: 'boolean', value: node.value, node };
      case 'NumericLiteral':
        return { kind: 'number', value: node.value, node };
      case 'StringLiteral': {
        const value = stringValue(node);
        return value === undefined ? { kind: 'string', node } : { kind: 'string', value, node };
      }
      case 'VarargLiteral':
        return UNKNOWN;
      case 'FunctionDeclaration':
        return this.functionValue(node, 'function', state);
      case 'Identifier': {
        const binding = this.resolve(node.name);
        return state.get(binding) ?? UNKNOWN;
      }
      case 'TableConstructorExpression':
        return this.table(node, state);
      case 'UnaryExpression': {
        const argument = this.expression(node.argument, state);
        if (node.operator === 'not') return { kind: 'boolean', node };
        if (node.operator === '-' && argument.kind === 'number') return argument.value === undefined ? { kind: 'number', node } : { kind: 'number', value: -argument.value, node };
        if (node.operator === '#') return { kind: 'number', node };
        return UNKNOWN;
      }
      case 'BinaryExpression': {
        const left = this.expression(node.left, state);
        const right = this.expression(node.right, state);
        if (left.kind === 'never' || right.kind === 'never') return NEVER;
        if (node.operator === '..') return { kind: 'string', node };
        if (['==', '~=', '<', '<=', '>', '>='].includes(node.operator)) return { kind: 'boolean', node };
        if (left.kind === 'number' && right.kind === 'number' && left.value !== undefined && right.value !== undefined) {
          const folded = fold(node.operator, left.value, right.value);
          if (folded !== undefined) return { kind: 'number', value: folded, node };
        }
        // Arithmetic on a table with metamethods could return anything; on numbers, strings and
        // context values (built from JSON, never with metatables) it is a number or an error.
        const numeric = (v: Value): boolean => alternatives(v).every((alt) => ['number', 'string', 'context', 'nil', 'boolean'].includes(alt.value.kind));
        return numeric(left) && numeric(right) ? { kind: 'number', node } : UNKNOWN;
      }
      case 'LogicalExpression': {
        const left = this.expression(node.left, state);
        if (left.kind === 'never') return NEVER;
        const leftTruth = constantTruth(left);
        if (node.operator === 'and') {
          if (leftTruth === false) return left;
          const right = this.expression(node.right, state);
          return leftTruth === true ? right : union([right, falsyPart(left)]);
        }
        if (leftTruth === true) return left;
        const right = this.expression(node.right, state);
        return leftTruth === false ? right : union([truthyPart(left), right]);
      }
      case 'MemberExpression': {
        const base = this.expression(node.base, state);
        return this.field(base, node.identifier.name, node.identifier, node.indexer === ':');
      }
      case 'IndexExpression': {
        const base = this.expression(node.base, state);
        const index = this.expression(node.index, state);
        if (index.kind === 'string' && index.value !== undefined) return this.field(base, index.value, node.index, false);
        if (base.kind === 'context' && base.schema && this.schema && index.kind !== 'string') {
          const element = this.schema.element(base.schema);
          return { kind: 'context', path: [...base.path, '[]'], ...(element ? { schema: element } : {}) };
        }
        if (base.kind === 'context') return { kind: 'context', path: [...base.path, '[]'] };
        return UNKNOWN;
      }
      case 'CallExpression':
      case 'StringCallExpression':
      case 'TableCallExpression':
        return this.call(node, state);
    }
  }

  private table(node: TableConstructorExpression, state: State): Value {
    const fields = new Map<string, FieldInfo>();
    let open = false;
    for (const field of node.fields) {
      if (field.type === 'TableKeyString') {
        const value = this.expression(field.value, state);
        this.escape(value, state);
        fields.set(field.key.name, { value, keyNode: field.key, maybe: false });
      } else if (field.type === 'TableKey') {
        const key = this.expression(field.key, state);
        const value = this.expression(field.value, state);
        this.escape(value, state);
        if (key.kind === 'string' && key.value !== undefined) fields.set(key.value, { value, keyNode: field.key, maybe: false });
        else if (key.kind !== 'number') open = true;
      } else {
        const value = this.expression(field.value, state);
        this.escape(value, state);
        // `{ f() }` or `{ ... }` can spread anything in; plain positional values add only numeric keys.
        if (isCall(field.value) || field.value.type === 'VarargLiteral') open = true;
      }
    }
    return { kind: 'table', shape: { id: this.nextTableId++, fields, open, constructorNode: node }, node };
  }

  /** Reads `base.name`. */
  private field(base: Value, name: string, nameNode: Node, isMethod: boolean): Value {
    if (base.kind === 'context' && !isMethod) return this.contextField(base, name, nameNode);
    if (base.kind === 'table') {
      const field = base.shape.fields.get(name);
      if (field && !field.maybe) return field.value;
      return UNKNOWN;
    }
    if (base.kind === 'union' || base.kind === 'returns') {
      // `ctx.metrics or {}`: the context parts carry on as context, the rest is unknown.
      const contextParts = alternatives(base).filter((alt) => alt.value.kind === 'context');
      if (contextParts.length > 0) return union(contextParts.map((alt) => this.field(alt.value, name, nameNode, isMethod)));
    }
    return UNKNOWN;
  }

  private contextField(base: Extract<Value, { kind: 'context' }>, name: string, nameNode: Node): Value {
    const path = [...base.path, name];
    if (!this.schema || !base.schema) {
      this.recordRead({ range: nodeRange(nameNode), name, parentPath: base.path });
      return { kind: 'context', path, node: nameNode };
    }
    const lookup = this.schema.property(base.schema, name);
    const schema = lookup.kind === 'known' ? lookup.schema : undefined;
    this.recordRead({ range: nodeRange(nameNode), name, parentPath: base.path, lookup, ...(schema ? { schema } : {}) });
    return { kind: 'context', path, node: nameNode, ...(schema ? { schema } : {}) };
  }

  private recordRead(read: ContextRead): void {
    const key = `${read.range.start.line}:${read.range.start.character}:${read.parentPath.join('.')}`;
    if (!this.contextReads.has(key)) this.contextReads.set(key, read);
  }

  private functionValue(fn: FunctionDeclaration, name: string, state: State): Value {
    const closure: FunctionClosure = { fn, name, scope: this.scope };
    this.closures.push({ closure, state });
    return { kind: 'function', fn, name, closure };
  }

  private call(node: CallExpression | StringCallExpression | TableCallExpression, state: State): Value {
    const args: Expression[] = node.type === 'CallExpression' ? node.arguments : node.type === 'StringCallExpression' ? [node.argument] : [node.arguments];
    const callee = node.base;
    const calleeValue = this.expression(callee, state);
    const argValues: Value[] = [];
    for (const arg of args) {
      const value = this.expression(arg, state);
      if (value.kind === 'never') return NEVER;
      argValues.push(value);
    }
    if (this.isGlobalName(callee, 'error')) return NEVER;
    if (this.isGlobalName(callee, 'assert') && argValues[0] && constantTruth(argValues[0]) === false) return NEVER;
    if (calleeValue.kind === 'function') {
      const closure = calleeValue.closure as FunctionClosure;
      // A method call `obj:f(...)` passes obj first.
      const passed = callee.type === 'MemberExpression' && callee.indexer === ':' ? [this.expression(callee.base, state), ...argValues] : argValues;
      return this.callFunction(closure, passed, state);
    }
    for (const value of argValues) this.escape(value, state);
    return builtinResult(node, callee, (n, name) => this.isGlobalName(n, name));
  }

  /** Analyses one call of a function of the chunk with the given arguments; its result keeps its return sites. */
  private callFunction(closure: FunctionClosure, args: Value[], state: State): Value {
    const { fn } = closure;
    this.analysed.add(fn);
    if (this.callStack.includes(fn) || this.callStack.length >= MAX_CALL_DEPTH || this.callAnalyses >= MAX_CALL_ANALYSES) {
      for (const value of args) this.escape(value, state);
      return UNKNOWN;
    }
    this.callAnalyses++;
    const savedFrame = this.frame;
    const savedScope = this.scope;
    this.scope = new Scope(closure.scope);
    const frame: Frame = { facts: [], outerWrites: new Set(), declared: new Set(), loops: [] };
    this.frame = frame;
    this.callStack.push(fn);
    const inner = state.child();
    try {
      fn.parameters.forEach((parameter, i) => {
        if (parameter.type !== 'Identifier') return;
        const value = args[i] ?? { kind: 'nil' };
        inner.set(this.declare(parameter.name), value);
        this.noteAlias(parameter.name, value);
      });
      const end = this.block(fn.body, inner);
      if (end) frame.facts.push({ value: { kind: 'nil', implicit: functionEnd(fn, closure.name) } });
    } finally {
      this.callStack.pop();
      this.frame = savedFrame;
      this.scope = savedScope;
    }
    // What the function assigned outside itself is no longer known to the caller.
    for (const binding of frame.outerWrites) {
      if (state.has(binding) || binding.global) state.set(binding, UNKNOWN);
      if (!this.isLocalToFrame(binding)) this.frame.outerWrites.add(binding);
    }
    // Tables passed in may have been filled by the function.
    for (const value of args) this.escape(value, state);
    // A function every path of which raises an error (`local function fail(m) error(m) end`) ends the caller's path too.
    if (frame.facts.length === 0) return NEVER;
    return { kind: 'returns', facts: frame.facts };
  }
}

function isCall(node: Expression): boolean {
  return node.type === 'CallExpression' || node.type === 'StringCallExpression' || node.type === 'TableCallExpression';
}

function staticKey(node: Expression): string | undefined {
  return node.type === 'StringLiteral' ? stringValue(node) : undefined;
}

function memberName(node: MemberExpression): string {
  const base = node.base.type === 'Identifier' ? node.base.name : node.base.type === 'MemberExpression' ? memberName(node.base) : '?';
  return `${base}${node.indexer}${node.identifier.name}`;
}

/** true / false when the value's truth is certain, undefined when not. */
function constantTruth(value: Value): boolean | undefined {
  switch (value.kind) {
    case 'nil':
      return false;
    case 'boolean':
      return value.value;
    case 'string':
    case 'number':
    case 'table':
    case 'function':
      return true;
    default:
      return undefined;
  }
}

function repeatForever(condition: Expression): boolean | undefined {
  if (condition.type === 'BooleanLiteral' && condition.value === false) return true;
  if (condition.type === 'NilLiteral') return true;
  return undefined;
}

function fold(operator: string, a: number, b: number): number | undefined {
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? undefined : a / b;
    default:
      return undefined;
  }
}

/** What a call of a library function returns, as far as its type goes. */
function builtinResult(node: Node, callee: Expression, isGlobal: (node: Expression, name: string) => boolean): Value {
  if (callee.type === 'Identifier') {
    if (STRING_RESULT_FUNCTIONS.has(callee.name) && isGlobal(callee, callee.name)) return { kind: 'string', node };
    return UNKNOWN;
  }
  if (callee.type === 'MemberExpression' && callee.base.type === 'Identifier') {
    const member = callee.identifier.name;
    if (callee.indexer === '.' && isGlobal(callee.base, 'string')) {
      if (STRING_LIBRARY_STRING_RESULTS.has(member)) return { kind: 'string', node };
      if (STRING_LIBRARY_NUMBER_RESULTS.has(member)) return { kind: 'number', node };
    }
    if (callee.indexer === '.' && isGlobal(callee.base, 'math') && MATH_NUMBER_RESULTS.has(member)) return { kind: 'number', node };
    if (callee.indexer === '.' && isGlobal(callee.base, 'table') && member === 'concat') return { kind: 'string', node };
  }
  return UNKNOWN;
}

/** Where a function can end without returning: its closing `end`. */
function functionEnd(fn: FunctionDeclaration, name: string): ImplicitEnd {
  const range = nodeRange(fn);
  return { range: { start: { line: range.end.line, character: Math.max(0, range.end.character - 3) }, end: range.end }, functionName: name };
}

/** Where the chunk can end without returning: its last statement (or the start of an empty file). */
function chunkEndRange(chunk: Chunk): Range {
  const last = chunk.body[chunk.body.length - 1];
  if (!last) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const range = nodeRange(last);
  return { start: { line: range.end.line, character: range.start.line === range.end.line ? range.start.character : 0 }, end: range.end };
}

export type { ReturnFact, Value } from './values';
