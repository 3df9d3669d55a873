/**
 * Child of parent-watch.test.ts: notes its ancestors, says so, waits until its parent
 * is gone (it is re-parented), and only then starts watching, as a server does that
 * was slow to start. The watch must report the parent at once.
 */
import { noteAncestors } from '../../service/src/parent-watch';

const ancestry = noteAncestors();
const parent = process.ppid;
process.stderr.write(`noted ${process.pid} ${parent} ${ancestry.pids.join(',')}\n`);
const deadline = Date.now() + 60_000;
const waitForOrphan = setInterval(() => {
  if (process.ppid === parent && Date.now() < deadline) return;
  clearInterval(waitForOrphan);
  let reported = false;
  ancestry.watch((pid) => {
    reported = true;
    process.stderr.write(`gone ${pid}\n`);
  }, 100);
  // A watch that misses the parent would never report: say so, and end.
  setTimeout(() => {
    if (!reported) process.stderr.write('not noticed\n');
    process.exit(0);
  }, 3000);
}, 20);
