import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChecksMarkdown } from '../../core/src/checker/checks-docs';
import { ALL_CHECKS } from '../../core/src/checker';

test('docs/checks.md is generated from the checks and up to date', () => {
  const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'checks.md'), 'utf8');
  assert.equal(committed, renderChecksMarkdown(), 'regenerate docs/checks.md: npm run docs:checks');
});

test('every documented check code (docs/checks.md) exists with its severity', () => {
  const contract: Record<string, string> = {
    'syntax-error': 'error', 'missing-return': 'error', 'return-not-table': 'error', 'missing-field': 'error', 'invalid-decision': 'error',
    'confidence-out-of-range': 'error', 'wrong-field-type': 'error', 'forbidden-global': 'error', 'fixture-failed': 'error', 'fixture-error': 'error',
    'unknown-field': 'warning', 'decision-confidence-mismatch': 'warning', 'unknown-context-field': 'warning', 'undefined-global': 'warning',
  };
  for (const [code, severity] of Object.entries(contract)) assert.equal(ALL_CHECKS.find((c) => c.id === code)?.severity, severity, code);
  assert.equal(new Set(ALL_CHECKS.map((c) => c.id)).size, ALL_CHECKS.length);
});
