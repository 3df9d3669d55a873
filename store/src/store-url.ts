import { isAbsolute, resolve } from 'node:path';

/**
 * The one owner of store URLs (docs/store.md): `sqlite:<path>` (the embedded default)
 * or `postgres://user:password@host:port/db` (also `postgresql://`, and the password
 * as `?password=`, which pg reads too). It parses them, redacts them (every message
 * and log line) and moves passwords in and out of them (the extension keeps the
 * password in SecretStorage, never in settings.json): the CLI, `serve`, the
 * language server and the extension do none of this themselves.
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
    return { kind: 'postgres', url: text, display: redactStoreUrl(text), password: passwordOf(url) };
  }
  throw new StoreUrlError(`unknown store URL scheme "${scheme}:" in "${redactStoreUrl(text)}"; use sqlite:<path> or postgres://user@host/db`);
}

/**
 * Secret redaction: ONE function, `redactText`, that every message, log line and error
 * that may hold a store URL goes through (the CLI filters all of stderr through it,
 * `serve` all of its log). It works on text, never on a parsed URL, because the URLs
 * that leak are exactly the ones that do not parse: a password with `/`, `?`, `#` or
 * `@` moves URL parsing's idea of where the authority ends.
 *
 * Two layers:
 *  1. Shapes: in every `scheme://…` run of the text, everything between the first `:`
 *     of the user info and the LAST `@` of the run is a password; and the value of
 *     every `…password=`, `…pass=`, `pwd=`, `…secret…=`, `…token…=` parameter.
 *  2. Known secrets: the passwords of the URLs the process was given (secretsOfUrl),
 *     removed wherever they appear, also percent-decoded and JSON-escaped (a driver
 *     error or a JSON log line may echo them in either form).
 * Over-redacting (an `@` in a query parameter hides the host too) is accepted; leaking is not.
 */
const URL_RUN = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s"'`<>]*)/g;
const SECRET_PARAM = /((?:^|[?&;\s"'])[\w.-]*(?:pass|pwd|secret|token)[\w.-]*=)([^&#\s"'`]*)/gi;

const MIN_KNOWN_SECRET = 3;

export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Secrets of one or two characters would turn every message into asterisks (and
  // reveal themselves by where the gaps fall); the shape layer still covers them in URLs.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) if (secret.length >= MIN_KNOWN_SECRET) out = out.split(secret).join('***');
  out = out.replace(URL_RUN, (_m, scheme: string, rest: string) => scheme + redactUserInfo(rest));
  return out.replace(SECRET_PARAM, (_m, key: string, value: string) => key + (value === '' ? '' : '***'));
}

function redactUserInfo(rest: string): string {
  const at = rest.lastIndexOf('@');
  if (at < 0) return rest;
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  return (colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`) + rest.slice(at);
}

/**
 * The secrets a store URL carries, as written: the password of its user info (up to
 * the last `@` of the whole URL, whatever characters it holds) and the values of its
 * password-like parameters; each also percent-decoded and JSON-escaped.
 */
export function secretsOfUrl(raw: string): string[] {
  const found: string[] = [];
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:(\/\/)?/.exec(raw.trim());
  if (scheme) {
    const rest = raw.trim().slice(scheme[0].length);
    const at = rest.lastIndexOf('@');
    const colon = at < 0 ? -1 : rest.slice(0, at).indexOf(':');
    if (colon >= 0) found.push(rest.slice(colon + 1, at));
  }
  for (const match of raw.matchAll(SECRET_PARAM)) found.push(match[2] as string);
  const variants = new Set<string>();
  for (const secret of found) {
    if (secret === '') continue;
    variants.add(secret);
    try {
      variants.add(decodeURIComponent(secret));
    } catch {
      // a stray % stays as written
    }
    for (const v of [...variants]) variants.add(JSON.stringify(v).slice(1, -1));
  }
  return [...variants].filter((v) => v !== '');
}

/** The URL with its password (if any) replaced by `***`; tolerant of URLs that do not parse. */
export function redactStoreUrl(raw: string): string {
  // The whole text is one URL here, so its user info runs to its last @ even when the
  // password holds a space or a quote (which end a URL run inside a longer message).
  const scheme = /^\s*[A-Za-z][A-Za-z0-9+.-]*:(\/\/)?/.exec(raw);
  const whole = scheme ? scheme[0] + redactUserInfo(raw.slice(scheme[0].length)) : raw;
  return redactText(whole, secretsOfUrl(raw));
}

/** Removes every occurrence of a secret from a message (e.g. a driver error that echoes it). */
export function redactSecret(message: string, secret: string | undefined): string {
  return redactText(message, secret === undefined ? [] : [secret]);
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** The password a parsed postgres URL carries: its user info's, else its `?password=` (pg honours both). */
function passwordOf(url: URL): string {
  if (url.password !== '') {
    try {
      return decodeURIComponent(url.password);
    } catch {
      return url.password; // a stray % in the password: keep it as written
    }
  }
  return url.searchParams.get('password') ?? '';
}

/**
 * Splits a postgres URL's password off (from its user info and from `?password=`),
 * so it can go to SecretStorage instead of settings.json. Other URLs, and URLs that
 * do not parse, come back unchanged with no password.
 */
export function splitStorePassword(raw: string): { url: string; password: string | undefined } {
  if (!POSTGRES_URL.test(raw.trim())) return { url: raw, password: undefined };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { url: raw, password: undefined };
  }
  const password = passwordOf(url);
  if (password === '') return { url: raw, password: undefined };
  url.password = '';
  url.searchParams.delete('password');
  return { url: url.toString(), password };
}

/**
 * Puts a password kept apart (the extension's SecretStorage) into a postgres URL that
 * carries none; a URL with its own password (user info or `?password=`) wins.
 */
export function mergeStorePassword(raw: string, password: string | undefined): string {
  if (!password || !POSTGRES_URL.test(raw.trim())) return raw;
  try {
    const url = new URL(raw.trim());
    if (passwordOf(url) !== '') return raw;
    url.password = password;
    return url.toString();
  } catch {
    return raw;
  }
}
