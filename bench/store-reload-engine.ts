/**
 * One engine process for bench/store-reload.ts: a StoreEngine on the given store that
 * prints {"v": version, "t": epoch ms} each time it starts serving a new version of
 * the watched rule, and exits when its stdin closes.
 */
import { performance } from 'node:perf_hooks';
import { StoreEngine, openStore } from '../store/src';

async function main(): Promise<void> {
  const [url, rule, poll] = process.argv.slice(2);
  if (url === undefined || rule === undefined) throw new Error('usage: store-reload-engine <url> <rule> [pollMs]');
  const store = openStore(url, { watch: { pollIntervalMs: Number(poll ?? 50) } });
  const { engine } = await StoreEngine.start(store, { decisionLog: false, heartbeatIntervalMs: 60_000 });
  engine.engine.onChange((report) => {
    const t = performance.timeOrigin + performance.now();
    for (const a of report.applied) if (a.name === rule) process.stdout.write(JSON.stringify({ v: a.version, t }) + '\n');
  });
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void engine.stop().then(() => store.close().then(() => process.exit(0)));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`engine failed: ${(e as Error).message}\n`);
  process.exit(3);
});
