import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkLuaRule, completeAt, hoverAt, documentSymbols, parseLua } from '../../core/src/checker';
import { epicSchema } from './helpers';

const schema = epicSchema();
const corpus = readdirSync(join(__dirname, 'corpus'))
  .filter((name) => name.endsWith('.lua'))
  .map((name) => readFileSync(join(__dirname, 'corpus', name), 'utf8'));

const TOKENS = [
  'local', 'function', 'end', 'if', 'then', 'elseif', 'else', 'return', 'for', 'in', 'do', 'while', 'repeat', 'until', 'break', 'goto', '::l::',
  'and', 'or', 'not', 'nil', 'true', 'false', '=', '==', '~=', '<', '>', '..', '+', '-', '*', '/', '//', '%', '#', '(', ')', '{', '}', '[', ']',
  ',', ';', '.', ':', '...', 'context', 'ctx', 'x', 'r', 'metrics', 'wsjf_score', 'decision', 'confidence', 'reasoning', '"autonomous"', '"escalatd"',
  '0.95', '95', '-1', 'error', 'os', 'math.random', 'string.format', 'pcall', '\n', ' ', '--', '---@rule', '[[', ']]', '"', "'",
];

/** Everything the service offers, at a few positions; returns nothing, must not throw. */
function exercise(source: string, positions: Array<{ line: number; character: number }>): void {
  const checked = checkLuaRule(source, { schema });
  assert.ok(Array.isArray(checked.findings));
  for (const finding of checked.findings) {
    assert.equal(typeof finding.code, 'string');
    assert.ok(finding.range.start.line >= 0 && finding.range.start.character >= 0);
  }
  const parsed = parseLua(source);
  if (parsed.ok) documentSymbols(parsed.chunk);
  for (const position of positions) {
    completeAt(source, position, { schema, contextAliases: checked.contract?.contextAliases ?? new Map() });
    hoverAt(source, position, { schema, ...(checked.contract ? { contract: checked.contract } : {}) });
  }
}

const position = fc.record({ line: fc.nat({ max: 40 }), character: fc.nat({ max: 120 }) });

test('random token sequences never crash the service', { timeout: 120_000 }, () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), fc.array(position, { maxLength: 3 }), (tokens, positions) => {
      exercise(tokens.join(' '), positions);
    }),
    { numRuns: 400 },
  );
});

test('mutated corpus rules never crash the service', { timeout: 120_000 }, () => {
  const mutation = fc.record({ file: fc.nat({ max: corpus.length - 1 }), at: fc.nat(), remove: fc.nat({ max: 30 }), insert: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...TOKENS)) });
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(position, { maxLength: 3 }), (mutations, positions) => {
      let source = corpus[mutations[0]!.file]!;
      for (const m of mutations) {
        const at = m.at % (source.length + 1);
        source = source.slice(0, at) + m.insert + source.slice(at + m.remove);
      }
      exercise(source, positions);
    }),
    { numRuns: 400 },
  );
});

test('deeply nested and very long input finishes', { timeout: 60_000 }, () => {
  exercise('return ' + '('.repeat(150) + '1' + ')'.repeat(150), [{ line: 0, character: 5 }]);
  exercise('local x = ' + '{'.repeat(150) + '}'.repeat(150) + ' return x', []);
  for (const n of [5000, 20000]) {
    exercise('return ' + '('.repeat(n) + '1' + ')'.repeat(n), []);
    exercise('local x = 1' + ' + 1'.repeat(n) + ' return x', []);
    exercise('if x then '.repeat(n) + 'end '.repeat(n), []);
  }
  exercise(Array.from({ length: 200 }, (_, i) => `local function f${i}(c) return f${i + 1}(c) end`).join('\n') + '\nreturn f0(context)', []);
  exercise(Array.from({ length: 30 }, (_, i) => `local function g${i}(c) if c.x then return g${i + 1}(c) end return g${i + 1}(c.y) end`).join('\n') + '\nreturn g0(context)', []);
});
