import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRulesFile, findContextSchemaFile, SchemaCache } from '../../core/src/checker';
import { ruleFileKind } from '../../core/src/rules-folder/file-names';

function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-files-'));
  mkdirSync(join(dir, 'epic'));
  writeFileSync(join(dir, 'context.schema.json'), JSON.stringify({ type: 'object', properties: { metrics: { type: 'object', properties: { wsjf_score: { type: 'number' } } } } }));
  writeFileSync(join(dir, 'context.feature.schema.json'), JSON.stringify({ type: 'object', properties: { readiness: { type: 'number' } } }));
  return dir;
}

test('file kinds by name', () => {
  assert.deepEqual(
    ['a.lua', 'a.rule.json', 'a.fixtures.json', 'context.schema.json', 'context.epic.schema.json', 'package.json'].map(ruleFileKind),
    ['lua', 'pattern', 'fixtures', 'context-schema', 'context-schema', undefined],
  );
});

test('the nearest context schema above the rule; the category schema when the rule has that category', () => {
  const dir = tree();
  try {
    assert.equal(findContextSchemaFile(join(dir, 'epic', 'x.lua')), join(dir, 'context.schema.json'));
    assert.equal(findContextSchemaFile(join(dir, 'epic', 'x.lua'), 'feature'), join(dir, 'context.feature.schema.json'));
    const rule = '---@category feature\nlocal r = context.readiness\nlocal m = context.metrics\nreturn { decision = "escalated", confidence = 0.5, reasoning = "x" }';
    assert.deepEqual(checkRulesFile(join(dir, 'epic', 'x.lua'), rule).findings.map((f) => [f.code, f.range.start.line]), [['unknown-context-field', 2]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken context schema is one warning, and the rule is still checked', () => {
  const dir = tree();
  try {
    writeFileSync(join(dir, 'epic', 'context.schema.json'), '{ not json');
    const schemas = new SchemaCache();
    const findings = checkRulesFile(join(dir, 'epic', 'x.lua'), 'return "autonomous"', schemas).findings;
    assert.deepEqual(findings.map((f) => [f.code, f.severity]), [['invalid-context-schema', 'warning'], ['return-not-table', 'error']]);
    assert.match(findings[0]!.message, /^the context schema .*context\.schema\.json is not valid JSON: .*; context fields are not checked$/);
    assert.deepEqual(checkRulesFile(join(dir, 'epic', 'context.schema.json'), '{ not json').findings.map((f) => f.code), ['invalid-context-schema']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
