import type { Chunk, FunctionDeclaration, Statement } from 'luaparse';
import { nodeRange } from './parse';
import type { Range } from './types';

export interface RuleSymbol {
  name: string;
  kind: 'function' | 'variable' | 'return';
  range: Range;
  selectionRange: Range;
  children: RuleSymbol[];
}

/** The outline of a rule: its functions (with nested ones), top-level locals and the chunk's returns. */
export function documentSymbols(chunk: Chunk): RuleSymbol[] {
  return statements(chunk.body, true);
}

function statements(body: Statement[], topLevel: boolean): RuleSymbol[] {
  const out: RuleSymbol[] = [];
  for (const statement of body) {
    if (statement.type === 'FunctionDeclaration' && statement.identifier) {
      const id = statement.identifier;
      const name = id.type === 'Identifier' ? id.name : `${id.base.type === 'Identifier' ? id.base.name : '?'}${id.indexer}${id.identifier.name}`;
      out.push(functionSymbol(name, statement, nodeRange(id)));
    } else if (statement.type === 'LocalStatement') {
      statement.variables.forEach((variable, i) => {
        const init = statement.init[i];
        if (init?.type === 'FunctionDeclaration') out.push(functionSymbol(variable.name, init, nodeRange(variable)));
        else if (topLevel) out.push({ name: variable.name, kind: 'variable', range: nodeRange(statement), selectionRange: nodeRange(variable), children: [] });
      });
    } else if (statement.type === 'ReturnStatement' && topLevel) {
      out.push({ name: 'return', kind: 'return', range: nodeRange(statement), selectionRange: nodeRange(statement), children: [] });
    }
  }
  return out;
}

function functionSymbol(name: string, fn: FunctionDeclaration, selectionRange: Range): RuleSymbol {
  const range = nodeRange(fn);
  return { name, kind: 'function', range, selectionRange: containedIn(selectionRange, range), children: statements(fn.body, false) };
}

/** LSP requires the selection range inside the full range. */
function containedIn(inner: Range, outer: Range): Range {
  const before = inner.start.line < outer.start.line || (inner.start.line === outer.start.line && inner.start.character < outer.start.character);
  return before ? outer : inner;
}
