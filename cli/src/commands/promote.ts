import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, parseCommandArgs, stringFlag } from '../args';
import { describePublished, describeRefused } from '../../../service/src/publish-files';
import { gateVersion, NothingToPromoteError, promotableVersion, publishPromotion } from '../../../service/src/promote-version';
import { parseStoreUrl, redactStoreUrl, StoreUrlError, UnknownRuleError, UnknownVersionError, type RuleVersionRecord } from '../../../store/src';
import { AUTHOR_HELP, requiredFlag, withStore, writeAuthor } from './store-common';
import { displayText, safeJson } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules promote <rule> --from URL --to URL [--version N] [--author NAME] [--message TEXT] [--json]

Publishes one version of a rule from one store (say staging) into another (say
production) through the target's gate: the contract checks (against the context
schema stored with the version) and its stored fixtures run again, and a failing
one refuses the promotion (nothing is written). The new version carries everything
the source's did: content, settings, fixtures and context schema; one the rule
files could not reproduce refuses the promotion too. The new version records where it came from in its evidence: the source
store (password redacted), the version and its checksum ('history --json' shows
it). A rule with ---@consensus arrives pending in the target, waiting for approvals
there. Unchanged content (the target's latest version already has it) writes nothing.

Options:
  --from URL          the source store (read only)
  --to URL            the target store
  --version N         the version to promote (default: the source's live version)
${AUTHOR_HELP}
  --message TEXT      why (default: "promoted from <source> version <n>")
  --json              print {"rule", "from", "version", "created", "state", "approvalsMissing"}

Store URLs are sqlite:<path> or postgres://user:password@host:port/db (both are
required: no default, so a promotion always names both ends); a password is never
printed or recorded.

Exit codes: 0 promoted (or unchanged); 1 the gate refused it, a conflict, or a
store could not be reached; 2 bad usage, a bad URL, the same store twice, an
unknown rule or version, a rule without a live version and no --version.`;

export const promoteCommand: Command = {
  name: 'promote',
  summary: "publish a version of one store into another through the target's gate",
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('promote', argv, { from: { type: 'string' }, to: { type: 'string' }, version: { type: 'string' }, author: { type: 'string' }, message: { type: 'string' }, json: { type: 'boolean' } });
    const [rule, extra] = args.positionals;
    if (rule === undefined) throw new UsageError('promote: which rule? usage: lua-rules promote <rule> --from URL --to URL [--version N]');
    if (extra !== undefined) throw new UsageError(`promote: one rule at a time (got '${extra}' too)`);
    const from = requiredFlag('promote', args, 'from', 'URL (the source store)');
    const to = requiredFlag('promote', args, 'to', 'URL (the target store)');
    const versionText = stringFlag(args, 'version');
    let version: number | undefined;
    if (versionText !== undefined) {
      version = Number(versionText.trim().replace(/^v/i, ''));
      if (!Number.isInteger(version) || version < 1) throw new UsageError(`promote: --version must be a version number >= 1, got '${versionText}'`);
    }
    // Both URLs are checked before either store is opened: a typo in --to must not wait for the source.
    for (const [flag, url] of [['--from', from], ['--to', to]] as const) {
      try {
        parseStoreUrl(url, io.cwd);
      } catch (e) {
        if (e instanceof StoreUrlError) throw new UsageError(`promote: ${flag}: ${e.message}`);
        throw e;
      }
    }
    if (sameStore(from, to, io.cwd)) throw new UsageError(`promote: --from and --to are the same store (${redactStoreUrl(to)}); promotion goes from one store to another`);
    const message = stringFlag(args, 'message');
    const json = booleanFlag(args, 'json');
    // The source is read (and closed) first: its errors are its own, the target's its own.
    let chosen: RuleVersionRecord | undefined;
    let fromDisplay = '';
    const read = await withStore(
      'promote',
      from,
      io,
      async (source) => {
        try {
          chosen = await promotableVersion(source, rule, version);
        } catch (e) {
          if (e instanceof NothingToPromoteError) throw new UsageError(`promote: ${e.message}`);
          // Say which store: the target may well have the rule.
          if (e instanceof UnknownRuleError) throw new UsageError(`promote: unknown rule "${rule}" in the source store ${source.display}`);
          if (e instanceof UnknownVersionError) throw new UsageError(`promote: ${e.message} in the source store ${source.display}`);
          throw e;
        }
        fromDisplay = source.display;
        return EXIT.ok;
      },
      'read',
    );
    if (read !== EXIT.ok || chosen === undefined) return read;
    const v = chosen;
    const gated = gateVersion(v);
    if (!gated.ok) {
      for (const e of gated.inputErrors) io.stderr(`lua-rules promote: ${displayText(e)}\n`);
      if (gated.candidate !== undefined) for (const line of describeRefused(gated.candidate)) io.stderr(`${line}\n`);
      io.stderr(`lua-rules promote: nothing promoted: version ${v.number} of ${displayText(rule)} failed the gate of the target\n`);
      return EXIT.failures;
    }
    const candidate = gated.candidate;
    return withStore('promote', to, io, async (target) => {
      // The one author-identity function, asked of the target (the store written to).
      const author = await writeAuthor('promote', target, args, io);
      const out = await publishPromotion(target, v, candidate, { author, from: fromDisplay, ...(message !== undefined ? { message } : {}) });
      if (json) {
        io.stdout(safeJson({ rule, from: { store: fromDisplay, version: v.number, checksum: v.checksum }, version: out.version.number, created: out.created, state: out.version.state, approvalsMissing: out.approvalsMissing }, 2) + '\n');
      } else {
        io.stdout(`${describePublished(out)} in ${target.display}, from version ${v.number} of ${fromDisplay}\n`);
        // The switch is the target's own: a rule disabled there stays disabled.
        if ((await target.getRule(rule))?.disabled) io.stdout(`note: ${displayText(rule)} is disabled in ${target.display}: no engine serves it until 'lua-rules enable ${displayText(rule)}'\n`);
      }
      return EXIT.ok;
    });
  },
};

/** Whether two URLs name one store (same SQLite file, or same server, port and database). */
function sameStore(a: string, b: string, cwd: string): boolean {
  try {
    return canonical(a, cwd) === canonical(b, cwd) && !(a.includes(':memory:') || b.includes(':memory:'));
  } catch {
    return false; // a bad URL is reported when it is opened
  }
}

function canonical(url: string, cwd: string): string {
  const l = parseStoreUrl(url, cwd);
  if (l.kind === 'sqlite') return `sqlite:${l.path}`;
  // The user does not matter: two logins to one database are one store.
  const u = new URL(l.url);
  return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}`;
}
