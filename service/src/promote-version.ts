import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { carriedDifferences, carriedOf, StoreError, UnknownRuleError, toStorable, type CarriedVersion, type PromotedFrom, type PublishOutcome, type RuleStore, type RuleVersionRecord } from '../../store/src';
import { checkFilesForPublish, type PublishCandidate } from './publish-files';
import { ruleFileName } from '../../core/src/rules-folder/file-names';
import { describeFields, UnsafeVersionFileError, versionFiles } from './version-files';

/**
 * Issue 14: `lua-rules promote`: a version of one store published into another
 * through the target's gate. The version is written out as the rules-folder files it
 * came from (its content and the fixtures stored with it) and checked exactly like
 * `lua-rules publish` checks a folder, so a promotion can never pass a gate a publish
 * would fail. The new version records where it came from in its evidence.
 */

/** The source has nothing to promote (no live version and none asked for). */
export class NothingToPromoteError extends StoreError {
  override name = 'NothingToPromoteError';
}

/** The version chosen (default: live) of a rule in the source store. */
export async function promotableVersion(source: RuleStore, rule: string, version: number | undefined): Promise<RuleVersionRecord> {
  if (version !== undefined) return source.version(rule, version);
  const stored = await source.getRule(rule);
  if (stored === undefined) throw new UnknownRuleError(rule);
  if (stored.liveVersion === null) throw new NothingToPromoteError(`rule "${rule}" has no live version in ${source.display} (only pending ones); pass --version N to promote one of them`);
  return source.version(rule, stored.liveVersion);
}

export type PromotionGate =
  | { ok: true; candidate: PublishCandidate }
  /** `inputErrors`: the stored version cannot even be read back as a rule; `candidate`: it failed its checks or fixtures. */
  | { ok: false; inputErrors: string[]; candidate?: PublishCandidate };

/**
 * Runs the publish gate on a stored version (every field it carries, written as its
 * files), in a scratch folder removed afterwards. What the gate would store must be the
 * version: every carried field (version-carries.ts) read back equal, else the promotion
 * is refused rather than losing one on the way.
 */
export function gateVersion(v: RuleVersionRecord): PromotionGate {
  const carried = carriedOf(v);
  let files;
  try {
    files = versionFiles(carried);
  } catch (e) {
    if (e instanceof UnsafeVersionFileError) return { ok: false, inputErrors: [`version ${v.number} of "${v.rule}": ${e.message}`] };
    throw e;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-promote-'));
  try {
    for (const f of files) if (f.text !== null) writeFileSync(join(dir, f.name), f.text);
    const { candidates, inputErrors } = checkFilesForPublish([join(dir, ruleFileName(v.rule, v.kind))], dir);
    const candidate = candidates[0];
    if (inputErrors.length > 0 || candidate === undefined) return { ok: false, inputErrors: inputErrors.length > 0 ? inputErrors : [`version ${v.number} of "${v.rule}" cannot be read back as a rule`] };
    const storable = toStorable(candidate.definition);
    const readBack: CarriedVersion = {
      rule: storable.name,
      kind: storable.kind,
      content: storable.content,
      checksum: storable.checksum,
      settings: storable.metadata,
      fixtures: candidate.verdict.fixtureFile ?? null,
      contextSchema: candidate.verdict.contextSchema ?? null,
    };
    const lost = lostFields(carried, readBack);
    if (lost.length > 0) {
      return { ok: false, inputErrors: [`version ${v.number} of "${v.rule}" does not read back as itself from its files (${describeFields(lost)} would differ in the target); nothing promoted`] };
    }
    if (!candidate.verdict.ok) return { ok: false, inputErrors: [], candidate };
    return { ok: true, candidate };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The carried fields the files would not reproduce. A version stored without a context
 * schema (published from a folder with none, or before versions stored them) has none
 * recorded: a schema found when it is read back is not a loss.
 */
export function lostFields(stored: CarriedVersion, readBack: CarriedVersion): string[] {
  return carriedDifferences(stored, readBack).filter((f) => !(f === 'contextSchema' && stored.contextSchema === null));
}

export interface PromoteOptions {
  author: string;
  message?: string;
  /** The source store's display URL (already without its password). */
  from: string;
}

/** Publishes a gated version into the target on top of its current head; consensus rules arrive pending. */
export async function publishPromotion(target: RuleStore, v: RuleVersionRecord, candidate: PublishCandidate, options: PromoteOptions): Promise<PublishOutcome> {
  const promotedFrom: PromotedFrom = { store: options.from, rule: v.rule, version: v.number, checksum: v.checksum, at: new Date().toISOString() };
  const base = (await target.getRule(v.rule))?.headVersion ?? 0;
  return target.publish(candidate.definition, {
    author: options.author,
    message: options.message ?? `promoted from ${options.from} version ${v.number}`,
    baseVersion: base,
    gate: async () => candidate.verdict,
    promotedFrom,
  });
}
