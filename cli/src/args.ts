import { parseArgs } from 'node:util';
import { didYouMeanSuffix } from '../../core/src/util/did-you-mean';
import { UsageError } from './command';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Strict flag parsing for every command: an unknown or misspelt flag is a usage
 * error with a did-you-mean, never silently ignored. `-` alone is a positional
 * (stdin), as Unix tools expect.
 */
export function parseCommandArgs(command: string, argv: string[], options: Record<string, OptionSpec>): ParsedArgs {
  const spec = { ...options, help: { type: 'boolean' as const, short: 'h' } };
  try {
    const { values, positionals } = parseArgs({ args: joinDashValues(argv, spec), options: spec, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    const err = error as Error & { code?: string };
    const flag = /'(-[^']*)'/.exec(err.message)?.[1];
    const names = Object.keys(spec).map((n) => `--${n}`);
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
      throw new UsageError(`${command}: unknown flag '${flag}'${didYouMeanSuffix(flag.split('=')[0] ?? flag, names)}; see 'lua-rules ${command} --help'`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
      const name = /--([A-Za-z][\w-]*)/.exec(err.message)?.[1] ?? flag.replace(/^-+/, '').split(/[ =,]/)[0] ?? '';
      const expectsValue = (spec as Record<string, OptionSpec>)[name]?.type === 'string';
      throw new UsageError(`${command}: ${expectsValue ? `flag '--${name}' needs a value` : `flag '--${name}' does not take a value`}; see 'lua-rules ${command} --help'`);
    }
    throw new UsageError(`${command}: ${err.message}`);
  }
}

/**
 * `--instructions -5`: node's parser takes `-5` for a flag and reports that
 * `--instructions` "needs a value", which hides what is wrong. A value that looks like
 * a number (or any value after a flag that takes one and is not itself a known
 * flag) is joined to its flag (`--instructions=-5`), so the flag's own check can
 * say "must be a whole number from 1000 to …, got '-5'".
 */
function joinDashValues(argv: string[], spec: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name !== undefined && spec[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity|NaN)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A number flag with bounds, e.g. `--port 8080`. */
export function numberFlag(command: string, args: ParsedArgs, name: string, bounds: { min: number; max: number; integer?: boolean }): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (bounds.integer && !Number.isInteger(value)) || value < bounds.min || value > bounds.max) {
    throw new UsageError(`${command}: --${name} must be ${bounds.integer ? 'a whole number' : 'a number'} from ${bounds.min} to ${bounds.max}, got '${text}'`);
  }
  return value;
}
