import type { Command } from '../command';
import { convertCommand } from './convert';
import { demoCommand } from './demo';
import { runCommand } from './run';
import { testCommand } from './test';

/** Every `lua-rules` subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [demoCommand, runCommand, testCommand, convertCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
