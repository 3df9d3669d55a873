import type { Check } from '../check';
import { confidenceOutOfRange } from './confidence-out-of-range';
import { bitwiseOnContext } from './bitwise-on-context';
import { decisionConfidenceMismatch } from './decision-confidence-mismatch';
import { fixtureError } from './fixture-error';
import { fixtureFailed } from './fixture-failed';
import { forbiddenGlobal } from './forbidden-global';
import { inexactIntegerLiteral } from './inexact-integer-literal';
import { invalidAnnotation } from './invalid-annotation';
import { invalidDecision } from './invalid-decision';
import { invalidPatternRule } from './invalid-pattern-rule';
import { missingField } from './missing-field';
import { missingReturn } from './missing-return';
import { returnNotTable } from './return-not-table';
import { syntaxError } from './syntax-error';
import { undefinedGlobal } from './undefined-global';
import { unknownContextField } from './unknown-context-field';
import { unknownField } from './unknown-field';
import { wrongFieldType } from './wrong-field-type';

/** Every check, errors first; docs/checks.md lists them in this order. */
export const ALL_CHECKS: readonly Check[] = [
  syntaxError,
  missingReturn,
  returnNotTable,
  missingField,
  invalidDecision,
  confidenceOutOfRange,
  wrongFieldType,
  forbiddenGlobal,
  fixtureFailed,
  fixtureError,
  unknownField,
  decisionConfidenceMismatch,
  unknownContextField,
  undefinedGlobal,
  inexactIntegerLiteral,
  bitwiseOnContext,
  invalidPatternRule,
  invalidAnnotation,
];

export function checkById(id: string): Check | undefined {
  return ALL_CHECKS.find((check) => check.id === id);
}
