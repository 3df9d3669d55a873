import type { Command } from '../command';
import { checkCommand } from './check';
import { convertCommand } from './convert';
import { demoCommand } from './demo';
import { lspCommand } from './lsp';
import { approveCommand } from './approve';
import { historyCommand } from './history';
import { migrateCommand } from './migrate';
import { publishCommand } from './publish';
import { rollbackCommand } from './rollback';
import { runCommand } from './run';
import { serveCommand } from './serve';
import { testCommand } from './test';
import { initCommand } from './init'; import { lualsCommand } from './luals';

/** Every `lua-rules` subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [serveCommand, demoCommand, runCommand, testCommand, checkCommand, convertCommand, publishCommand, historyCommand, rollbackCommand, approveCommand, migrateCommand, lspCommand, initCommand, lualsCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
