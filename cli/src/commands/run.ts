import { resolve } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import { parseJsonInput, readInputText } from '../read-input';
import { formatConfidence, formatDuration, runJson } from '../format-result';
import { fixturesPathFor } from '../../../core/src/rules-folder/file-names';
import { loadRuleFile } from '../../../core/src/rules-folder/rule-file';
import { loadFixtureFile, evaluateDefinition } from '../../../core/src/fixtures/run-fixtures';
import { checkExpectation } from '../../../core/src/fixtures/check-expectation';
import { contextKey } from '../../../core/src/engine/context-key';
import { InvalidContextError } from '../../../core/src/executor/push-context';
import { LuaExecutor } from '../../../core/src/executor/lua-executor';
import { didYouMeanSuffix } from '../../../core/src/util/did-you-mean';
import { displayText } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules run <rule-file> (--context <file.json | -> | --fixture <name>) [--json] [--explain] [--instructions N]

Evaluates one rule (a .lua or .rule.json file) once, in the same sandbox and with
the same limits as the engine, and prints its decision, confidence and reasoning.

Options:
  --context <file>    the context as a JSON object; '-' reads it from stdin
  --fixture <name>    use the context of a fixture from <rule>.fixtures.json instead,
                      and compare the result with its expectation
  --json              print the contract JSON on stdout: {"decision", "confidence",
                      "reasoning", "rule", "durationMs", "instructions", "error",
                      "line"} (line: of the return that produced the result)
  --explain           also print the lines that ran, in order, with the values of
                      the context fields each one reads, and the line that returned
                      the result (with --json: an "explain" array of
                      {"line", "times", "text", "reads": [{"path", "value"}]})
  --instructions N    the instruction budget (default 1,000,000)

Exit codes: 0 the rule returned a valid result; 1 the rule failed (error, limit,
bad result shape) or a fixture's expectation was not met; 2 bad usage or input.`;

export const runCommand: Command = {
  name: 'run',
  summary: 'evaluate one rule on a context (a JSON file, stdin or a fixture)',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('run', argv, {
      context: { type: 'string', short: 'c' },
      fixture: { type: 'string', short: 'f' },
      json: { type: 'boolean' },
      explain: { type: 'boolean' },
      instructions: { type: 'string' },
    });
    const [file, ...extra] = args.positionals;
    if (file === undefined) throw new UsageError("run: missing the rule file, e.g. 'lua-rules run rules/epic_wsjf_validation.lua --context rules/examples/epic-context.json'");
    if (extra.length > 0) throw new UsageError(`run: one rule file at a time, got also: ${extra.join(' ')}`);
    const contextPath = stringFlag(args, 'context');
    const fixtureName = stringFlag(args, 'fixture');
    if (contextPath === undefined && fixtureName === undefined) throw new UsageError('run: give the context with --context <file.json> (or - for stdin), or --fixture <name>');
    if (contextPath !== undefined && fixtureName !== undefined) throw new UsageError('run: give either --context or --fixture, not both');
    const instructions = numberFlag('run', args, 'instructions', { min: 1000, max: 1e10, integer: true });

    const path = resolve(io.cwd, file);
    const loaded = loadRuleFile(path);
    if (!loaded.ok) throw new UsageError(`${file}: ${loaded.errors.join('; ')}`);

    let context: unknown;
    let expectation = undefined;
    if (fixtureName !== undefined) {
      const fixtures = loadFixtureFile(fixturesPathFor(path));
      if (fixtures.status === 'absent') throw new UsageError(`run: ${file} has no fixtures file (${fixturesPathFor(file)})`);
      if (fixtures.status === 'invalid') throw new UsageError(`${fixturesPathFor(file)}: ${fixtures.errors.join('; ')}`);
      const fixture = fixtures.fixtures.find((f) => f.name === fixtureName);
      if (!fixture) throw new UsageError(`run: no fixture named '${fixtureName}'${didYouMeanSuffix(fixtureName, fixtures.fixtures.map((f) => f.name))}; fixtures: ${fixtures.fixtures.map((f) => f.name).join(', ')}`);
      context = fixture.context;
      expectation = fixture.expect;
    } else {
      const label = contextPath === '-' ? '<stdin>' : (contextPath as string);
      context = parseJsonInput(await readInputText(io, contextPath as string, 'context'), label);
      try {
        contextKey(context);
      } catch (error) {
        if (error instanceof InvalidContextError) throw new UsageError(`${label}: invalid context: ${error.message}`);
        throw error;
      }
    }

    const executor = new LuaExecutor(instructions ? { instructions } : {});
    // The explainer (and the checker's parser it uses) loads only when asked for: plain `run` stays quick to start.
    const explained = booleanFlag(args, 'explain') ? await import('../../../core/src/explain/explain-run.js').then((m) => ({ run: m.explainRun(executor, loaded.definition, context), format: m.formatExplain })) : undefined;
    const { result, durationMs, instructions: used } = explained?.run ?? evaluateDefinition(executor, loaded.definition, context);
    const mismatches = expectation ? checkExpectation(expectation, result) : [];
    if (booleanFlag(args, 'json')) {
      const json = runJson(result, loaded.definition.name, durationMs, used);
      io.stdout((explained ? JSON.stringify({ ...(JSON.parse(json) as object), explain: explained.run.steps, ...(explained.run.omitted > 0 ? { explainOmitted: explained.run.omitted } : {}) }) : json) + '\n');
    } else {
      const lines = [
        `${displayText(loaded.definition.name)} → ${result.error ? `failed (${result.error.code}${result.error.line !== undefined ? ` at line ${result.error.line}` : ''})` : `${result.decision} (confidence ${formatConfidence(result.confidence)})`}${result.line !== null ? `, returned at line ${result.line}` : ''}`,
        `  ${displayText(result.reasoning)}`,
        `  ${formatDuration(durationMs)}${loaded.definition.kind === 'lua' ? `, ${used.toLocaleString('en-US')} instructions` : ''}`,
      ];
      if (explained) lines.push('  lines run, in order (│ context values read):', ...explained.format(explained.run, '    '));
      if (result.error) lines.push(`  error: ${result.error.code}${result.error.line !== undefined ? ` at line ${result.error.line}` : ''}`);
      if (expectation) lines.push(mismatches.length === 0 ? `  ✓ matches fixture '${displayText(fixtureName ?? '')}'` : `  ✗ fixture '${displayText(fixtureName ?? '')}': ${mismatches.map((m) => displayText(m.text)).join('; ')}`);
      io.stdout(lines.join('\n') + '\n');
    }
    return result.error || mismatches.length > 0 ? EXIT.failures : EXIT.ok;
  },
};
