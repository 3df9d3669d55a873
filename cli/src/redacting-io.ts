import type { CommandIO } from './command';
import { redactText, secretsOfUrl } from '../../store/src/store-url';

/**
 * Every message a command writes to stderr goes through the one redaction function
 * (store/src/store-url.ts), with the secrets of every URL the invocation was given:
 * any argument that looks like a URL (`--store`, and whatever flag comes next) and
 * LUA_RULES_STORE. A path that forgets to redact a URL can then not leak it.
 * stdout is left alone: it carries data (JSON results, rule text) that must come out
 * exactly as it is; what it shows of a store is its already-redacted display name.
 */
export function redactingIO(io: CommandIO, argv: readonly string[]): CommandIO {
  const urls = argv.map((a) => a.replace(/^--[\w-]+=/, '')).filter((a) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(a.trim()));
  if (io.env.LUA_RULES_STORE) urls.push(io.env.LUA_RULES_STORE);
  const secrets = urls.flatMap(secretsOfUrl);
  const stderr = io.stderr.bind(io);
  return { ...io, stderr: (text) => stderr(redactText(text, secrets)) };
}
