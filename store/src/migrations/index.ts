import { initialSchema } from './001-initial-schema';
import { lifecycleChangeEvents } from './002-lifecycle-change-events';
import { capturedDecisions } from './003-captured-decisions';
import { ruleLifecycle } from './004-rule-lifecycle';
import { shadowRuns } from './005-shadow-runs';
import { identityAndRoles } from './006-identity-and-roles';
import { decisionContexts } from './007-decision-contexts';
import { decisionSegments } from './008-decision-segments';
import type { Migration } from './migration';

export type { Migration } from './migration';

/** Every migration, in order. Append new ones; never edit one that shipped. */
export const MIGRATIONS: readonly Migration[] = [initialSchema, lifecycleChangeEvents, capturedDecisions, ruleLifecycle, shadowRuns, identityAndRoles, decisionContexts, decisionSegments];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
