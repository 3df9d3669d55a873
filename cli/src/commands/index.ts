import type { Command } from '../command';

/**
 * Every `lua-rules` subcommand, in the order `--help` lists them. A command's module is
 * loaded only when that command runs: `--version` and `--help` load none, and `run`
 * does not pay for the checker, the store drivers or the language server
 * (bench/cli-startup.ts measures it). The summary is repeated here so `--help` needs
 * no module; a test checks each one against its command.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'run the rule engine service: HTTP API over the store, hot reload', load: async () => (await import('./serve.js')).serveCommand },
  { name: 'demo', summary: 'load the example rules, run their fixtures and evaluate each category', load: async () => (await import('./demo.js')).demoCommand },
  { name: 'run', summary: 'evaluate one rule on a context (a JSON file, stdin or a fixture)', load: async () => (await import('./run.js')).runCommand },
  { name: 'test', summary: 'run every fixture of the rules under the given paths', load: async () => (await import('./test.js')).testCommand },
  { name: 'check', summary: 'Check rules, pattern rules and fixture files against the rule contract', load: async () => (await import('./check.js')).checkCommand },
  { name: 'convert', summary: 'print a Lua rule equivalent to a pattern rule (*.rule.json)', load: async () => (await import('./convert.js')).convertCommand },
  { name: 'publish', summary: 'check, test and publish rules to the store as new versions', load: async () => (await import('./publish.js')).publishCommand },
  { name: 'impact', summary: 'replay captured decisions through a draft and the live version: what would change', load: async () => (await import('./impact.js')).impactCommand },
  { name: 'history', summary: "list a stored rule's versions, newest first", load: async () => (await import('./history.js')).historyCommand },
  { name: 'decisions', summary: 'list the decision log, newest first (with captured contexts)', load: async () => (await import('./decisions.js')).decisionsCommand },
  { name: 'rollback', summary: "bring back an old version's content as a new version", load: async () => (await import('./rollback.js')).rollbackCommand },
  { name: 'approve', summary: 'approve a pending rule version (consensus)', load: async () => (await import('./approve.js')).approveCommand },
  { name: 'disable', summary: 'switch a stored rule off: no engine evaluates it', load: async () => (await import('./rule-switch.js')).disableCommand },
  { name: 'enable', summary: 'switch a disabled rule back on', load: async () => (await import('./rule-switch.js')).enableCommand },
  { name: 'promote', summary: "publish a version of one store into another through the target's gate", load: async () => (await import('./promote.js')).promoteCommand },
  { name: 'export', summary: 'write every live rule and its fixtures as files publish accepts', load: async () => (await import('./export.js')).exportCommand },
  { name: 'migrate', summary: 'create or update the rule store schema (SQLite or PostgreSQL)', load: async () => (await import('./migrate.js')).migrateCommand },
  { name: 'lsp', summary: 'Run the language server (LSP over stdio)', load: async () => (await import('./lsp.js')).lspCommand },
  { name: 'init', summary: 'create a new rules project: an example rule, fixtures, schema, editor set-up', load: async () => (await import('./init.js')).initCommand },
  { name: 'luals', summary: 'write LuaLS definitions and .luarc.json from the context schema and the sandbox', load: async () => (await import('./luals.js')).lualsCommand },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
