import { createHash } from 'node:crypto';
import type { Pattern, RuleDefinition, RuleKind, RuleMetadata } from '../../core/src/model/rule';
import { InvalidRuleError } from './errors';

/**
 * How a definition is stored: the content a version is (Lua source, or the canonical
 * JSON of a pattern rule), its checksum, and the metadata beside it. The
 * validation lives here: a Lua rule needs a script, a pattern rule needs patterns.
 */
export interface StorableRule {
  name: string;
  kind: RuleKind;
  content: string;
  checksum: string;
  metadata: RuleMetadata & { category: string };
}

const NAME = /^[A-Za-z0-9_.:-]+$/;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted, so equal pattern rules have equal checksums. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function invalid(name: string, why: string): never {
  throw new InvalidRuleError(`rule "${name}" cannot be stored: ${why}`);
}

function checkPattern(name: string, p: Pattern, i: number): void {
  const where = `pattern ${i + 1}`;
  if (typeof p !== 'object' || p === null) invalid(name, `${where} is not an object`);
  if (typeof p.weight !== 'number' || !Number.isFinite(p.weight) || p.weight < 0) invalid(name, `${where} needs a "weight" number >= 0`);
  if (p.type === 'metric') {
    if (typeof p.metric !== 'string' || p.metric === '') invalid(name, `${where} needs a "metric" name`);
    if (typeof p.threshold !== 'number' || !Number.isFinite(p.threshold) || p.threshold <= 0) invalid(name, `${where} needs a "threshold" number > 0`);
  } else if (p.type === 'regex') {
    if (typeof p.field !== 'string' || p.field === '') invalid(name, `${where} needs a "field" path`);
    try {
      new RegExp(p.regex, p.flags);
    } catch (e) {
      invalid(name, `${where} has an invalid regex: ${(e as Error).message}`);
    }
  } else {
    invalid(name, `${where} has unknown type ${JSON.stringify((p as { type?: unknown }).type)} (expected "metric" or "regex")`);
  }
}

/** Validates a definition and computes what the store keeps of it. */
export function toStorable(def: RuleDefinition): StorableRule {
  const name = typeof def.name === 'string' ? def.name : '';
  if (name === '') invalid('(unnamed)', 'it has no name');
  if (!NAME.test(name)) invalid(name, "the name must be letters, digits, '_', '-', '.', ':'");
  if (typeof def.category !== 'string' || def.category === '') invalid(name, 'it has no category (add ---@category <name>)');
  if (def.threshold !== undefined && !(typeof def.threshold === 'number' && def.threshold >= 0 && def.threshold <= 1)) {
    invalid(name, 'threshold must be a number from 0 to 1');
  }
  if (def.consensus !== undefined && !(Number.isInteger(def.consensus) && def.consensus >= 0)) {
    invalid(name, 'consensus must be a whole number >= 0');
  }
  const metadata: RuleMetadata & { category: string } = {
    name,
    category: def.category,
    ...(def.description !== undefined ? { description: def.description } : {}),
    ...(def.threshold !== undefined ? { threshold: def.threshold } : {}),
    ...(def.consensus !== undefined ? { consensus: def.consensus } : {}),
  };
  if (def.kind === 'lua') {
    if (typeof def.source !== 'string' || def.source.trim() === '') invalid(name, 'a Lua rule needs a script');
    return { name, kind: 'lua', content: def.source, checksum: sha256(def.source), metadata };
  }
  if (def.kind === 'pattern') {
    if (!Array.isArray(def.patterns) || def.patterns.length === 0) invalid(name, 'a pattern rule needs at least one pattern');
    def.patterns.forEach((p, i) => checkPattern(name, p, i));
    const content = canonicalJson({ ...metadata, patterns: def.patterns });
    return { name, kind: 'pattern', content, checksum: sha256(content), metadata };
  }
  return invalid(name, `unknown kind ${JSON.stringify((def as { kind?: unknown }).kind)} (expected "lua" or "pattern")`);
}

/** Rebuilds the definition an engine runs from a stored version. */
export function fromStored(kind: RuleKind, content: string, metadataJson: string, version: number): RuleDefinition {
  const metadata = JSON.parse(metadataJson) as RuleMetadata;
  const origin = `store:${metadata.name}@${version}`;
  if (kind === 'lua') return { ...metadata, kind: 'lua', source: content, origin };
  const parsed = JSON.parse(content) as { patterns: Pattern[] };
  return { ...metadata, kind: 'pattern', patterns: parsed.patterns, origin };
}
