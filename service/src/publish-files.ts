import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { SchemaCache, checkRulesFile } from '../../core/src/checker';
import { judgeForPublish } from '../../core/src/checker/publish-verdict';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import type { RuleDefinition } from '../../core/src/model/rule';
import type { ImpactSummary } from '../../core/src/impact/impact-report';
import { collectRuleFiles } from '../../core/src/rules-folder/collect-rule-files';
import { loadRuleFile } from '../../core/src/rules-folder/rule-file';
import { displayText } from '../../core/src/util/display-text';
import { ConflictError, InvalidRuleError, toStorable, type GateVerdict, type PublishOutcome, type Store } from '../../store/src';

/**
 * How rule files become versions in the store, in one place: `lua-rules publish`
 * (cli/src/commands/publish.ts) and the engine service's first-start seed
 * (engine-service.ts) both go through here, so both refuse the same rules for the
 * same reasons. Two steps, because the CLI reports the gate before it opens the
 * store: `checkFilesForPublish` (load, storable, checks, fixtures; no store) and
 * `publishChecked` (write each rule on top of the version it read); `publishFiles`
 * runs both.
 */

export interface PublishCandidate {
  path: string;
  /** The path as shown to the user (relative to the working folder). */
  shown: string;
  definition: RuleDefinition;
  verdict: GateVerdict;
  problems: string[];
}

/** The paths themselves are wrong (missing, not rules, no rules at all): bad usage. */
export class PublishInputError extends Error {}

export interface CheckedFiles {
  candidates: PublishCandidate[];
  /** Rules that cannot be published at all (unreadable, not storable, a duplicate name, a broken fixtures file). */
  inputErrors: string[];
}

/** Runs the gate for one rule file: the contract checks and its fixtures (the judgement is shared with the editor). */
function gate(executor: LuaExecutor, schemas: SchemaCache, path: string, shown: string, definition: RuleDefinition, text: string): { verdict: GateVerdict; problems: string[]; inputErrors: string[] } {
  const judged = judgeForPublish(executor, path, shown, definition, checkRulesFile(path, text, schemas).findings);
  return {
    problems: judged.problems,
    inputErrors: judged.fixtureFileErrors,
    // The fixtures and context schema the gate read are stored with the version (version-carries.ts).
    verdict: { ok: judged.problems.length === 0, summary: judged.summary, findings: judged.findings, fixtures: judged.fixtures, fixtureFile: judged.fixtureFile, contextSchema: judged.contextSchema },
  };
}

/** Loads every rule under `paths` (files or folders, relative to `cwd`) and runs its gate; nothing touches the store here. */
export function checkFilesForPublish(paths: string[], cwd: string): CheckedFiles {
  const collected = collectRuleFiles(paths.map((p) => resolve(cwd, p)));
  if (collected.missing.length > 0) throw new PublishInputError(`not found: ${collected.missing.map((p) => relative(cwd, p) || p).join(', ')}`);
  if (collected.notRules.length > 0) throw new PublishInputError(`not a rule file: ${collected.notRules.map((p) => relative(cwd, p)).join(', ')} (rules are *.lua or *.rule.json)`);
  if (collected.rules.length === 0) throw new PublishInputError(`no rules (*.lua, *.rule.json) under ${paths.join(', ')}`);
  const executor = new LuaExecutor();
  const schemas = new SchemaCache();
  const candidates: PublishCandidate[] = [];
  const inputErrors: string[] = [];
  const byName = new Map<string, string>();
  for (const path of collected.rules) {
    const shown = relative(cwd, path) || path;
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

export interface PublishOptions {
  author: string;
  message?: string;
  /** Publish on top of this version (one rule only); default: each rule's head version when publishing starts. */
  baseVersion?: number;
  /** Issue 13: each rule's impact summary, stored in its version's evidence (`publish --impact`). */
  impacts?: ReadonlyMap<string, ImpactSummary>;
}

export interface PublishEvents {
  published?(outcome: PublishOutcome): void;
  conflict?(message: string): void;
}

export interface PublishedFiles {
  outcomes: PublishOutcome[];
  /** One line per rule someone else published in between (nothing of it was written). */
  conflicts: string[];
}

/**
 * Publishes rules that passed the gate. The versions it builds on are read before
 * writing: a publish by someone else in between makes that rule a conflict instead of
 * silently replacing theirs. `events` hears each outcome and conflict as it happens.
 */
export async function publishChecked(store: Store, candidates: readonly PublishCandidate[], options: PublishOptions, events: PublishEvents = {}): Promise<PublishedFiles> {
  const bases = new Map<string, number>();
  for (const c of candidates) bases.set(c.definition.name, options.baseVersion ?? (await store.getRule(c.definition.name))?.headVersion ?? 0);
  const outcomes: PublishOutcome[] = [];
  const conflicts: string[] = [];
  for (const c of candidates) {
    try {
      const out = await store.publish(c.definition, {
        author: options.author,
        ...(options.message !== undefined ? { message: options.message } : {}),
        baseVersion: bases.get(c.definition.name) ?? 0,
        gate: async () => c.verdict,
        ...(options.impacts?.has(c.definition.name) ? { impact: options.impacts.get(c.definition.name) } : {}),
      });
      outcomes.push(out);
      events.published?.(out);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      conflicts.push(e.message);
      events.conflict?.(e.message);
    }
  }
  return { outcomes, conflicts };
}

export type PublishFilesResult =
  | { ok: true; published: PublishedFiles }
  /** Nothing was published: the input has problems, or some rule failed its gate (then all wait). */
  | { ok: false; inputErrors: string[]; refused: PublishCandidate[]; total: number };

/** Checks and publishes the rules under `paths`, all or nothing at the gate; the lines `describe*` print go to `log`. */
export async function publishFiles(store: Store, paths: string[], cwd: string, options: PublishOptions, log: (line: string) => void = () => undefined): Promise<PublishFilesResult> {
  const { candidates, inputErrors } = checkFilesForPublish(paths, cwd);
  const refused = candidates.filter((c) => !c.verdict.ok);
  if (inputErrors.length > 0 || refused.length > 0) return { ok: false, inputErrors, refused, total: candidates.length };
  const published = await publishChecked(store, candidates, options, { published: (out) => log(describePublished(out)), conflict: (message) => log(`lua-rules publish: ${displayText(message)}`) });
  return { ok: true, published };
}

/** `published x version 2 (live)` or `x unchanged (version 2, live)`. */
export function describePublished(out: PublishOutcome): string {
  return out.created
    ? `published ${displayText(out.rule)} version ${out.version.number} (${stateLabel(out.version.state, out.approvalsMissing)})`
    : `${displayText(out.rule)} unchanged (version ${out.version.number}, ${stateLabel(out.version.state, out.approvalsMissing)})`;
}

/** A refused rule: its summary line and one indented line per problem. */
export function describeRefused(c: PublishCandidate): string[] {
  return [`✗ ${displayText(c.shown)}: ${displayText(c.definition.name)} not published: ${displayText(c.verdict.summary ?? '')}`, ...c.problems.map((p) => `    ${displayText(p)}`)];
}

export function stateLabel(state: string, missing: number): string {
  if (state === 'pending') return `pending: ${missing} more approval${missing === 1 ? '' : 's'} needed`;
  return state;
}
