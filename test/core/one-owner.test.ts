/**
 * The house rules of the source tree (docs/architecture.md), checked by reading the
 * sources with TypeScript's own scanner (comments and prose never count):
 *  - rule-file kinds and suffixes have one owner, core/src/rules-folder/file-names.ts;
 *  - core imports nothing from the editor, the LSP, the store, the server or the service;
 *  - the store is reached through its interfaces (types.ts), never its SQL class.
 * A failure names the file, the line and what to use instead.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');
const PROJECTS = ['core', 'cli', 'server', 'client', 'store', 'protocol', 'service'];
const SUFFIX_OWNER = 'core/src/rules-folder/file-names.ts';

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const FILES = PROJECTS.flatMap((project) => sourceFiles(join(ROOT, project, 'src')))
  .map((path) => ({ path, rel: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }))
  .sort((a, b) => (a.rel < b.rel ? -1 : 1));

/** Every string, template and regular-expression literal of a source, with its line. */
function literals(text: string): { text: string; line: number }[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: { text: string; line: number }[] = [];
  let previous = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    // A `/` where an expression may start is a regular expression, not a division.
    if ((kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) && !endsExpression(previous)) kind = scanner.reScanSlashToken();
    // The scanner alone cannot tell where `${...}` ends; a `}` that does not close a
    // block inside a template continues it (good enough for this tree's templates).
    if (kind === ts.SyntaxKind.CloseBraceToken && templateDepth > 0) {
      kind = scanner.reScanTemplateToken(false);
      if (kind === ts.SyntaxKind.TemplateTail) templateDepth--;
    }
    if (kind === ts.SyntaxKind.TemplateHead) templateDepth++;
    if (LITERAL_KINDS.has(kind)) {
      out.push({ text: scanner.getTokenText(), line: ts.getLineAndCharacterOfPosition(sourceOf(text), scanner.getTokenStart()).line + 1 });
    }
    previous = kind;
  }
  templateDepth = 0;
  return out;
}
let templateDepth = 0;
const sources = new Map<string, ts.SourceFile>();
function sourceOf(text: string): ts.SourceFile {
  let file = sources.get(text);
  if (!file) {
    file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest);
    sources.set(text, file);
  }
  return file;
}

const { SyntaxKind: K } = ts;
const LITERAL_KINDS = new Set([K.StringLiteral, K.NoSubstitutionTemplateLiteral, K.TemplateHead, K.TemplateMiddle, K.TemplateTail, K.RegularExpressionLiteral]);
/** Tokens after which a `/` divides (they end an expression); after anything else it starts a regular expression. */
const EXPRESSION_ENDS = new Set([K.Identifier, K.CloseParenToken, K.CloseBracketToken, K.NumericLiteral, K.StringLiteral, K.ThisKeyword]);

function endsExpression(kind: ts.SyntaxKind): boolean {
  return EXPRESSION_ENDS.has(kind);
}

/**
 * A literal that spells a rules-folder suffix as code: exactly the suffix ('.lua',
 * ".rule.json", 'context.schema.json'), a name built on it (`${rule}.lua`), or a
 * regular expression for it (/\.lua$/). Prose in messages ("rules are *.lua or
 * *.rule.json") and globs of settings are not suffix logic.
 */
const SUFFIX_LITERAL = [
  /^(['"`])(\.lua|\.rule\.json|\.fixtures\.json|context\.schema\.json)\1$/,
  /\}\.(lua|rule\.json|fixtures\.json)(?![\w.])/,
  /\}\.schema\.json/,
  /\\\.(lua|rule\\\.json|fixtures\\\.json|schema\\\.json)/,
];

test('rule-file suffixes are spelled in one module (core/src/rules-folder/file-names.ts)', () => {
  const offences: string[] = [];
  for (const file of FILES) {
    if (file.rel === SUFFIX_OWNER) continue;
    for (const literal of literals(file.text)) {
      if (SUFFIX_LITERAL.some((pattern) => pattern.test(literal.text))) offences.push(`${file.rel}:${literal.line}: ${literal.text}`);
    }
  }
  assert.deepEqual(offences, [], `use the constants and functions of ${SUFFIX_OWNER} instead`);
});

test('rule-file kinds are defined in one module', () => {
  const offences: string[] = [];
  for (const file of FILES) {
    if (file.rel === SUFFIX_OWNER) continue;
    file.text.split('\n').forEach((line, i) => {
      // A type or function that says what kind of file a path is: `type XFileKind = '...' | ...`, `function xFileKind(`.
      if (/\btype\s+\w*FileKind\s*=\s*['"]/.test(line) || /\bfunction\s+\w*[fF]ileKind\s*\(/.test(line)) offences.push(`${file.rel}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offences, [], `RuleFileKind and ruleFileKind live in ${SUFFIX_OWNER}`);
});

/** Where an import of `file` leads: a package name, or a repo path for relative imports. */
function importTargets(file: { path: string; text: string }): { target: string; line: number }[] {
  const info = ts.preProcessFile(file.text, true, true);
  return info.importedFiles.map((imported) => {
    const line = ts.getLineAndCharacterOfPosition(sourceOf(file.text), imported.pos).line + 1;
    if (!imported.fileName.startsWith('.')) return { target: imported.fileName, line };
    return { target: relative(ROOT, resolve(dirname(file.path), imported.fileName)).split(sep).join('/'), line };
  });
}

test('core imports nothing from vscode, the LSP, the store, the server or the service', () => {
  const forbidden = [/^vscode$/, /^vscode-languageserver/, /^vscode-languageclient/, /^vscode-jsonrpc/, /^(store|server|service|client|cli|protocol)(\/|$)/];
  const offences: string[] = [];
  for (const file of FILES.filter((f) => f.rel.startsWith('core/'))) {
    for (const { target, line } of importTargets(file)) if (forbidden.some((pattern) => pattern.test(target))) offences.push(`${file.rel}:${line}: imports ${target}`);
  }
  assert.deepEqual(offences, [], 'core is the language service and engine: the layers above import it, never the other way');
});

test('the store is used through its interfaces: nothing outside store/ names SqlRuleStore or a driver', () => {
  const offences: string[] = [];
  for (const file of FILES.filter((f) => !f.rel.startsWith('store/'))) {
    for (const { target, line } of importTargets(file)) {
      if (/^store\/src\/(sql-rule-store|sqlite-driver|postgres-driver|sqlite-watcher|postgres-watcher)$/.test(target)) offences.push(`${file.rel}:${line}: imports ${target}`);
    }
    file.text.split('\n').forEach((line, i) => {
      if (/\bSqlRuleStore\b/.test(line)) offences.push(`${file.rel}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offences, [], 'use openStore() and the RuleStore, DecisionLog and Heartbeats interfaces (store/src/types.ts)');
});

test('the checks see themselves: a second suffix, a second kind or a forbidden import is found', () => {
  const planted = `const x = name.endsWith('.fixtures.json');\nconst y = \`\${stem}.rule.json\`;\nconst z = /\\.lua$/;\n// '.lua' in a comment\nconst w = 'rules are *.lua or *.rule.json';`;
  const found = literals(planted).filter((l) => SUFFIX_LITERAL.some((p) => p.test(l.text))).map((l) => l.line);
  assert.deepEqual(found, [1, 2, 3]);
  const imports = importTargets({ path: join(ROOT, 'core/src/x.ts'), text: "import { a } from '../../store/src';\nimport * as vscode from 'vscode';" }).map((i) => i.target);
  assert.deepEqual(imports, ['store/src', 'vscode']);
});
