import type { Check } from '../check';
import { finding } from '../check';
import { parseLuaHeader } from '../../model/lua-header';
import type { Finding } from '../types';

export const invalidAnnotation: Check = {
  id: 'invalid-annotation',
  severity: 'warning',
  stage: 'ast',
  docs: {
    summary: 'A `---@` annotation in the rule header is unknown or has a bad value (`---@threshold` must be 0..1, `---@consensus` a whole number, `---@rule` and `---@category` one word).',
    fix: 'Use one of ---@rule, ---@category, ---@description, ---@threshold, ---@consensus with a valid value.',
    example: '---@threshold high',
  },
  run(ctx) {
    const findings: Finding[] = [];
    const lines = ctx.source.split(/\r?\n/);
    for (const problem of parseLuaHeader(ctx.source).problems) {
      const text = lines[problem.line] ?? '';
      const start = Math.max(0, text.indexOf('---@'));
      findings.push(finding(invalidAnnotation, { range: { start: { line: problem.line, character: start }, end: { line: problem.line, character: text.trimEnd().length } }, message: problem.message }));
    }
    return findings;
  },
};
