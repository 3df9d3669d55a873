import type { Decision } from '../../core/src/model/decision';
import type { LiveShadow, ShadowAnswer, ShadowDisagreement } from './types';

/** The messages between ShadowRunner (serving thread) and shadow-worker.ts (issue 13). */

/** One live answer to compare: the shadow of `rule` numbered `shadow` runs on `context`. */
export interface ShadowJob {
  rule: string;
  shadow: number;
  live: { version: number; decision: Decision; confidence: number; errorCode: string | null };
  context: unknown;
  correlationId: string | null;
  /** When the live evaluation was answered (epoch ms; the shadow thread formats it). */
  at: number;
}

export type ShadowWorkerMessage =
  | { type: 'set'; upserted: LiveShadow[]; removed: string[] }
  /** Jobs posted together: one message per event-loop turn, not one per answer (a message costs microseconds). */
  | { type: 'runs'; jobs: ShadowJob[] }
  /** Report what is done now and answer `reported` with the token (flush on stop, tests). */
  | { type: 'report-now'; token: number };

export interface ShadowWorkerReport {
  type: 'report';
  /** Jobs finished since the last report (compared, or skipped because their shadow ended). */
  done: number;
  counts: { rule: string; shadow: number; compared: number; agreed: number }[];
  disagreements: ShadowDisagreement[];
  /** Jobs skipped because their shadow kept hitting its limits (paused by its breaker), per rule. */
  paused: { rule: string; n: number }[];
  /** Disagreements counted but not handed over (over the thread's rows-per-second bound). */
  unrecorded: number;
}

export type ShadowWorkerReply = ShadowWorkerReport | { type: 'reported'; token: number } | { type: 'refused'; rule: string; shadow: number; message: string };

/**
 * Whether two answers disagree: a different decision, or exactly one of them failed
 * (an error code). Confidence alone is not a disagreement (it is recorded with each
 * disagreement; a decision is what callers act on); two failures with different codes
 * are, since the failure is the answer then.
 */
export function disagrees(live: ShadowAnswer, shadow: ShadowAnswer): boolean {
  if (live.decision !== shadow.decision) return true;
  if ((live.errorCode === null) !== (shadow.errorCode === null)) return true;
  return live.errorCode !== shadow.errorCode;
}
