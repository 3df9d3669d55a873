import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, globToRegExp, parseSettings } from '../../server/src/settings';

test('settings: defaults for nothing, values kept when well-typed, numbers clamped', () => {
  assert.deepEqual(parseSettings(undefined), { settings: DEFAULT_SETTINGS, problems: [] });
  const { settings, problems } = parseSettings({ ruleGlobs: ['rules/**/*.lua'], instructionBudget: 5e9, schemaPath: 'schemas/context.json', runFixtures: false, diagnosticsDelayMs: -5, other: 1 });
  assert.deepEqual(problems, []);
  assert.deepEqual(settings, { ...DEFAULT_SETTINGS, ruleGlobs: ['rules/**/*.lua'], instructionBudget: 100_000_000, schemaPath: 'schemas/context.json', runFixtures: false, diagnosticsDelayMs: 0 });
});

test('settings: wrong types keep their defaults and say so', () => {
  const { settings, problems } = parseSettings({ ruleGlobs: 'x.lua', instructionBudget: 'lots', schemaPath: 42, runFixtures: 'yes', fixturesDelayMs: Number.NaN });
  assert.deepEqual(settings, DEFAULT_SETTINGS);
  assert.deepEqual(problems, [
    'luaRules.ruleGlobs must be a list of glob strings; using the defaults',
    'luaRules.instructionBudget must be a number; using 1000000',
    'luaRules.fixturesDelayMs must be a number; using 400',
    'luaRules.schemaPath must be a path string; using the nearest context.schema.json',
    'luaRules.runFixtures must be true or false; using true',
  ]);
  assert.deepEqual(parseSettings('on').problems, ['luaRules settings must be an object, got string; using defaults']);
});

test('globs', () => {
  const lua = globToRegExp('**/*.lua');
  assert.ok(lua.test('a.lua') && lua.test('x/y/a.lua') && !lua.test('a.luax'));
  const rules = globToRegExp('rules/*.{lua,json}');
  assert.ok(rules.test('rules/a.json') && !rules.test('rules/x/a.lua') && !rules.test('a.lua'));
});
