/**
 * The one place that loads fengari. Three things must happen around that load:
 *
 * 1. FENGARICONF is read once, when fengari's luaconf module loads. We lower
 *    LUAI_MAXSTACK from one million slots so that a runaway recursion or
 *    `string.byte(s, 1, -1)` on a long string fails with "stack overflow"
 *    instead of building a million-element JS array.
 * 2. The VM's `..` operator allocates the joined string with no hook point, so a
 *    doubling loop can reach gigabytes between two instruction-hook ticks. It stores
 *    its result through `lobject.setsvalue2s`, and the C API pushes strings through
 *    `lobject.pushsvalue2s`; both are looked up on the module object at call time,
 *    so wrapping them meters every string a rule creates.
 * 3. Our fengari patch 10-work-meter makes fengari's own hot spots (long-string
 *    hashing and comparison, string buffers, table access from library loops,
 *    VARARG/SETLIST) report to `llimits.luai_work`; we point it at the running
 *    evaluation's meter.
 *
 * fengari is pinned to 0.1.5 in package.json because of this.
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
import llimits = require('fengari/src/llimits.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import luaconf = require('fengari/src/luaconf.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import lstring = require('fengari/src/lstring.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import ltable = require('fengari/src/ltable.js');
import { luaNumberText } from './stdlib/number-text';

// Floats become text as Lua's "%.14g" (tostring, `..`, print, coercion); see patches/fengari/11-*.
luaconf.set_number2str(luaNumberText);

export const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;
export type { LuaState, LuaCFunction } from 'fengari';
/** fengari's internals used by lua-values.ts, the executor's stack-free fast paths (issue 16). */
export { lobject, lstring, ltable };

/** What one evaluation's account receives while metering is on (see EvaluationBudget). */
export interface EvaluationMeter {
  /** A string of `bytes` was created. */
  onString(bytes: number): void;
  /** `count` steps of library work were done. */
  steps(count: number): void;
  /** A string buffer grows by `bytes` to hold `total` bytes. */
  grow(bytes: number, total: number): void;
}

interface WorkMeter {
  charge: (steps: number) => void;
  grow: (bytes: number, total: number) => void;
}

const work = (llimits as { luai_work?: WorkMeter }).luai_work;
if (!work) throw new Error('fengari is not patched (no llimits.luai_work): run `node scripts/fengari-patches.mjs apply`');
const idleCharge = (): void => {};
const idleGrow = (): void => {};
const activeCharge = (steps: number): void => activeMeter!.steps(steps);
const activeGrow = (bytes: number, total: number): void => activeMeter!.grow(bytes, total);

let activeMeter: EvaluationMeter | null = null;

/** Turns metering on for the duration of one evaluation (null turns it off); returns the previous meter. */
export function setMeter(meter: EvaluationMeter | null): EvaluationMeter | null {
  const previous = activeMeter;
  activeMeter = meter;
  if (meter === null) {
    work!.charge = idleCharge;
    work!.grow = idleGrow;
  } else {
    work!.charge = activeCharge;
    work!.grow = activeGrow;
  }
  return previous;
}

/** Reports library work to the running evaluation, if any (for our own library functions). */
export function chargeSteps(steps: number): void {
  if (activeMeter !== null) activeMeter.steps(steps);
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

/**
 * Pushes `bytes` as a Lua string that takes ownership of the array (lua_pushlstring
 * copies it): for a string our own library code has just built and never touches
 * again (string.format's result, issue 16). Metered like every pushed string.
 */
export function pushOwnedString(L: unknown, bytes: Uint8Array): void {
  (lobject.pushsvalue2s as (L: unknown, ts: FengariTString) => void)(L, (lstring.luaS_bless as (L: unknown, bytes: Uint8Array) => FengariTString)(L, bytes));
}

/** Strings up to this many bytes are cut from a shared slab (ownedStringBytes). */
const SLAB_STRING_MAX = 4096;
const SLAB_BYTES = 64 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

/**
 * Zeroed room for a string our own library code builds and then pushes with
 * pushOwnedString. Why a slab: `new Uint8Array(n)` past 64 bytes gets a backing store
 * of its own outside V8's heap (a calloc and a tracked ArrayBuffer, about 0.3–0.5 µs
 * here, and more work for the garbage collector), which was a twentieth of a warm
 * evaluation for the epic rule's 70-byte reasoning (issue 16); a view into a slab
 * costs tens of nanoseconds. A slab lives while any string cut from it does: at most
 * 64 KiB held by one short string that outlives its evaluation, which Lua strings do
 * not (every evaluation's environment is dropped).
 */
export function ownedStringBytes(length: number): Uint8Array {
  if (length > SLAB_STRING_MAX) return new Uint8Array(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const bytes = new Uint8Array(slab, slabUsed, length);
  slabUsed += length;
  return bytes;
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
