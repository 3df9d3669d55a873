import { isAbsolute, resolve } from 'node:path';

/**
 * Store URLs (CONTRACTS): `sqlite:<path>` (the embedded default) or
 * `postgres://user:password@host:port/db` (also `postgresql://`).
 * A password must never reach a message or a log line, so every URL shown to a
 * user goes through `redactStoreUrl` first.
 */
export type StoreLocation =
  | { kind: 'sqlite'; /** Absolute file path, or ':memory:'. */ path: string; display: string }
  | { kind: 'postgres'; /** The full URL with its password: only ever handed to pg. */ url: string; display: string; password: string };

/** A store URL that cannot be used; the message is one line and has no password in it. */
export class StoreUrlError extends Error {
  override name = 'StoreUrlError';
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

export function parseStoreUrl(raw: string, cwd: string = process.cwd()): StoreLocation {
  const text = raw.trim();
  if (text === '') throw new StoreUrlError('empty store URL; use sqlite:<path> or postgres://user@host/db');
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new StoreUrlError(`store URL "${redactStoreUrl(text)}" has no scheme; use sqlite:<path> or postgres://user@host/db`);
  }
  if (scheme === 'sqlite') {
    // sqlite:rules.db, sqlite:./x/rules.db, sqlite:/abs/rules.db and sqlite:///abs/rules.db all work.
    let path = text.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path.trim() === '') throw new StoreUrlError('store URL "sqlite:" has an empty path; use sqlite:<path>, e.g. sqlite:rules.db');
    if (path === ':memory:') return { kind: 'sqlite', path, display: 'sqlite::memory:' };
    const abs = isAbsolute(path) ? path : resolve(cwd, path);
    return { kind: 'sqlite', path: abs, display: `sqlite:${abs}` };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new StoreUrlError(`store URL "${redactStoreUrl(text)}" is not a valid PostgreSQL URL; expected postgres://user:password@host:port/database`);
    }
    // A URL with only a socket directory in ?host= is valid for pg; otherwise a host is needed.
    if (url.hostname === '' && !url.searchParams.has('host')) {
      throw new StoreUrlError(`store URL "${redactStoreUrl(text)}" has no host; expected postgres://user:password@host:port/database`);
    }
    if (url.port !== '' && !(Number(url.port) > 0 && Number(url.port) < 65536)) {
      throw new StoreUrlError(`store URL "${redactStoreUrl(text)}" has an invalid port`);
    }
    let password = url.password;
    try {
      password = decodeURIComponent(url.password);
    } catch {
      // a stray % in the password: keep it as written
    }
    return { kind: 'postgres', url: text, display: redactStoreUrl(text), password };
  }
  throw new StoreUrlError(`unknown store URL scheme "${scheme}:" in "${redactStoreUrl(text)}"; use sqlite:<path> or postgres://user@host/db`);
}

/** The URL with its password (if any) replaced by `***`; tolerant of URLs that do not parse. */
export function redactStoreUrl(raw: string): string {
  // user:password@ in the authority, done textually so it also works on malformed URLs.
  // As in URL parsing, the authority ends at the first / ? or #, and the password runs
  // to its LAST @ (an unencoded @ in a password must not leak the rest of it).
  let out = raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)/, (_m, scheme: string, authority: string) => {
    const at = authority.lastIndexOf('@');
    if (at < 0) return scheme + authority;
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    return scheme + (colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`) + authority.slice(at);
  });
  // ?password=... in the query string (libpq style).
  out = out.replace(/([?&]password=)[^&#]*/gi, '$1***');
  return out;
}

/** Removes every occurrence of a secret from a message (e.g. a driver error that echoes it). */
export function redactSecret(message: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return message;
  return message.split(secret).join('***');
}
