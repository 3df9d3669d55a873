import type { ContextSchema, SchemaNode } from './context-schema';

/**
 * Resolves a written chain like `ctx.metrics` or `context.items[1]` to a place in
 * the context schema: the root must be `context` or a local known to alias a part
 * of it. Returns undefined when the chain does not lead into the context.
 */
export function resolveContextChain(chain: string, schema: ContextSchema, aliases: ReadonlyMap<string, string[]>): { path: string[]; schema: SchemaNode } | undefined {
  const parts = splitChain(chain);
  if (!parts) return undefined;
  const [root, ...rest] = parts;
  let path: string[];
  if (aliases.has(root!)) path = [...aliases.get(root!)!];
  else if (root === 'context') path = [];
  else return undefined;
  let node: SchemaNode | undefined = schema.root;
  for (const part of [...path, ...rest]) {
    if (!node) return undefined;
    if (part === '[]') node = schema.element(node);
    else {
      const lookup = schema.property(node, part);
      node = lookup.kind === 'known' ? lookup.schema : undefined;
    }
  }
  return node ? { path: [...path, ...rest], schema: node } : undefined;
}

/** `a.b[1].c` → ['a', 'b', '[]', 'c']; undefined for anything else. */
export function splitChain(chain: string): string[] | undefined {
  const parts: string[] = [];
  const re = /\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(?:\d+|[A-Za-z_]\w*)\s*\]|\[\s*(["'])([A-Za-z_]\w*)\2\s*\])/y;
  const head = /^\s*([A-Za-z_]\w*)/.exec(chain);
  if (!head) return undefined;
  parts.push(head[1]!);
  re.lastIndex = head[0].length;
  while (re.lastIndex < chain.length) {
    const match = re.exec(chain);
    if (!match) return chain.slice(re.lastIndex).trim() === '' ? parts : undefined;
    parts.push(match[1] ?? match[3] ?? '[]');
  }
  return parts;
}
