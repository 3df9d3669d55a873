import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { parseCommandArgs, stringFlag } from '../args';
import { readInputText } from '../read-input';
import { parsePatternRule } from '../../../core/src/patterns/pattern-rule-file';
import { patternRuleToLua } from '../../../core/src/patterns/pattern-to-lua';
import { NotConvertible } from '../../../core/src/patterns/regex-to-lua-pattern';
import { defaultRuleName, ruleFileKind } from '../../../core/src/rules-folder/file-names';

const HELP = `Usage: lua-rules convert <pattern-rule.json> [--output <file.lua>]

Prints a Lua rule that gives the same decision, confidence and reasoning as the
pattern rule (for pattern rules edited often enough to be easier as Lua).
Metric patterns always convert; a regex pattern converts when Lua patterns can
express it (no groups, alternation or counted repetition).

Options:
  --output <file>   write the Lua rule to a file instead of stdout

Exit codes: 0 converted; 1 a regex cannot be expressed in Lua; 2 bad usage or input.`;

export const convertCommand: Command = {
  name: 'convert',
  summary: 'print a Lua rule equivalent to a pattern rule (*.rule.json)',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('convert', argv, { output: { type: 'string', short: 'o' } });
    const [file, ...extra] = args.positionals;
    if (file === undefined) throw new UsageError("convert: missing the pattern rule, e.g. 'lua-rules convert rules/epic_priority.rule.json'");
    if (extra.length > 0) throw new UsageError(`convert: one pattern rule at a time, got also: ${extra.join(' ')}`);
    if (ruleFileKind(file) !== 'pattern' && file !== '-') throw new UsageError(`convert: ${file} is not a pattern rule (*.rule.json)`);
    const text = await readInputText(io, file, 'pattern rule');
    const parsed = parsePatternRule(text, file, file === '-' ? 'converted_rule' : defaultRuleName(file));
    if (!parsed.ok) throw new UsageError(`${file}: ${parsed.errors.join('; ')}`);
    let lua: string;
    try {
      lua = patternRuleToLua(parsed.definition);
    } catch (error) {
      if (!(error instanceof NotConvertible)) throw error;
      io.stderr(`lua-rules: ${file}: cannot convert: ${error.message}; keep it as a pattern rule or rewrite the regex\n`);
      return EXIT.failures;
    }
    const output = stringFlag(args, 'output');
    if (output === undefined) io.stdout(lua);
    else {
      try {
        writeFileSync(resolve(io.cwd, output), lua);
      } catch (error) {
        throw new UsageError(`convert: cannot write ${output}: ${(error as Error).message}`);
      }
      io.stderr(`wrote ${output}\n`);
    }
    return EXIT.ok;
  },
};
