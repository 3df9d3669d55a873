import { readFileSync } from 'node:fs';

/**
 * Stops a long-running command when whoever started it is gone. `npm start` runs
 * `sh -c "node … serve"`: killing npm's PID leaves sh and the server behind, orphaned
 * and still listening. So the server notes every ancestor (on Linux from /proc;
 * elsewhere only its parent) and calls `onGone` when any of them exits or it is
 * re-parented. Opt-in (`serve --exit-with-parent`): a server started with
 * `nohup … &` must outlive its shell.
 *
 * Two steps, because the ancestors must be noted before anyone can act on the server
 * (before its banner prints the PID to kill, before a slow start-up): noted later,
 * an ancestor that died in between is no longer in the chain (its child was
 * re-parented) and would never be missed. That race made `serve --exit-with-parent`
 * live on orphaned when the machine was busy: the banner went out, the parent was
 * killed, and only then did the server look at its ancestors. `watch` checks at once,
 * then every `intervalMs`.
 */
export interface Ancestry {
  /** The parent when noted, then its parent and so on, up to (not including) init. */
  readonly pids: readonly number[];
  /** Calls `onGone` once, with the first of them found gone (at once if one already is); returns a function that stops watching. */
  watch(onGone: (pid: number) => void, intervalMs?: number): () => void;
}

export function noteAncestors(): Ancestry {
  const startParent = process.ppid;
  const pids = ancestorPids(startParent);
  const gone = (): number | undefined => (process.ppid !== startParent ? startParent : pids.find((pid) => !alive(pid)));
  return {
    pids,
    watch(onGone, intervalMs = 500) {
      let stopped = false;
      const check = (): boolean => {
        const pid = gone();
        if (pid === undefined || stopped) return false;
        stopped = true;
        onGone(pid);
        return true;
      };
      const timer = setInterval(() => {
        if (check()) clearInterval(timer);
      }, intervalMs);
      timer.unref();
      // Checked once at once: the ancestor may have gone while the caller was starting.
      if (check()) clearInterval(timer);
      return () => {
        stopped = true;
        clearInterval(timer);
      };
    },
  };
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
