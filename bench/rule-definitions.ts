import { createHash } from 'node:crypto';
import type { VersionedRule } from '../core/src/engine/rule-source';
import type { RuleDefinition } from '../core/src/model/rule';

/** Wraps a definition as a source would serve it (version 1, content checksum). */
export function versioned(definition: RuleDefinition): VersionedRule {
  const content = definition.kind === 'lua' ? definition.source : JSON.stringify(definition.patterns);
  return { definition, version: 1, checksum: createHash('sha256').update(content).digest('hex') };
}

export function luaDefinition(name: string, source: string, category?: string): RuleDefinition {
  return { kind: 'lua', name, source, origin: `bench/${name}.lua`, ...(category ? { category } : {}) };
}
