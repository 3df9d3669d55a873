import type { Chunk, Expression, Identifier, Node, Statement } from 'luaparse';
import { stringValue } from './parse';

export interface GlobalUse {
  name: string;
  node: Identifier;
  /** Local names visible at this point, for "did you mean" (computed only for the few reads reported). */
  visibleLocals(): string[];
}

export interface LibraryMemberUse {
  library: string;
  member: string;
  /** The member name as written (`format` in `string.format`). */
  node: Identifier;
  /** The whole `string.format`. */
  expr: Node;
}

export interface GlobalsAnalysis {
  /** Reads (and calls) of names that no local declares, in source order. */
  reads: GlobalUse[];
  /** Every global name the chunk assigns anywhere (`x = 1`, `function f() end`). */
  assigned: Set<string>;
  /** `string.format`, `math.random`, ... where the library name is the global one. */
  libraryMembers: LibraryMemberUse[];
}

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent: Scope | undefined) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
  visible(): string[] {
    const out = new Set<string>(this.names);
    for (let scope = this.parent; scope; scope = scope.parent) scope.names.forEach((n) => out.add(n));
    return [...out];
  }
}

/** Resolves every name of the chunk to a local or a global, the way Lua does. */
export function analyseGlobals(chunk: Chunk): GlobalsAnalysis {
  const result: GlobalsAnalysis = { reads: [], assigned: new Set(), libraryMembers: [] };
  let scope = new Scope(undefined);

  const inScope = (fn: () => void): void => {
    scope = new Scope(scope);
    try {
      fn();
    } finally {
      scope = scope.parent!;
    }
  };

  const block = (body: Statement[]): void => inScope(() => body.forEach(statement));

  const functionBody = (parameters: Array<Identifier | Node>, body: Statement[]): void =>
    inScope(() => {
      for (const parameter of parameters) if (parameter.type === 'Identifier') scope.names.add(parameter.name);
      body.forEach(statement);
    });

  const target = (node: Expression): void => {
    if (node.type === 'Identifier') {
      if (!scope.has(node.name)) result.assigned.add(node.name);
      return;
    }
    // `_G.helper = ...` and `_G["helper"] = ...` define the global `helper` too.
    if ((node.type === 'MemberExpression' || node.type === 'IndexExpression') && node.base.type === 'Identifier' && node.base.name === '_G' && !scope.has('_G')) {
      if (node.type === 'MemberExpression') result.assigned.add(node.identifier.name);
      else if (node.index.type === 'StringLiteral') {
        const name = stringValue(node.index);
        if (name !== undefined) result.assigned.add(name);
      }
    }
    expression(node);
  };

  const statement = (node: Statement): void => {
    switch (node.type) {
      case 'LocalStatement':
        node.init.forEach(expression);
        node.variables.forEach((v) => scope.names.add(v.name));
        break;
      case 'AssignmentStatement':
        node.init.forEach(expression);
        node.variables.forEach(target);
        break;
      case 'CallStatement':
        expression(node.expression);
        break;
      case 'FunctionDeclaration':
        if (node.identifier?.type === 'Identifier') {
          if (node.isLocal) scope.names.add(node.identifier.name);
          else target(node.identifier);
        } else if (node.identifier) expression(node.identifier.base);
        functionBody(node.identifier?.type === 'MemberExpression' && node.identifier.indexer === ':' ? [{ type: 'Identifier', name: 'self' } as Identifier, ...node.parameters] : node.parameters, node.body);
        break;
      case 'ReturnStatement':
        node.arguments.forEach(expression);
        break;
      case 'IfStatement':
        for (const clause of node.clauses) {
          if (clause.type !== 'ElseClause') expression(clause.condition);
          block(clause.body);
        }
        break;
      case 'WhileStatement':
        expression(node.condition);
        block(node.body);
        break;
      case 'RepeatStatement':
        // The `until` condition sees the body's locals.
        inScope(() => {
          node.body.forEach(statement);
          expression(node.condition);
        });
        break;
      case 'DoStatement':
        block(node.body);
        break;
      case 'ForNumericStatement':
        expression(node.start);
        expression(node.end);
        if (node.step) expression(node.step);
        inScope(() => {
          scope.names.add(node.variable.name);
          node.body.forEach(statement);
        });
        break;
      case 'ForGenericStatement':
        node.iterators.forEach(expression);
        inScope(() => {
          node.variables.forEach((v) => scope.names.add(v.name));
          node.body.forEach(statement);
        });
        break;
      case 'BreakStatement':
      case 'GotoStatement':
      case 'LabelStatement':
        break;
    }
  };

  const expression = (node: Expression): void => {
    switch (node.type) {
      case 'Identifier':
        if (!scope.has(node.name)) {
          const at = scope;
          result.reads.push({ name: node.name, node, visibleLocals: () => at.visible() });
        }
        break;
      case 'FunctionDeclaration':
        functionBody(node.parameters, node.body);
        break;
      case 'TableConstructorExpression':
        for (const field of node.fields) {
          if (field.type === 'TableKey') expression(field.key);
          expression(field.value);
        }
        break;
      case 'UnaryExpression':
        expression(node.argument);
        break;
      case 'BinaryExpression':
      case 'LogicalExpression':
        expression(node.left);
        expression(node.right);
        break;
      case 'MemberExpression':
        expression(node.base);
        if (node.indexer === '.' && node.base.type === 'Identifier' && !scope.has(node.base.name)) {
          result.libraryMembers.push({ library: node.base.name, member: node.identifier.name, node: node.identifier, expr: node });
        }
        break;
      case 'IndexExpression':
        expression(node.base);
        expression(node.index);
        break;
      case 'CallExpression':
        expression(node.base);
        node.arguments.forEach(expression);
        break;
      case 'StringCallExpression':
        expression(node.base);
        expression(node.argument);
        break;
      case 'TableCallExpression':
        expression(node.base);
        expression(node.arguments);
        break;
      default:
        break;
    }
  };

  chunk.body.forEach(statement);
  return result;
}
