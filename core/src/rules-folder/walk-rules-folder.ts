import type { Dirent } from 'node:fs';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The one folder walk of a rules folder, with the one skip list: `lua-rules check`,
 * `test`, `publish`, `serve --seed`, the language server's workspace check and the
 * LuaLS set-up all see the same files.
 *
 * Skipped: every dot folder (.git, .vscode, .vscode-test, .luals...) and these.
 */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'out', 'dist']);

export interface WalkLimits {
  /** Folders below the root to descend, at most (default 20). */
  maxDepth?: number;
  /** Folders to read, at most (default: no limit); the editor bounds its start-up walk of a huge workspace. */
  maxFolders?: number;
}

/** The skip list as a glob, for the editor's own searches (`vscode.workspace.findFiles` excludes). */
export const SKIPPED_FOLDERS_GLOB = `**/{${[...SKIPPED_FOLDERS].join(',')},.*}/**`;

export function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || SKIPPED_FOLDERS.has(name);
}

/**
 * Every file under `root` (any name; callers pick kinds with `ruleFileKind`), in
 * code-unit order of path segments so output is stable. Symbolic links are followed,
 * each real folder read once (a link loop ends). Unreadable folders are passed over.
 */
export function rulesFolderFiles(root: string, limits: WalkLimits = {}): string[] {
  const maxDepth = limits.maxDepth ?? 20;
  const maxFolders = limits.maxFolders ?? Infinity;
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    if (depth > maxDepth || seen.size >= maxFolders) return;
    let entries: Dirent[];
    try {
      const real = realpathSync(dir);
      if (seen.has(real)) return;
      seen.add(real);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = statSync(path);
          isDirectory = target.isDirectory();
          isFile = target.isFile();
        } catch {
          continue;
        }
      }
      if (isDirectory) {
        if (!isSkippedFolder(entry.name)) walk(path, depth + 1);
      } else if (isFile) out.push(path);
    }
  };
  walk(root, 0);
  return out;
}
