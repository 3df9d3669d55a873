import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRulesFile, SchemaCache } from '../../core/src/checker';

/**
 * Rules written the way people write them, each declaring on its first line the
 * codes it must produce (`-- expect: none` for a rule with no finding at all).
 */
const folder = join(__dirname, 'corpus');
const files = readdirSync(folder).filter((name) => name.endsWith('.lua')).sort();
const schemas = new SchemaCache();

function expectedCodes(source: string, file: string): string[] {
  const match = /^-- expect: (.*)$/m.exec(source.split('\n')[0] ?? '');
  if (!match) throw new Error(`${file} has no "-- expect:" first line`);
  return match[1]!.trim() === 'none' ? [] : match[1]!.split(',').map((code) => code.trim()).sort();
}

test('the corpus has at least 40 rules, at least half of them clean', () => {
  assert.ok(files.length >= 40, `${files.length} rules`);
  const clean = files.filter((file) => expectedCodes(readFileSync(join(folder, file), 'utf8'), file).length === 0);
  assert.ok(clean.length * 2 >= files.length, `${clean.length} clean of ${files.length}`);
});

for (const file of files) {
  test(`corpus: ${file}`, () => {
    const path = join(folder, file);
    const source = readFileSync(path, 'utf8');
    const { findings } = checkRulesFile(path, source, schemas);
    const codes = [...new Set(findings.map((f) => f.code))].sort();
    assert.deepEqual(codes, expectedCodes(source, file), findings.map((f) => `${f.range.start.line + 1}:${f.range.start.character + 1} ${f.code}: ${f.message}`).join('\n'));
  });
}
