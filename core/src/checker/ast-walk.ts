import type { Node } from 'luaparse';

/** Calls `visit` on every node under `root` (root included), parents before children. */
export function walkNodes(root: Node, visit: (node: Node) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
      continue;
    }
    if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') continue;
    const node = value as Node;
    visit(node);
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'loc' && key !== 'range' && typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}
