import type { BinaryExpression, Expression, Node, UnaryExpression } from 'luaparse';
import { walkNodes } from '../ast-walk';
import type { Check, CheckContext } from '../check';
import { finding } from '../check';
import { nodeRange } from '../parse';
import type { Finding, Range } from '../types';
import { rangeContains } from '../types';

const BITWISE = new Set(['&', '|', '~', '<<', '>>']);

function contains(outer: Range, inner: Range): boolean {
  return rangeContains(outer, inner.start) && rangeContains(outer, inner.end);
}

/** True when the expression reads a context value: a field read the contract analysis saw, or a local holding one. */
function readsContext(ctx: CheckContext, expression: Expression): boolean {
  const range = nodeRange(expression);
  if (ctx.contract.contextReads.some((read) => contains(range, read.range))) return true;
  let found = false;
  walkNodes(expression, (node: Node) => {
    if (node.type === 'Identifier' && (node.name === 'context' || ctx.contract.contextAliases.has(node.name))) found = true;
  });
  return found;
}

export const bitwiseOnContext: Check = {
  id: 'bitwise-on-context',
  severity: 'warning',
  stage: 'ast',
  docs: {
    summary:
      'A bitwise operator (`&`, `|`, `~`, `<<`, `>>`) is applied to a value from the context. Rules hold integers exactly only up to 2^53 - 1: a context number beyond that is a float and the operator fails with "number has no integer representation", and a result beyond 2^53 is a float where a 64-bit Lua 5.3 has an integer. See docs/lua-conformance.md.',
    fix: 'Test flags with arithmetic on small numbers (`x // 4 % 2 == 1`), or have the caller send flags as booleans or as a number below 2^53.',
    example: 'if context.flags & 4 ~= 0 then',
  },
  run(ctx) {
    const findings: Finding[] = [];
    walkNodes(ctx.chunk, (node) => {
      if (node.type === 'BinaryExpression') {
        const binary = node as BinaryExpression;
        if (!BITWISE.has(binary.operator)) return;
        const side = [binary.left, binary.right].find((operand) => readsContext(ctx, operand));
        if (side) findings.push(finding(bitwiseOnContext, { range: nodeRange(binary), message: messageFor(binary.operator) }));
      } else if (node.type === 'UnaryExpression') {
        const unary = node as UnaryExpression;
        if (unary.operator === '~' && readsContext(ctx, unary.argument)) findings.push(finding(bitwiseOnContext, { range: nodeRange(unary), message: messageFor('~') }));
      }
    });
    return findings;
  },
};

function messageFor(operator: string): string {
  return `bitwise \`${operator}\` on a context value: integers are exact only up to 2^53 - 1 in rules, so a larger context number fails here ("no integer representation") or gives a float; use arithmetic on small numbers or booleans`;
}
