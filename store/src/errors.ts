/**
 * Errors the store raises on purpose. Each has a one-line message meant for a user;
 * the CLI maps them to exit codes (bad input → 2, refused/failed → 1).
 */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** Publishing on top of a version someone else already replaced; nothing was written. */
export class ConflictError extends StoreError {
  override name = 'ConflictError';
  constructor(
    readonly rule: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      expectedVersion === 0
        ? `conflict: rule "${rule}" was created by someone else meanwhile (now at version ${actualVersion}); nothing was written — review version ${actualVersion} and publish again`
        : `conflict: rule "${rule}" is at version ${actualVersion}, not ${expectedVersion} as expected; someone published meanwhile and nothing was written — review version ${actualVersion} and publish again`,
    );
  }
}

export class UnknownRuleError extends StoreError {
  override name = 'UnknownRuleError';
  constructor(readonly rule: string) {
    super(`unknown rule "${rule}" in the store`);
  }
}

export class UnknownVersionError extends StoreError {
  override name = 'UnknownVersionError';
  constructor(
    readonly rule: string,
    readonly version: number,
    latest: number,
  ) {
    super(`rule "${rule}" has no version ${version} (latest is ${latest})`);
  }
}

/** The definition breaks the model's validation (e.g. a Lua rule without a script). */
export class InvalidRuleError extends StoreError {
  override name = 'InvalidRuleError';
}

/** The publish gate (checks, fixtures) said no; nothing was written. */
export class GateRefusedError extends StoreError {
  override name = 'GateRefusedError';
  constructor(
    message: string,
    readonly verdict: unknown,
  ) {
    super(message);
  }
}

/** An approval that cannot count: self-approval, twice by one person, version not pending. */
export class ApprovalError extends StoreError {
  override name = 'ApprovalError';
}

/** The database cannot be reached or refused the login; the message never holds a password. */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError';
}

// Issue 14 (h14-roles): identity and roles.

/**
 * On PostgreSQL the author of a write is the database user of the connection; a
 * different name was asked for. Bad input (the CLI exits 2); nothing was written.
 */
export class AuthorMismatchError extends StoreError {
  override name = 'AuthorMismatchError';
  constructor(
    readonly claimed: string,
    readonly databaseUser: string,
  ) {
    super(`on PostgreSQL the author is the database user you connect as (${databaseUser}), so it cannot be "${claimed}"; leave --author out, or connect as ${claimed}`);
  }
}

/**
 * The database said no (SQLSTATE 42501: a missing grant, or one of the identity
 * triggers of migration 6): the user lacks the role for this. Nothing was written.
 */
export class RefusedByDatabaseError extends StoreError {
  override name = 'RefusedByDatabaseError';
}
