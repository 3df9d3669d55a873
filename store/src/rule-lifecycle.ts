import { UnknownRuleError } from './errors';
import { iso, now, num, strOrNull, switchOf } from './row-mapping';
import type { SqlQueryer } from './sql-driver';
import { changeRow } from './version-writer';
import type { LifecycleOutcome, LifecycleRecord } from './types';

/**
 * Issue 14: switching a rule off and on. The switch is on the rules row (engines read
 * it with the live version, so a disabled rule is never loaded), every switch is a row
 * of the append-only `rule_lifecycle` (who, when, why), and a `disabled`/`enabled`
 * change tells running engines to drop or reload the rule. All three in one write
 * transaction, like a publish.
 */

export async function writeSwitch(tx: SqlQueryer, rule: string, event: 'disabled' | 'enabled', author: string, message: string | null): Promise<LifecycleOutcome> {
  const row = (await tx.all('SELECT id, head_version, live_version, disabled_at, disabled_by, disabled_message FROM rules WHERE name = ?', [rule]))[0];
  if (row === undefined) throw new UnknownRuleError(rule);
  const current = switchOf(row);
  // Idempotent: switching a rule to the state it is in writes nothing (no history
  // entry, no reload), so a retried command or a script cannot spam the history.
  if ((event === 'disabled') === (current !== null)) return { rule, changed: false, disabled: current };
  const at = now();
  const ruleId = num(row.id);
  // The change row needs a version: the one that stops (or starts again) serving.
  const version = row.live_version === null || row.live_version === undefined ? num(row.head_version) : num(row.live_version);
  await tx.batch([
    event === 'disabled'
      ? { sql: 'UPDATE rules SET disabled_at = ?, disabled_by = ?, disabled_message = ?, updated_at = ? WHERE id = ?', params: [at, author, message, at, ruleId] }
      : { sql: 'UPDATE rules SET disabled_at = NULL, disabled_by = NULL, disabled_message = NULL, updated_at = ? WHERE id = ?', params: [at, ruleId] },
    { sql: 'INSERT INTO rule_lifecycle (rule_id, event, author, message, at) VALUES (?, ?, ?, ?, ?)', params: [ruleId, event, author, message, at] },
    changeRow(rule, version, event, at),
  ]);
  return { rule, changed: true, disabled: event === 'disabled' ? { at, by: author, message } : null };
}

export async function readLifecycle(tx: SqlQueryer, rule: string): Promise<LifecycleRecord[]> {
  const row = (await tx.all('SELECT id FROM rules WHERE name = ?', [rule]))[0];
  if (row === undefined) throw new UnknownRuleError(rule);
  const rows = await tx.all('SELECT event, author, message, at FROM rule_lifecycle WHERE rule_id = ? ORDER BY id DESC', [num(row.id)]);
  return rows.map((r) => ({ rule, event: String(r.event) as LifecycleRecord['event'], by: String(r.author), at: iso(r.at), message: strOrNull(r.message) }));
}
