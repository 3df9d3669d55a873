import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command, CommandIO } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args';
import { SchemaCache, checkRulesFile } from '../../../core/src/checker';
import { LuaExecutor } from '../../../core/src/executor/lua-executor';
import { judgeForPublish } from '../../../core/src/checker/publish-verdict';
import type { RuleDefinition } from '../../../core/src/model/rule';
import { collectRuleFiles } from '../../../core/src/rules-folder/collect-rule-files';
import { loadRuleFile } from '../../../core/src/rules-folder/rule-file';
import { ConflictError, InvalidRuleError, toStorable, type GateVerdict, type PublishOutcome } from '../../../store/src';
import { STORE_FLAGS, STORE_HELP, authorFlag, stateLabel, storeUrl, withStore } from './store-common';
import { displayText, safeJson } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules publish <files or folders...> --store URL [--author NAME] [--message TEXT] [--json]

Publishes rules (*.lua, *.rule.json) to the store. Each rule must pass the gate
first: the contract checks report no error and every fixture in its
<name>.fixtures.json passes. If any rule fails the gate nothing is published. Each
rule that passes gets a new immutable version (unchanged content: none), stored with
the checks and fixtures it passed. A rule with ---@consensus n waits as pending until
n others approve it ('lua-rules approve'). Running engines reload live versions.

If someone publishes the same rule between this command reading the store and
writing to it, that rule is refused with a conflict and nothing of it is written.

Options:
  --author NAME       who publishes (default: the OS user)
  --message TEXT      what changed and why
  --base-version N    publish on top of version N (default: the latest version when
                      the command starts); a different latest version is a conflict
${STORE_HELP}
  --json              print [{"rule", "version", "state", "created", "approvalsMissing"}]

Exit codes: 0 published (or unchanged); 1 a rule failed its checks or fixtures, a
conflict, or the store could not be reached; 2 bad usage, a bad URL, a missing or
unreadable file, or a rule that cannot be stored (e.g. no ---@category).`;

interface Candidate {
  path: string;
  shown: string;
  definition: RuleDefinition;
  verdict: GateVerdict;
  problems: string[];
}

/** Runs the gate for one rule file: the contract checks and its fixtures (the judgement is shared with the editor). */
function gate(executor: LuaExecutor, schemas: SchemaCache, path: string, shown: string, definition: RuleDefinition, text: string): { verdict: GateVerdict; problems: string[]; inputErrors: string[] } {
  const judged = judgeForPublish(executor, path, shown, definition, checkRulesFile(path, text, schemas).findings);
  return {
    problems: judged.problems,
    inputErrors: judged.fixtureFileErrors,
    verdict: { ok: judged.problems.length === 0, summary: judged.summary, findings: judged.findings, fixtures: judged.fixtures },
  };
}

/** Loads every rule and runs its gate; nothing touches the store here. */
function prepare(paths: string[], io: CommandIO): { candidates: Candidate[]; inputErrors: string[] } {
  const collected = collectRuleFiles(paths.map((p) => resolve(io.cwd, p)));
  if (collected.missing.length > 0) throw new UsageError(`publish: not found: ${collected.missing.map((p) => relative(io.cwd, p) || p).join(', ')}`);
  if (collected.notRules.length > 0) throw new UsageError(`publish: not a rule file: ${collected.notRules.map((p) => relative(io.cwd, p)).join(', ')} (rules are *.lua or *.rule.json)`);
  if (collected.rules.length === 0) throw new UsageError(`publish: no rules (*.lua, *.rule.json) under ${paths.join(', ')}`);
  const executor = new LuaExecutor();
  const schemas = new SchemaCache();
  const candidates: Candidate[] = [];
  const inputErrors: string[] = [];
  const byName = new Map<string, string>();
  for (const path of collected.rules) {
    const shown = relative(io.cwd, path) || path;
    const loaded = loadRuleFile(path);
    if (!loaded.ok) {
      inputErrors.push(...loaded.errors.map((e) => `${shown}: ${e}`));
      continue;
    }
    try {
      toStorable(loaded.definition);
    } catch (e) {
      if (!(e instanceof InvalidRuleError)) throw e;
      inputErrors.push(`${shown}: ${e.message}`);
      continue;
    }
    const name = loaded.definition.name;
    const other = byName.get(name);
    if (other !== undefined) {
      inputErrors.push(`${shown}: rule "${name}" is also defined by ${other}; publish one of them`);
      continue;
    }
    byName.set(name, shown);
    const text = readFileSync(path, 'utf8');
    const checked = gate(executor, schemas, path, shown, loaded.definition, text);
    inputErrors.push(...checked.inputErrors);
    candidates.push({ path, shown, definition: loaded.definition, verdict: checked.verdict, problems: checked.problems });
  }
  return { candidates, inputErrors };
}

export const publishCommand: Command = {
  name: 'publish',
  summary: 'check, test and publish rules to the store as new versions',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('publish', argv, { ...STORE_FLAGS, author: { type: 'string' }, message: { type: 'string' }, 'base-version': { type: 'string' }, json: { type: 'boolean' } });
    if (args.positionals.length === 0) throw new UsageError('publish: which rules? usage: lua-rules publish <files...> --store URL [--author NAME]');
    const author = authorFlag(args, io);
    const message = stringFlag(args, 'message');
    const baseText = stringFlag(args, 'base-version');
    const base = baseText === undefined ? undefined : Number(baseText);
    if (base !== undefined && !(Number.isInteger(base) && base >= 0)) throw new UsageError(`publish: --base-version must be a whole number >= 0, got '${baseText}'`);
    const url = storeUrl('publish', args, io);
    const { candidates, inputErrors } = prepare(args.positionals, io);
    if (base !== undefined && candidates.length > 1) throw new UsageError('publish: --base-version applies to one rule; publish the rules one at a time');
    if (inputErrors.length > 0) {
      for (const e of inputErrors) io.stderr(`lua-rules publish: ${displayText(e)}\n`);
      io.stderr(`lua-rules publish: nothing published (${inputErrors.length} problem${inputErrors.length === 1 ? '' : 's'} with the input)\n`);
      return EXIT.usage;
    }
    const refused = candidates.filter((c) => !c.verdict.ok);
    if (refused.length > 0) {
      for (const c of refused) {
        io.stderr(`✗ ${displayText(c.shown)}: ${displayText(c.definition.name)} not published: ${displayText(c.verdict.summary ?? '')}\n`);
        for (const p of c.problems) io.stderr(`    ${displayText(p)}\n`);
      }
      io.stderr(`lua-rules publish: nothing published: ${refused.length} of ${candidates.length} rule${candidates.length === 1 ? '' : 's'} failed the checks or fixtures\n`);
      return EXIT.failures;
    }
    return withStore('publish', url, io, async (store) => {
      // The versions this publish builds on, read before writing: a publish by someone
      // else in between makes that rule a conflict instead of silently replacing theirs.
      const bases = new Map<string, number>();
      for (const c of candidates) bases.set(c.definition.name, base ?? (await store.getRule(c.definition.name))?.headVersion ?? 0);
      const results: PublishOutcome[] = [];
      let conflicts = 0;
      for (const c of candidates) {
        try {
          const out = await store.publish(c.definition, {
            author,
            ...(message !== undefined ? { message } : {}),
            baseVersion: bases.get(c.definition.name) ?? 0,
            gate: async () => c.verdict,
          });
          results.push(out);
          if (!booleanFlag(args, 'json')) {
            io.stdout(
              out.created
                ? `published ${displayText(out.rule)} version ${out.version.number} (${stateLabel(out.version.state, out.approvalsMissing)})\n`
                : `${displayText(out.rule)} unchanged (version ${out.version.number}, ${stateLabel(out.version.state, out.approvalsMissing)})\n`,
            );
          }
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
          conflicts++;
          io.stderr(`lua-rules publish: ${displayText(e.message)}\n`);
        }
      }
      if (booleanFlag(args, 'json')) {
        io.stdout(safeJson(results.map((r) => ({ rule: r.rule, version: r.version.number, state: r.version.state, created: r.created, approvalsMissing: r.approvalsMissing })), 2) + '\n');
      }
      return conflicts > 0 ? EXIT.failures : EXIT.ok;
    });
  },
};
