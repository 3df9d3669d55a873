/**
 * The one place that loads fengari. Two things must happen around that load:
 *
 * 1. FENGARICONF is read once, when fengari's luaconf module loads. We lower
 *    LUAI_MAXSTACK from one million slots so that a runaway recursion or
 *    `string.byte(s, 1, -1)` on a long string fails with "stack overflow"
 *    instead of building a million-element JS array.
 * 2. The VM's `..` operator allocates the joined string with no hook point, so a
 *    doubling loop can reach gigabytes between two instruction-hook ticks. It stores
 *    its result through `lobject.setsvalue2s`, and the C API pushes strings through
 *    `lobject.pushsvalue2s`; both are looked up on the module object at call time,
 *    so wrapping them meters every string a rule creates (see `stringMeter`).
 *    fengari is pinned to 0.1.5 in package.json because of this.
 */
const MAX_STACK_SLOTS = 100_000;
if (process.env.FENGARICONF === undefined) {
  process.env.FENGARICONF = JSON.stringify({ LUAI_MAXSTACK: MAX_STACK_SLOTS });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
import fengari = require('fengari');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import lobject = require('fengari/src/lobject.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import luaconf = require('fengari/src/luaconf.js');
import { luaNumberText } from './stdlib/number-text';

// Floats become text as Lua's "%.14g" (tostring, `..`, print, coercion); see patches/fengari/11-*.
luaconf.set_number2str(luaNumberText);

export const { lua, lauxlib, lualib, to_luastring } = fengari;
export type { LuaState, LuaCFunction } from 'fengari';

/** Receives the byte length of each string a rule creates while metering is on. */
export interface StringMeter {
  onString(bytes: number): void;
}

let activeMeter: StringMeter | null = null;

/** Turns metering on for the duration of one evaluation (null turns it off); returns the previous meter. */
export function setStringMeter(meter: StringMeter | null): StringMeter | null {
  const previous = activeMeter;
  activeMeter = meter;
  return previous;
}

interface FengariTString {
  realstring: Uint8Array;
}

const originalSet = lobject.setsvalue2s as (L: unknown, i: number, ts: FengariTString) => void;
const originalPush = lobject.pushsvalue2s as (L: unknown, ts: FengariTString) => void;
if (!(originalSet as { luaRulesMetered?: boolean }).luaRulesMetered) {
  const meteredSet = function (L: unknown, i: number, ts: FengariTString): void {
    if (activeMeter !== null) activeMeter.onString(ts.realstring.length);
    originalSet(L, i, ts);
  };
  const meteredPush = function (L: unknown, ts: FengariTString): void {
    if (activeMeter !== null) activeMeter.onString(ts.realstring.length);
    originalPush(L, ts);
  };
  (meteredSet as { luaRulesMetered?: boolean }).luaRulesMetered = true;
  lobject.setsvalue2s = meteredSet;
  lobject.pushsvalue2s = meteredPush;
}

/** Encodes constant strings once; the API would otherwise encode them on every call. */
const encoded = new Map<string, Uint8Array>();
export function lstr(text: string): Uint8Array {
  let bytes = encoded.get(text);
  if (bytes === undefined) {
    bytes = to_luastring(text);
    if (encoded.size < 50_000) encoded.set(text, bytes);
  }
  return bytes;
}
