import { readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command, CommandIO } from '../command';
import { EXIT, UsageError } from '../command';
import { checkRulesFile, SchemaCache } from '../../../core/src/checker';
import { ruleFileKind } from '../../../core/src/rules-folder/file-names';
import { rulesFolderFiles } from '../../../core/src/rules-folder/walk-rules-folder';
import type { Finding } from '../../../core/src/checker';
import { decodeUtf8 } from '../../../core/src/rules-folder/utf8';
import { displayText, safeJson } from '../../../core/src/util/display-text';

const HELP = `Usage: lua-rules check [paths...] [--format text|json] [--strict]

Runs the contract checks on Lua rules (*.lua), pattern rules (*.rule.json) and
fixture files (*.fixtures.json). Paths may be files or folders (searched
recursively); the default is the current folder. Context fields are checked
against the nearest context.schema.json above each rule.

  --format text   one line per finding: file:line:col: severity code: message
                  (1-based lines and columns), then a summary line (default)
  --format json   a JSON array of {file, range, severity, code, message} with
                  0-based LSP ranges, on stdout only
  --strict        warnings fail too (exit 1)

Exit: 0 no errors, 1 errors found (or warnings with --strict), 2 bad usage or a
missing path. The checks are listed in docs/checks.md.`;

interface CheckArgs {
  paths: string[];
  format: 'text' | 'json';
  strict: boolean;
}

function parseArgs(argv: string[]): CheckArgs | 'help' {
  const args: CheckArgs = { paths: [], format: 'text', strict: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--strict') args.strict = true;
    else if (arg === '--format' || arg.startsWith('--format=')) {
      const value = arg.includes('=') ? arg.slice('--format='.length) : argv[++i];
      if (value !== 'text' && value !== 'json') throw new UsageError(`--format must be text or json (got ${value === undefined ? 'nothing' : JSON.stringify(value)})`);
      args.format = value;
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}; see lua-rules check --help`);
    else args.paths.push(arg);
  }
  return args;
}

/** Rules-folder files under a path (a file given by name is checked whatever its name), sorted, so output is stable. */
function collectFiles(path: string, out: string[]): void {
  if (statSync(path).isFile()) {
    out.push(path);
    return;
  }
  for (const file of rulesFolderFiles(path)) {
    const kind = ruleFileKind(file);
    if (kind && kind !== 'context-schema') out.push(file);
  }
}

export interface FileFinding extends Finding {
  file: string;
}

/** Checks files and folders; exported for the language server's workspace check and for tests. */
export function checkPaths(paths: string[], cwd: string): { findings: FileFinding[]; files: number } {
  const files: string[] = [];
  for (const path of paths.length > 0 ? paths : ['.']) {
    const absolute = resolve(cwd, path);
    try {
      statSync(absolute);
    } catch {
      throw new UsageError(`no such file or folder: ${path}`);
    }
    collectFiles(absolute, files);
  }
  const schemas = new SchemaCache();
  const findings: FileFinding[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new UsageError(`cannot read ${relative(cwd, file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const shown = relative(cwd, file) || file;
    const decoded = decodeUtf8(bytes);
    if (!decoded.ok) {
      // Checked as text, the bad bytes would silently become U+FFFD: say where they are instead.
      const before = bytes.subarray(0, decoded.offset);
      const line = before.filter((b) => b === 10).length;
      const character = decoded.offset - (before.lastIndexOf(10) + 1);
      const at = { line, character };
      findings.push({ file: shown, range: { start: at, end: at }, severity: 'error', code: 'syntax-error', message: `not valid UTF-8: byte ${decoded.offset} (0-based) does not start or continue a UTF-8 character; save the file as UTF-8` });
      continue;
    }
    const text = decoded.text;
    for (const finding of checkRulesFile(file, text, schemas).findings) findings.push({ file: shown, ...finding });
  }
  return { findings, files: files.length };
}

function textLine(f: FileFinding): string {
  return `${displayText(f.file)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.code}: ${displayText(f.message)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check rules, pattern rules and fixture files against the rule contract',
  help: HELP,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const args = parseArgs(argv);
    if (args === 'help') {
      io.stdout(HELP + '\n');
      return EXIT.ok;
    }
    const { findings, files } = checkPaths(args.paths, io.cwd);
    if (args.format === 'json') {
      io.stdout(safeJson(findings.map((f) => ({ file: f.file, range: f.range, severity: f.severity, code: f.code, message: f.message })), 2) + '\n');
    } else {
      for (const f of findings) io.stdout(textLine(f) + '\n');
      const errors = findings.filter((f) => f.severity === 'error').length;
      const warnings = findings.filter((f) => f.severity === 'warning').length;
      io.stdout(findings.length === 0 ? `no problems in ${plural(files, 'file')}\n` : `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files, 'file')}\n`);
    }
    const failing = findings.some((f) => f.severity === 'error' || (args.strict && f.severity === 'warning'));
    return failing ? EXIT.failures : EXIT.ok;
  },
};
