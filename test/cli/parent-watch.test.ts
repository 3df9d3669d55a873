/**
 * serve --exit-with-parent notes its ancestors before it starts (service/src/parent-watch.ts):
 * a parent that dies between the note and the watch (while the server starts, or just
 * after its banner printed the PID) is still noticed, at once. Watching from the
 * ancestors of the moment would miss it: the dead parent's child has a new parent by
 * then, and the dead one is in no chain any more (the cause of the flaky
 * author-loop test under load).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { noteAncestors } from '../../service/src/parent-watch';

describe('parent watch', () => {
  it('a parent that died before the watch started is reported at once', { timeout: 120_000 }, async () => {
    const child = join(__dirname, 'parent-watch-child.ts');
    // The parent runs the child and idles; it is killed once the child has noted its ancestors.
    const script = `const { spawn } = require('node:child_process');
      spawn(process.execPath, ['--import', 'tsx', ${JSON.stringify(child)}], { stdio: ['ignore', 'ignore', 'inherit'] });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const seen = (pattern: RegExp): Promise<RegExpExecArray> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited for ${pattern}: ${err}`)), 90_000);
        const look = (): void => {
          const match = pattern.exec(err);
          if (match) {
            clearTimeout(timer);
            parent.stderr.off('data', look);
            resolve(match);
          }
        };
        parent.stderr.on('data', look);
        look();
      });
    parent.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const noted = await seen(/noted (\d+) (\d+) ([\d,]+)\n/);
    assert.ok(noted[3]!.split(',').map(Number).includes(parent.pid!), `the parent of the child's parent is noted: ${noted[0]}`);
    parent.kill('SIGKILL');
    const outcome = await seen(/(gone \d+|not noticed)\n/);
    assert.equal(outcome[1], `gone ${noted[2]}`, err);
  });

  it('watching an ancestry whose processes all live reports nothing, and stops when asked', async () => {
    const ancestry = noteAncestors();
    assert.equal(ancestry.pids[0], process.ppid);
    let reported: number | undefined;
    const stop = ancestry.watch((pid) => (reported = pid), 10);
    await new Promise((r) => setTimeout(r, 100));
    stop();
    assert.equal(reported, undefined);
  });
});
