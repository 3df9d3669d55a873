// Regenerates docs/checks.md from the checks (core/src/checker/checks/*.ts): `npm run docs:checks`.
// test/checker/docs.test.ts fails when the committed file is not what this writes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChecksMarkdown } from '../core/src/checker/checks-docs';

const target = join(__dirname, '..', 'docs', 'checks.md');
writeFileSync(target, renderChecksMarkdown());
process.stdout.write(`wrote ${target}\n`);
