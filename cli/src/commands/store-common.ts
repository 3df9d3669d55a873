import { userInfo } from 'node:os';
import type { CommandIO } from '../command';
import { EXIT, UsageError } from '../command';
import type { ParsedArgs } from '../args';
import { stringFlag } from '../args';
import {
  ApprovalError,
  AuthorMismatchError,
  RefusedByDatabaseError,
  RolesSetupError,
  authorOfWrite,
  ConflictError,
  GateRefusedError,
  InvalidRuleError,
  StoreError,
  StoreUnavailableError,
  StoreUrlError,
  UnknownRuleError,
  UnknownVersionError,
  openStore,
  parseStoreUrl,
  redactSecret,
  type Store,
} from '../../../store/src';

/** Shared by publish, history, rollback, approve and migrate: the store flag and error mapping. */
export const STORE_FLAGS = { store: { type: 'string' as const } };

export const STORE_HELP = `  --store URL         sqlite:<path> or postgres://user:password@host:port/db
                      (default: $LUA_RULES_STORE); the password is never printed`;

/** The store URL from --store or LUA_RULES_STORE; a usage error when neither is there. */
export function storeUrl(command: string, args: ParsedArgs, io: CommandIO): string {
  const url = stringFlag(args, 'store') ?? io.env.LUA_RULES_STORE;
  if (url === undefined || url.trim() === '') throw new UsageError(`${command}: no store; pass --store sqlite:<path> or postgres://..., or set LUA_RULES_STORE`);
  return url;
}

export function requiredFlag(command: string, args: ParsedArgs, name: string, what: string): string {
  const value = stringFlag(args, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`${command}: --${name} ${what} is required; see 'lua-rules ${command} --help'`);
  return value.trim();
}

/**
 * Who is the author of a write (publish, rollback, approve, disable/enable, promote,
 * publish --shadow): EVERY writing command calls this, once the store is open, and
 * nothing else decides it. The decision is `authorOfWrite` (store/src/roles.ts): on
 * PostgreSQL the database user of the connection (a different --author is refused,
 * exit 2, with the reason); on SQLite `--author NAME`, else the OS user. An empty
 * `--author ""` counts as not given: it is what `--author "$USER"` becomes where $USER
 * is unset (containers, CI), and the OS still knows who is running the command.
 */
export async function writeAuthor(command: string, store: Store, args: ParsedArgs, io: CommandIO): Promise<string> {
  try {
    return await authorOfWrite(store, stringFlag(args, 'author'), () => defaultAuthor(io.env));
  } catch (e) {
    if (e instanceof AuthorMismatchError) throw new UsageError(`${command}: ${e.message}`);
    throw e;
  }
}

export const AUTHOR_HELP = `  --author NAME       who does it. SQLite: default the OS user. PostgreSQL: always the
                      database user you connect as; a different NAME is refused`;

/** The OS user name (the passwd entry, not $USER), then $USER/$LOGNAME/$USERNAME, then the uid. */
export function defaultAuthor(env: NodeJS.ProcessEnv): string {
  try {
    const name = userInfo().username.trim();
    if (name) return name;
  } catch {
    // No passwd entry for this uid (a container run with an arbitrary --user): fall through.
  }
  for (const key of ['USER', 'LOGNAME', 'USERNAME']) {
    const value = env[key]?.trim();
    if (value) return value;
  }
  return typeof process.getuid === 'function' ? `uid-${process.getuid()}` : 'unknown';
}

export function versionFlag(command: string, args: ParsedArgs, name: string): number {
  const text = requiredFlag(command, args, name, '<n>');
  const n = Number(text.replace(/^v/i, ''));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${command}: --${name} must be a version number >= 1, got '${text}'`);
  return n;
}

/**
 * Reading commands open the store read-only: a missing SQLite file is refused (not
 * created with its folders), a read-only file works, and the schema is checked, not migrated.
 */
export type StoreAccess = 'read' | 'write';

/** Codes that mean the URL itself is wrong (bad input, exit 2) rather than the server failing (exit 1). */
const BAD_INPUT_CODES = new Set(['28P01', '28000', '3D000', 'ENOTFOUND', 'EAI_AGAIN', 'SQLITE_CANTOPEN']);

/**
 * Opens the store a command names. A bad URL is a usage error; a store that cannot be
 * opened is one line on stderr, and its exit code is returned instead of the store.
 */
export function openCommandStore(command: string, url: string, io: CommandIO, access: StoreAccess = 'write'): { store: Store; password: string | undefined } | number {
  let password: string | undefined;
  try {
    const location = parseStoreUrl(url, io.cwd);
    password = location.kind === 'postgres' ? location.password : undefined;
    return { store: openStore(url, { cwd: io.cwd, connectTimeoutMs: 5000, readOnly: access === 'read' }), password };
  } catch (e) {
    if (e instanceof StoreUrlError) throw new UsageError(`${command}: ${e.message}`);
    if (e instanceof StoreUnavailableError) {
      io.stderr(`lua-rules ${command}: ${redactSecret(e.message, password)}\n`);
      return BAD_INPUT_CODES.has((e as { code?: string }).code ?? '') ? EXIT.usage : EXIT.failures;
    }
    throw e;
  }
}

/**
 * Opens the store, runs `fn`, closes the store, and turns store errors into one line
 * on stderr and an exit code: bad input (URL, unknown rule or version, invalid rule,
 * wrong password or database name) → 2; refused or failed (conflict, gate, approval,
 * unreachable server) → 1. No message ever holds the password.
 */
export async function withStore(command: string, url: string, io: CommandIO, fn: (store: Store) => Promise<number>, access: StoreAccess = 'write'): Promise<number> {
  const opened = openCommandStore(command, url, io, access);
  if (typeof opened === 'number') return opened;
  const { store, password } = opened;
  try {
    return await fn(store);
  } catch (e) {
    // A usage error raised inside `fn` is reported once, by main (exit 2), not here too.
    if (e instanceof UsageError) throw new UsageError(redactSecret(e.message, password));
    const message = redactSecret((e as Error).message ?? String(e), password);
    if (e instanceof RefusedByDatabaseError || e instanceof RolesSetupError) {
      io.stderr(`lua-rules ${command}: ${message}${refusalHint(command, message)}\n`);
      return EXIT.failures;
    }
    io.stderr(`lua-rules ${command}: ${message}\n`);
    if (e instanceof UnknownRuleError || e instanceof UnknownVersionError || e instanceof InvalidRuleError) return EXIT.usage;
    if (e instanceof StoreUnavailableError) return BAD_INPUT_CODES.has((e as { code?: string }).code ?? '') ? EXIT.usage : EXIT.failures;
    if (e instanceof ConflictError || e instanceof GateRefusedError || e instanceof ApprovalError || e instanceof StoreError) return EXIT.failures;
    return EXIT.failures;
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** The group role a command's writes need (docs/store.md, "Roles"); commands not named here write as an author. */
const ROLE_OF_COMMAND: Record<string, string> = { approve: 'lua_rules_approver', serve: 'lua_rules_engine', history: 'lua_rules_author or lua_rules_approver' };

/**
 * After a plain missing grant ("permission denied for table …"), which role would
 * have allowed it; the identity triggers' refusals already say why.
 */
function refusalHint(command: string, message: string): string {
  if (!/permission denied for (table|relation|sequence)/.test(message)) return '';
  return ` (${command} needs membership of ${ROLE_OF_COMMAND[command] ?? 'lua_rules_author'}; see "Roles" in docs/store.md)`;
}

/** How a version's state reads (`pending: 2 more approvals needed`); owned by the publishing module. */
export { stateLabel } from '../../../service/src/publish-files';
