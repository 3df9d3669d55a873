import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLuaRule, completeAt, documentSymbols, hoverAt, parseLua, RETURN_SNIPPET } from '../../core/src/checker';
import { epicSchema, lua, range } from './helpers';

const schema = epicSchema();

test('completion of context paths, directly and through aliases', () => {
  const source = lua('function v(ctx)', '  local m = ctx.metrics', '  local a = context.', '  local b = ctx.owners[1].', '  local c = m.w', 'end', 'return v(context)');
  const contract = checkLuaRule(lua('function v(ctx)', '  local m = ctx.metrics', 'end', 'return v(context)'), { schema }).contract!;
  const labels = (line: number, character: number): string[] => completeAt(source, { line, character }, { schema, contextAliases: contract.contextAliases }).map((c) => c.label);
  assert.deepEqual(labels(2, 20), ['epic_id', 'feature_id', 'metrics', 'tags', 'owners', 'extra']);
  assert.deepEqual(labels(3, 26), ['name', 'team']);
  const partial = completeAt(source, { line: 4, character: 15 }, { schema, contextAliases: contract.contextAliases });
  assert.equal(partial[0]!.label, 'wsjf_score');
  assert.deepEqual(partial[0]!.range, range(4, 14, 4, 15));
  assert.equal(partial[0]!.detail, 'number');
  assert.equal(partial[0]!.documentation, 'Weighted shortest job first score.');
});

test('completion of decisions, annotations and the return snippet', () => {
  assert.deepEqual(completeAt('return { decision = "', { line: 0, character: 21 }).map((c) => c.insertText), ['autonomous', 'collaborative', 'escalated']);
  assert.deepEqual(completeAt('return { decision = ', { line: 0, character: 20 }).map((c) => c.insertText), ['"autonomous"', '"collaborative"', '"escalated"']);
  assert.deepEqual(completeAt('---@ca', { line: 0, character: 6 }).map((c) => c.label), ['@rule', '@category', '@description', '@threshold', '@consensus']);
  const snippet = completeAt('ret', { line: 0, character: 3 })[0]!;
  assert.deepEqual([snippet.kind, snippet.snippet, snippet.insertText, snippet.range], ['snippet', true, RETURN_SNIPPET, range(0, 0, 0, 3)]);
  assert.deepEqual(completeAt('local s = "ret', { line: 0, character: 14 }), []);
  assert.deepEqual(completeAt('local s = unknown.', { line: 0, character: 18 }, { schema }), []);
});

test('hover for context fields, decisions, contract fields and annotations', () => {
  const source = lua('---@category epic', 'local s = context.metrics.wsjf_score', 'return { decision = "autonomous", confidence = 0.95, reasoning = "x" }');
  const contract = checkLuaRule(source, { schema }).contract!;
  assert.deepEqual(hoverAt(source, { line: 1, character: 30 }, { schema, contract }), {
    contents: '**context.metrics.wsjf_score**: `number`\n\nWeighted shortest job first score.',
    range: range(1, 26, 1, 36),
  });
  assert.match(hoverAt(source, { line: 2, character: 22 })!.contents, /^\*\*autonomous\*\* \(band: confidence >= 0\.9\)/);
  assert.match(hoverAt(source, { line: 2, character: 38 })!.contents, /^\*\*confidence\*\* \(rule contract\)/);
  assert.match(hoverAt(source, { line: 0, character: 6 })!.contents, /^\*\*---@category\*\*/);
  assert.equal(hoverAt(source, { line: 9, character: 0 }), undefined);
});

test('document symbols: functions with their nested functions, top-level locals, returns', () => {
  const parsed = parseLua(lua('local limit = 3', 'local function helper() local function inner() end end', 'function M.check(ctx) end', 'return helper()'));
  assert.ok(parsed.ok);
  assert.deepEqual(
    documentSymbols(parsed.chunk).map((s) => [s.name, s.kind, s.children.map((c) => c.name)]),
    [['limit', 'variable', []], ['helper', 'function', ['inner']], ['M.check', 'function', []], ['return', 'return', []]],
  );
});

test('hover on a local or parameter that holds a part of the context', () => {
  const source = lua('function v(ctx)', '  local m = ctx.metrics', '  return m', 'end', 'return v(context)');
  const contract = checkLuaRule(source, { schema }).contract!;
  assert.deepEqual(hoverAt(source, { line: 2, character: 10 }, { schema, contract }), { contents: '**m** holds context.metrics: `object`', range: range(2, 9, 2, 10) });
  assert.deepEqual(hoverAt(source, { line: 1, character: 12 }, { schema, contract })?.contents, '**ctx** holds context: `object`\n\nWhat the planning system knows about the item.');
});
