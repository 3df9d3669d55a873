import { readFileSync } from 'node:fs';

/**
 * Stops a long-running command when whoever started it is gone. `npm start` runs
 * `sh -c "node … serve"`: killing npm's PID leaves sh and the server behind, orphaned
 * and still listening. So the server notes every ancestor at start-up (on Linux from
 * /proc; elsewhere only its parent) and calls `onGone` when any of them exits or it
 * is re-parented. Opt-in (`serve --exit-with-parent`): a server started with
 * `nohup … &` must outlive its shell.
 */
export function watchAncestors(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const startParent = process.ppid;
  const ancestors = ancestorPids(startParent);
  const timer = setInterval(() => {
    const gone = process.ppid !== startParent ? startParent : ancestors.find((pid) => !alive(pid));
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(gone);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The parent, its parent and so on up to (not including) init. */
function ancestorPids(parent: number): number[] {
  const pids: number[] = [];
  let pid = parent;
  while (pid > 1 && pids.length < 64 && !pids.includes(pid)) {
    pids.push(pid);
    const next = parentOf(pid);
    if (next === undefined) break;
    pid = next;
  }
  return pids;
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined; // not Linux, or gone already
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
