/**
 * What the extension hands the language server process in its environment rather
 * than over LSP: the store. The password travels only here (never in settings.json,
 * an LSP message or a trace); the server reads these in server/src/store-connection.ts.
 */

/** The store URL (`sqlite:<path>` or `postgres://user@host/db`, without a password). */
export const STORE_URL_ENV = 'LUA_RULES_STORE';
/** The PostgreSQL password from SecretStorage: passed in the environment, never in settings or LSP messages. */
export const STORE_PASSWORD_ENV = 'LUA_RULES_STORE_PASSWORD';
/** The folder a relative sqlite: path is resolved against. */
export const STORE_CWD_ENV = 'LUA_RULES_STORE_CWD';
