/**
 * The rule checker: a language service with no LSP in it. The language server
 * (server/) and `lua-rules check` (cli/) are thin layers over these functions.
 */
export type { Finding, FindingFix, Position, Range, Severity } from './types';
export { sortFindings, rangeContains } from './types';
export type { Check, CheckDocs, CheckContext } from './check';
export { ALL_CHECKS, checkById } from './checks';
export { checkLuaRule } from './check-lua-rule';
export type { CheckOptions, RuleCheck } from './check-lua-rule';
export { checkRulesFile, SchemaCache } from './check-file';
export type { FileCheck } from './check-file';
export { ContextSchema, findContextSchemaFile, loadContextSchema, parseContextSchema } from './context-schema';
export type { ContractAnalysis } from './contract-analysis';
export { completeAt, RETURN_SNIPPET } from './completion';
export type { CompletionEntry, CompletionOptions } from './completion';
export { hoverAt } from './hover';
export type { HoverInfo } from './hover';
export { documentSymbols } from './symbols';
export type { RuleSymbol } from './symbols';
export { parseLua } from './parse';
export { checkJsonFile, LineIndex } from './json-files';
export { expectationProblems, fixtureLensTitle, readEditorFixtures, runEditorFixtures } from './fixture-runner';
export type { EditorFixture, FixtureOutcome, FixtureRun } from './fixture-runner';
