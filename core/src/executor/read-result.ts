import type { LuaState } from './fengari-runtime';
import { lua, to_jsstring } from './fengari-runtime';
import type { LuaTable, LuaTString } from './lua-values';
import { rawGetString, TYPE_MASK, valueAt } from './lua-values';
import type { InternedKeys } from './push-context';
import { DECISIONS, isDecision } from '../model/decision';
import type { RuleResult } from '../model/result';

/** Valid UTF-8 only (anything else throws), a leading BOM kept: exactly what fengari's own decoding gives for valid input. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A Lua string's bytes as JS text. Why not lua_tojsstring: it builds the text one
 * character at a time (a rope of one piece per byte), which was a sixth of a warm
 * evaluation's garbage for a 70-byte reasoning (issue 16). Invalid UTF-8 still goes
 * through fengari's decoding, so what a rule sees as U+FFFD stays exactly as before.
 */
function stringOf(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return to_jsstring(bytes, 0, bytes.length, true); // as lua_tojsstring: U+FFFD for invalid bytes
  }
}

/** The decisions as bytes: a rule's decision is one of them, read without decoding it. */
const DECISION_BYTES = DECISIONS.map((d) => [d, new TextEncoder().encode(d)] as const);

/** A decision's text: a known decision as its constant text, anything else decoded. */
function decisionOf(bytes: Uint8Array): string {
  for (const [text, known] of DECISION_BYTES) {
    if (bytes.length !== known.length) continue;
    let i = 0;
    while (i < known.length && bytes[i] === known[i]) i++;
    if (i === known.length) return text;
  }
  return stringOf(bytes);
}

const RESULT_SHAPE = '{ decision = "autonomous" | "collaborative" | "escalated", confidence = <0..1>, reasoning = "<why>" }';
const MAX_REASONING = 10_000;

/**
 * Reads the returned table at `index` (negative: from the top of L's stack) with raw
 * gets only: a result table with __index or __tostring traps runs no Lua code here.
 * Returns the contract result, or a message saying what is wrong with it. The fields
 * are read straight from the table (lua-values.ts), by names kept as Lua strings of
 * L's state in `keys`, which spares fengari re-hashing them on every read.
 */
export function readResult(L: LuaState, index: number, keys: InternedKeys): { ok: true; result: Omit<RuleResult, 'error' | 'line'> } | { ok: false; message: string } {
  const type: number = lua.lua_type(L, index);
  if (type === lua.LUA_TNONE || type === lua.LUA_TNIL) {
    return { ok: false, message: `the rule returned nothing; it must return ${RESULT_SHAPE}` };
  }
  if (type !== lua.LUA_TTABLE) {
    return { ok: false, message: `the rule returned a ${luaTypeName(L, index)}; it must return a table ${RESULT_SHAPE}` };
  }
  const table = valueAt(L, index).value as LuaTable;

  const decisionValue = rawGetString(table, keys.decision);
  const decisionType = decisionValue.type & TYPE_MASK;
  const decision = decisionType === lua.LUA_TSTRING ? decisionOf((decisionValue.value as LuaTString).realstring) : null;
  if (decision === null) {
    return { ok: false, message: decisionType === lua.LUA_TNIL ? `the result has no decision; set decision to one of ${DECISIONS.join(', ')}` : `decision must be a string (one of ${DECISIONS.join(', ')}), got a ${luaTypeNameOf(decisionType)}` };
  }
  if (!isDecision(decision)) {
    return { ok: false, message: `decision "${decision.slice(0, 100)}" is not one of ${DECISIONS.join(', ')}` };
  }

  const confidenceValue = rawGetString(table, keys.confidence);
  const confidenceType = confidenceValue.type & TYPE_MASK;
  const confidence = confidenceType === lua.LUA_TNUMBER ? (confidenceValue.value as number) : null;
  if (confidence === null) {
    return { ok: false, message: confidenceType === lua.LUA_TNIL ? 'the result has no confidence; set confidence to a number from 0 to 1' : `confidence must be a number from 0 to 1, got a ${luaTypeNameOf(confidenceType)}` };
  }
  if (!Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    return { ok: false, message: `confidence must be a number from 0 to 1, got ${Number.isNaN(confidence) ? 'NaN (0/0)' : confidence}` };
  }

  const reasoningValue = rawGetString(table, keys.reasoning);
  const reasoningType = reasoningValue.type & TYPE_MASK;
  let reasoning = reasoningType === lua.LUA_TSTRING ? stringOf((reasoningValue.value as LuaTString).realstring) : null;
  if (reasoning === null) {
    return { ok: false, message: reasoningType === lua.LUA_TNIL ? 'the result has no reasoning; set reasoning to a string that explains the decision' : `reasoning must be a string, got a ${luaTypeNameOf(reasoningType)}` };
  }
  if (reasoning.length > MAX_REASONING) reasoning = reasoning.slice(0, MAX_REASONING) + '…';
  return { ok: true, result: { decision, confidence, reasoning } };
}

const TYPE_NAMES: Record<number, string> = {};
export function luaTypeNameOf(type: number): string {
  if (Object.keys(TYPE_NAMES).length === 0) {
    Object.assign(TYPE_NAMES, {
      [lua.LUA_TNIL]: 'nil',
      [lua.LUA_TBOOLEAN]: 'boolean',
      [lua.LUA_TLIGHTUSERDATA]: 'userdata',
      [lua.LUA_TNUMBER]: 'number',
      [lua.LUA_TSTRING]: 'string',
      [lua.LUA_TTABLE]: 'table',
      [lua.LUA_TFUNCTION]: 'function',
      [lua.LUA_TUSERDATA]: 'userdata',
      [lua.LUA_TTHREAD]: 'thread',
    });
  }
  return TYPE_NAMES[type] ?? 'value';
}

export function luaTypeName(L: LuaState, index: number): string {
  return luaTypeNameOf(lua.lua_type(L, index));
}

