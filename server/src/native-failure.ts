import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm run package` built better-sqlite3's addon for (dist/native-target.json, beside server.js). */
interface NativeTarget {
  target: string;
  platform: string;
  arch: string;
  node: string;
  modules: string;
}

/** NODE_MODULE_VERSION → the runtime that has it (Node releases; Electron numbers are its own). */
const ABI_NAMES: Record<string, string> = { '108': 'Node 18', '115': 'Node 20', '120': 'Node 21', '127': 'Node 22', '131': 'Node 23', '137': 'Node 24' };

function abiName(modules: string): string {
  return ABI_NAMES[modules] ? `${ABI_NAMES[modules]} (ABI ${modules})` : `ABI ${modules}`;
}

function readTarget(dir: string): NativeTarget | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'native-target.json'), 'utf8')) as NativeTarget;
  } catch {
    return undefined; // running from the sources (tests), not from a packaged .vsix
  }
}

/**
 * Turns better-sqlite3's load failure into the cause and the fix, in one line. Two
 * causes, told apart by the loader's own words:
 * - another Node ABI ("compiled against a different Node.js version using
 *   NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 128"):
 *   the server runs on a runtime other than the Node the addon was built for, typically
 *   VS Code's Electron; the fix is `luaRules.runtime` pointing at that Node;
 * - another platform or CPU ("invalid ELF header", "not a valid Win32 application",
 *   "wrong ELF class", a Mach-O error): the .vsix was built for another machine; the
 *   fix is the .vsix for this platform.
 * Anything else comes back unchanged. `dir` is where native-target.json lives.
 */
export function explainNativeFailure(message: string, runtime: string, dir: string = __dirname): string {
  if (!/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|was compiled against a different Node\.js version|invalid ELF header|wrong ELF class|not a valid Win32 application|mach-o|better_sqlite3\.node/i.test(message)) return message;
  const built = readTarget(dir);
  const here = `${process.platform}-${process.arch}`;
  const abi = /NODE_MODULE_VERSION (\d+)\.\s+This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) {
    const [, builtFor, runningOn] = abi as unknown as [string, string, string];
    return `the SQLite store cannot load: better-sqlite3 was built for ${abiName(builtFor)}${built ? ` (${built.node})` : ''}, but the language server runs on ${runtime}, which needs ${abiName(runningOn)}. Fix: set "luaRules.runtime" to a ${ABI_NAMES[builtFor] ?? `Node with ABI ${builtFor}`} executable (e.g. the output of \`which node\`), then run "Lua Rules: Restart Language Server"; or install the .vsix built for your Node (docs/extension.md, "One .vsix per platform").`;
  }
  if (built && built.target && !built.target.endsWith(process.arch)) {
    return `the SQLite store cannot load: this .vsix was built for ${built.target}, and this machine is ${here}. Fix: install the Lua Rules .vsix built for ${here} (docs/extension.md, "One .vsix per platform"). (${message.split('\n')[0]})`;
  }
  if (/invalid ELF header|wrong ELF class|not a valid Win32 application|mach-o/i.test(message)) {
    return `the SQLite store cannot load: better-sqlite3 in this .vsix was built for ${built?.target ?? 'another platform'}, and this machine is ${here}. Fix: install the .vsix built for ${here} (docs/extension.md, "One .vsix per platform"). (${message.split('\n')[0]})`;
  }
  return `${message.split('\n')[0]} — better-sqlite3 does not load under this runtime (${runtime})${built ? `; it was built for ${built.target}, ${abiName(built.modules)}` : ''}. Fix: set "luaRules.runtime" to a Node executable (e.g. /usr/bin/node) and restart the language server.`;
}
