import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface RssFigures {
  rules: number;
  refused: number;
  evaluationFailures: number;
  gcExposed: boolean;
  rssBeforeMB: number;
  rssGrowthLoadMB: number;
  rssGrowthEvalMB: number;
  heapGrowthLoadMB: number;
}

/** Runs rss-child.ts in a fresh Node process and returns its figures (or why it could not). */
export function measureRss(): RssFigures | { error: string } {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, 'rss-child.ts')], { encoding: 'utf8', timeout: 300_000 });
  if (child.error) return { error: child.error.message };
  if (child.status !== 0) return { error: `the child exited with ${child.status}: ${child.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
  try {
    return JSON.parse(child.stdout.trim().split('\n').slice(-1)[0] ?? '') as RssFigures;
  } catch {
    return { error: `unreadable child output: ${child.stdout.slice(0, 200)}` };
  }
}
