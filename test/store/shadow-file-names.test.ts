/**
 * A shadow's promotion writes its stored rule file and context schema to a scratch
 * folder (service/src/shadow-files.ts): names that are not plain file names are
 * refused before anything is written, as promote and export refuse them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { regateShadow } from '../../service/src/shadow-files';
import type { ShadowRecord } from '../../store/src';

const shadow = (fileName: string, schemaName: string | null): ShadowRecord => ({
  rule: 'x', number: 1, kind: 'lua', content: '---@category epic\nreturn { decision = "autonomous", confidence = 1, reasoning = "x" }\n', checksum: 'c', fileName, fixtures: null,
  contextSchema: schemaName === null ? null : { fileName: schemaName, text: '{}' }, evidence: null, author: 'ann', message: null, liveVersion: 1,
  startedAt: '2026-11-30T00:00:00.000Z', endedAt: null, endedBy: null, endReason: null, promotedTo: null, compared: 0, agreed: 0,
});

test('a shadow whose stored names would leave the scratch folder is refused; plain names are gated', () => {
  for (const [file, schema] of [['../x.lua', null], ['x.lua', '../../context.schema.json'], ['x.lua', 'notes.txt'], ['x.txt', null]] as const) {
    const out = regateShadow(shadow(file, schema));
    assert.equal(out.candidate, undefined, `${file} ${schema}`);
    assert.match(out.inputErrors.join('\n'), /not a plain rule or context schema file name/);
  }
  const ok = regateShadow(shadow('x.lua', 'context.epic.schema.json'));
  assert.deepEqual(ok.inputErrors, []);
  assert.equal(ok.candidate?.definition.name, 'x');
  assert.equal(ok.candidate?.verdict.contextSchema?.fileName, 'context.epic.schema.json');
});
