/**
 * row-mapping.ts owns the parsing of the `evidence` column (`evidenceOf`): versions and
 * shadows read it the same way, and no other store module parses it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../cli/cli-harness';
import { evidenceOf, toVersionRecord } from '../../store/src/row-mapping';
import { toShadowRecord } from '../../store/src/shadow-runs';

const EVIDENCE = { gate: 'passed', findings: [{ code: 'x', severity: 'warning', line: 1, message: 'm' }], fixtures: [], checkedAt: '2026-11-30T00:00:00.000Z' };
const SCHEMA = { fileName: 'context.epic.schema.json', text: '{"type": "object"}' };

const versionRow = (evidence: unknown) => ({
  number: 1, kind: 'lua', content: 'return 1', checksum: 'c', author: 'ann', message: null, created_at: '2026-11-30T00:00:00.000Z', state: 'live',
  required_approvals: 0, rollback_of: null, went_live_at: null, fixtures: null, metadata: '{"name":"r","category":"epic"}', evidence,
});
const shadowRow = (evidence: unknown) => ({
  number: 1, kind: 'lua', content: 'return 1', checksum: 'c', file_name: 'r.lua', fixtures: null, context_schema: null, author: 'ann', message: null,
  live_version: 1, started_at: '2026-11-30T00:00:00.000Z', ended_at: null, ended_by: null, end_reason: null, promoted_to: null, compared: 0, agreed: 0, evidence,
});

test('evidenceOf: NULL (or a driver that omits the column) is null; JSON text is parsed', () => {
  assert.equal(evidenceOf({ evidence: null }), null);
  assert.equal(evidenceOf({}), null);
  assert.deepEqual(evidenceOf({ evidence: JSON.stringify(EVIDENCE) }), EVIDENCE);
});

test('a version and a shadow read the same evidence text the same way; a version shows its context schema apart', () => {
  const text = JSON.stringify(EVIDENCE);
  assert.deepEqual(toVersionRecord('r', versionRow(text), []).evidence, toShadowRecord('r', shadowRow(text)).evidence);
  assert.equal(toVersionRecord('r', versionRow(null), []).evidence, null);
  assert.equal(toShadowRecord('r', shadowRow(null)).evidence, null);
  const withSchema = toVersionRecord('r', versionRow(JSON.stringify({ ...EVIDENCE, contextSchema: SCHEMA })), []);
  assert.deepEqual(withSchema.evidence, EVIDENCE);
  assert.deepEqual(withSchema.contextSchema, SCHEMA);
  assert.equal(toVersionRecord('r', versionRow(text), []).contextSchema, null);
});

test('no store module but row-mapping.ts parses the evidence column', () => {
  const dir = join(REPO, 'store', 'src');
  const parsers = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'row-mapping.ts')
    .filter((f) => /JSON\.parse\([^)]*\.evidence\b/.test(readFileSync(join(dir, f), 'utf8')));
  assert.deepEqual(parsers, [], 'use evidenceOf(row) from row-mapping.ts');
});
