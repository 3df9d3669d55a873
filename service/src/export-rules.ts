import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleStore } from '../../store/src';
import { versionFiles } from './version-files';

/**
 * Issue 14: `lua-rules export`: the live version of every rule, with the fixtures it
 * was published with, as a folder `lua-rules publish` accepts. Planned first, written
 * after: a file that exists with other content is a conflict, and without `force`
 * nothing at all is written (a half-exported folder would mix two stores).
 */
export type FileStatus = 'new' | 'same' | 'differs' | 'remove';

export interface PlannedFile {
  name: string;
  text: string | null;
  status: FileStatus;
}

export interface PlannedRule {
  rule: string;
  version: number;
  checksum: string;
  disabled: boolean;
  files: PlannedFile[];
}

export interface ExportPlan {
  rules: PlannedRule[];
  /** Rules with no live version (only pending ones): nothing to export. */
  notLive: string[];
}

function existing(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export async function planExport(store: RuleStore, dir: string): Promise<ExportPlan> {
  const plan: ExportPlan = { rules: [], notLive: [] };
  for (const rule of await store.listRules()) {
    if (rule.liveVersion === null) {
      plan.notLive.push(rule.name);
      continue;
    }
    const v = await store.version(rule.name, rule.liveVersion);
    const files = versionFiles({ rule: rule.name, kind: v.kind, content: v.content, fixtures: v.fixtures ?? null }).map((f): PlannedFile => {
      const now = existing(join(dir, f.name));
      const status: FileStatus = f.text === null ? (now === null ? 'same' : 'remove') : now === null ? 'new' : now === f.text ? 'same' : 'differs';
      return { ...f, status };
    });
    plan.rules.push({ rule: rule.name, version: v.number, checksum: v.checksum, disabled: (rule.disabled ?? null) !== null, files });
  }
  return plan;
}

/** Files whose content would be lost: they exist and differ from the store (or should not exist). */
export function conflictsOf(plan: ExportPlan): string[] {
  return plan.rules.flatMap((r) => r.files.filter((f) => f.status === 'differs' || f.status === 'remove').map((f) => f.name));
}

/** Writes the plan; the caller decided that conflicts may be overwritten. Returns the files written or removed. */
export function writeExport(plan: ExportPlan, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const touched: string[] = [];
  for (const r of plan.rules) {
    for (const f of r.files) {
      if (f.status === 'same') continue;
      const path = join(dir, f.name);
      if (f.text === null) rmSync(path, { force: true });
      else writeFileSync(path, f.text);
      touched.push(f.name);
    }
  }
  return touched;
}
