import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError, UnknownRuleError, toStorable, type PromotedFrom, type PublishOutcome, type RuleStore, type RuleVersionRecord } from '../../store/src';
import { checkFilesForPublish, type PublishCandidate } from './publish-files';
import { versionFiles } from './version-files';

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

/** Runs the publish gate on a stored version (its content and its stored fixtures), in a scratch folder removed afterwards. */
export function gateVersion(v: RuleVersionRecord): PromotionGate {
  const dir = mkdtempSync(join(tmpdir(), 'lua-rules-promote-'));
  try {
    for (const f of versionFiles({ rule: v.rule, kind: v.kind, content: v.content, fixtures: v.fixtures ?? null })) if (f.text !== null) writeFileSync(join(dir, f.name), f.text);
    const { candidates, inputErrors } = checkFilesForPublish([dir], dir);
    const candidate = candidates[0];
    if (inputErrors.length > 0 || candidate === undefined) return { ok: false, inputErrors: inputErrors.length > 0 ? inputErrors : [`version ${v.number} of "${v.rule}" cannot be read back as a rule`] };
    // The files must be the version: same name, same checksum (else the target would store something else).
    const storable = toStorable(candidate.definition);
    if (storable.name !== v.rule || storable.checksum !== v.checksum) {
      return { ok: false, inputErrors: [`version ${v.number} of "${v.rule}" does not read back as itself (name ${storable.name}, sha256 ${storable.checksum.slice(0, 12)} instead of ${v.checksum.slice(0, 12)})`] };
    }
    if (!candidate.verdict.ok) return { ok: false, inputErrors: [], candidate };
    return { ok: true, candidate };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
