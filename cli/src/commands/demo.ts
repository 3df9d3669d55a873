import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { parseCommandArgs, stringFlag } from '../args';
import { formatConfidence, formatDuration } from '../format-result';
import { FileRuleSource } from '../../../core/src/rules-folder/file-rule-source';
import { fixturesPathFor } from '../../../core/src/rules-folder/file-names';
import { loadFixtureFile, runFixtures } from '../../../core/src/fixtures/run-fixtures';
import { RuleEngine } from '../../../core/src/engine/rule-engine';
import { MemorySink } from '../../../core/src/engine/execution-sink';
import { displayText } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules demo [--rules <folder>]

A tour of the example rules without a store: loads every rule in the folder
(default ./rules) into an in-process engine, runs all fixtures, then evaluates each
category on the example contexts in <folder>/examples/<category>-context.json.

Options:
  --rules <folder>   the rules folder (default: ./rules)`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'load the example rules, run their fixtures and evaluate each category',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('demo', argv, { rules: { type: 'string' } });
    if (args.positionals.length > 0) throw new UsageError(`demo: unexpected argument '${args.positionals[0]}'`);
    const folder = resolve(io.cwd, stringFlag(args, 'rules') ?? 'rules');
    if (!existsSync(folder)) throw new UsageError(`demo: rules folder not found: ${folder}`);
    const shown = (p: string): string => relative(io.cwd, p) || p;

    const source = new FileRuleSource([folder]);
    const sink = new MemorySink();
    const engine = new RuleEngine({ source, sink });
    const report = await engine.start();
    const out: string[] = [`Loaded ${report.applied.length} rules from ${shown(folder)}:`];
    for (const info of engine.list()) out.push(`  ${displayText(info.name).padEnd(28)} ${info.kind.padEnd(8)} category ${displayText(info.category ?? '(none)')}`);
    for (const problem of source.problems) out.push(`  ✗ ${shown(problem.path)}: ${problem.errors.join('; ')}`);
    for (const refused of report.refused) out.push(`  ✗ ${refused.name}: ${refused.error.message}`);

    let passed = 0;
    let failed = 0;
    for (const info of engine.list()) {
      const definition = engine.definition(info.name);
      if (!definition) continue;
      const fixtures = loadFixtureFile(fixturesPathFor(definition.origin));
      if (fixtures.status !== 'ok') continue;
      for (const outcome of runFixtures(engine.executor, definition, fixtures.fixtures)) {
        if (outcome.mismatches.length === 0) passed++;
        else {
          failed++;
          out.push(`  ✗ fixture ${info.name} › ${outcome.fixture.name}: ${outcome.mismatches.map((m) => m.text).join('; ')}`);
        }
      }
    }
    out.push('', `Fixtures: ${passed} passed, ${failed} failed`, '');

    const categories = [...new Set(engine.list().map((r) => r.category).filter((c): c is string => c !== null))].sort();
    for (const category of categories) {
      const contextFile = join(folder, 'examples', `${category}-context.json`);
      if (!existsSync(contextFile)) continue;
      const context: unknown = JSON.parse(readFileSync(contextFile, 'utf8'));
      const result = engine.evaluateCategory(category, context);
      out.push(`Category '${category}' on ${shown(contextFile)}:`);
      for (const r of result.results) out.push(`  ${displayText(r.rule).padEnd(28)} ${r.decision.padEnd(13)} ${formatConfidence(r.confidence).padEnd(6)} ${displayText(r.reasoning)}`);
      out.push(`  → ${result.decision} (confidence ${formatConfidence(result.confidence)}) from ${result.rule}, ${formatDuration(result.durationMs)}`, '');
    }
    out.push(
      'Next:',
      `  npx lua-rules run ${shown(join(folder, 'epic_wsjf_validation.lua'))} --context ${shown(join(folder, 'examples', 'epic-context.json'))} --json`,
      `  npx lua-rules test ${shown(folder)}`,
      "  npx lua-rules --help",
    );
    io.stdout(out.join('\n') + '\n');
    return failed > 0 || source.problems.length > 0 || report.refused.length > 0 ? EXIT.failures : EXIT.ok;
  },
};
