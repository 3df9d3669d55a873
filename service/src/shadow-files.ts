import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { findContextSchemaFile } from '../../core/src/checker';
import { fixturesPathFor, isRuleFile, ruleFileKind } from '../../core/src/rules-folder/file-names';
import { ShadowError, toStorable, UnknownRuleError, type PublishOutcome, type ShadowRecord, type ShadowStartOutcome, type Store, type StoredContextSchema } from '../../store/src';
import { checkFilesForPublish, type PublishCandidate } from './publish-files';
import { isPlainFileName } from './version-files';

/**
 * Shadow runs from files (issue 13): `lua-rules publish --shadow` and the shadow's
 * promotion. Both go through the publish gate of publish-files.ts. A shadow keeps the
 * fixtures and the context schema its gate used, so promoting it runs the same gate
 * again on the same inputs, wherever the command runs: the stored files are written to
 * a temporary folder and checked there exactly as `publish` checks a folder.
 */

/** What the gate read beside a rule file: kept with the shadow. */
function gateInputs(c: PublishCandidate): { fileName: string; fixtures: string | null; contextSchema: StoredContextSchema | null } {
  const fixturesPath = fixturesPathFor(c.path);
  const schemaPath = findContextSchemaFile(c.path, c.definition.category);
  return {
    fileName: basename(c.path),
    fixtures: existsSync(fixturesPath) ? readFileSync(fixturesPath, 'utf8') : null,
    contextSchema: schemaPath === undefined ? null : { fileName: basename(schemaPath), text: readFileSync(schemaPath, 'utf8') },
  };
}

/** Starts a shadow for each candidate (all passed the gate); the outcome of each, in order. */
export async function shadowChecked(store: Store, candidates: readonly PublishCandidate[], options: { author: string; message?: string }, each: (outcome: ShadowStartOutcome) => void = () => undefined): Promise<ShadowStartOutcome[]> {
  // Every rule must have a live version before any shadow starts: a folder with one new
  // rule in it starts none, rather than some (the store checks again in its transaction).
  for (const c of candidates) {
    const rule = await store.getRule(c.definition.name);
    if (rule === undefined) throw new UnknownRuleError(c.definition.name);
    if (rule.liveVersion === null) throw new ShadowError(`rule "${c.definition.name}" has no live version to shadow; publish it first`);
  }
  const outcomes: ShadowStartOutcome[] = [];
  for (const c of candidates) {
    const out = await store.startShadow(c.definition, {
      author: options.author,
      ...(options.message !== undefined ? { message: options.message } : {}),
      gate: async () => c.verdict,
      ...gateInputs(c),
    });
    outcomes.push(out);
    each(out);
  }
  return outcomes;
}

/** `x: shadow 2 started against live version 3 (replaces shadow 1)` and the like. */
export function describeShadowStarted(out: ShadowStartOutcome): string {
  const s = out.shadow;
  if (!out.created) return `${s.rule}: shadow ${s.number} unchanged (running against live version ${s.liveVersion ?? '-'})`;
  return `${s.rule}: shadow ${s.number} started against live version ${s.liveVersion ?? '-'}${out.replaced !== null ? ` (replaces shadow ${out.replaced})` : ''}; engines compare it on the requests they serve`;
}

/**
 * The publish gate, run again on a stored shadow: its content, fixtures and context
 * schema are written to a temporary folder and checked like any rule folder. Returns
 * the candidate (its verdict says whether it passed) or the input errors (a fixtures
 * file that no longer parses, ...).
 */
export function regateShadow(shadow: ShadowRecord): { candidate: PublishCandidate | undefined; inputErrors: string[] } {
  // Stored names become paths (version-files.ts): one plain rule file name and one context schema file name, or nothing is written.
  if (!isPlainFileName(shadow.fileName) || !isRuleFile(shadow.fileName) || (shadow.contextSchema !== null && (!isPlainFileName(shadow.contextSchema.fileName) || ruleFileKind(shadow.contextSchema.fileName) !== 'context-schema'))) {
    return { candidate: undefined, inputErrors: [`shadow ${shadow.number} of "${shadow.rule}" has a stored file name that is not a plain rule or context schema file name; start a new shadow from the rule file`] };
  }
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-shadow-gate-'));
  try {
    const rulePath = join(dir, shadow.fileName);
    writeFileSync(rulePath, shadow.content);
    if (shadow.fixtures !== null) writeFileSync(fixturesPathFor(rulePath), shadow.fixtures);
    if (shadow.contextSchema !== null) writeFileSync(join(dir, shadow.contextSchema.fileName), shadow.contextSchema.text);
    const checked = checkFilesForPublish([rulePath], dir);
    const candidate = checked.candidates[0];
    if (candidate !== undefined && candidate.definition.name !== shadow.rule) {
      return { candidate: undefined, inputErrors: [`shadow ${shadow.number} of "${shadow.rule}" reads back as rule "${candidate.definition.name}"; start a new shadow from the rule file`] };
    }
    return { candidate, inputErrors: checked.inputErrors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Promotes the running shadow of `rule` through the gate run again; what happened, for the CLI to print. */
export async function promoteShadow(
  store: Store,
  rule: string,
  options: { author: string; message?: string },
): Promise<{ ok: true; outcome: PublishOutcome & { shadow: ShadowRecord } } | { ok: false; inputErrors: string[]; refused: PublishCandidate | undefined }> {
  const running = (await store.shadows(rule)).find((s) => s.endedAt === null);
  if (running === undefined) throw new ShadowError(`rule "${rule}" has no shadow running to promote`);
  const { candidate, inputErrors } = regateShadow(running);
  if (candidate === undefined || inputErrors.length > 0) return { ok: false, inputErrors: inputErrors.length > 0 ? inputErrors : [`shadow ${running.number} of "${rule}" could not be read back as a rule`], refused: undefined };
  if (!candidate.verdict.ok) return { ok: false, inputErrors: [], refused: { ...candidate, shown: `${rule} (shadow ${running.number})` } };
  const outcome = await store.promoteShadow(rule, {
    author: options.author,
    ...(options.message !== undefined ? { message: options.message } : {}),
    gate: async (definition) => {
      // The store promotes the shadow it reads in its transaction: the content just checked, or a refusal.
      if (toStorable(definition).checksum !== running.checksum) return { ok: false, findings: [], fixtures: [], summary: 'the shadow was replaced while it was being checked; look at it again' };
      return candidate.verdict;
    },
  });
  return { ok: true, outcome };
}
