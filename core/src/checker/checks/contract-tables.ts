import type { Node } from 'luaparse';
import { nodeRange } from '../parse';
import type { Range } from '../types';
import type { ReturnFact, TableShape, Value } from '../values';
import { alternatives } from '../values';
import type { CheckContext } from '../check';

/** The three fields of the rule contract, in the order they are written. */
export const CONTRACT_FIELDS = ['decision', 'confidence', 'reasoning'] as const;
export type ContractField = (typeof CONTRACT_FIELDS)[number];

export interface ReturnedTable {
  shape: TableShape;
  /** The expression after `return` (for ranges). */
  expr?: Node;
}

/** Every table the rule can return, each once. */
export function returnedTables(ctx: CheckContext): ReturnedTable[] {
  const seen = new Set<TableShape>();
  const out: ReturnedTable[] = [];
  for (const fact of ctx.contract.returns.flatMap((f) => alternatives(f.value, f.expr))) {
    if (fact.value.kind !== 'table' || seen.has(fact.value.shape)) continue;
    seen.add(fact.value.shape);
    out.push({ shape: fact.value.shape, ...(fact.expr ? { expr: fact.expr } : {}) });
  }
  return out;
}

/** The single values a field can hold, each with the node that wrote it (when the analysis knows). */
export function fieldValues(shape: TableShape, field: string): Array<{ value: Value; node?: Node }> {
  const info = shape.fields.get(field);
  if (!info) return [];
  return alternatives(info.value).map((fact: ReturnFact) => {
    const node = 'node' in fact.value ? fact.value.node : undefined;
    return node ? { value: fact.value, node } : { value: fact.value };
  });
}

/** The first line of a node's range: a multi-line table is underlined on its first line only. */
export function firstLine(node: Node, source: string): Range {
  const range = nodeRange(node);
  if (range.start.line === range.end.line) return range;
  const lineText = source.split(/\r?\n/)[range.start.line] ?? '';
  return { start: range.start, end: { line: range.start.line, character: lineText.trimEnd().length } };
}

/** A Lua type name with its article, for messages. */
export function aType(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
