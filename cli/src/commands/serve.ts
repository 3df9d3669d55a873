import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { resolve, relative } from 'node:path';
import pino from 'pino';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, numberFlag, parseCommandArgs, stringFlag } from '../args';
import { STORE_HELP, openCommandStore } from './store-common';
import { publishCommand } from './publish';
import { redactSecret, StoreEngine } from '../../../store/src';
import { collectRuleFiles } from '../../../core/src/rules-folder/collect-rule-files';
import { createService, type HealthReport } from '../serve/http-service';
import { serviceMetrics } from '../serve/metrics';
import { watchAncestors } from '../serve/parent-watch';

export const DEFAULT_STORE = 'sqlite:.lua-rules/rules.db';

const HELP = `Usage: lua-rules serve [--store URL] [--host 127.0.0.1] [--port 8080] [--seed <folder>]

The rule engine service: serves the store's live rules over HTTP and hot-reloads
every version published while it runs (PostgreSQL: LISTEN/NOTIFY; SQLite: polling).

  POST /v1/evaluate/<category>     the context as the JSON body; the best rule's result
  POST /v1/rules/<name>/evaluate   one rule
  GET  /v1/rules                   name, version, kind, category of each rule served
  GET  /healthz                    200 ok, 503 degraded (store unreachable; rules keep serving)
  GET  /metrics                    Prometheus text format
  POST /admin/reload, GET /admin/status   with "Authorization: Bearer $LUA_RULES_ADMIN_TOKEN"

Options:
${STORE_HELP}
                      (when neither is given: ${DEFAULT_STORE})
  --host HOST         interface to bind (default 127.0.0.1; 0.0.0.0 for all)
  --port N            port (default 8080; 0 picks a free one)
  --seed <folder>     publish the rules of this folder when the store has none yet
  --max-body BYTES    largest request body (default 1048576)
  --decision-log on|off   write every evaluation to the store's decision log (default on)
  --instructions N    instruction budget per evaluation (default 1,000,000)
  --log-level LEVEL   fatal, error, warn, info (default), debug, trace
  --heartbeat-ms N    how often the engine reports the versions it serves (default 5000)
  --exit-with-parent  stop (as on SIGTERM) when the process that started it exits,
                      e.g. \`npm start\` killed by its PID (npm start sets it)

Logs are JSON lines (pino) on stdout, each request's correlation id included
(send X-Correlation-Id to choose it). SIGINT/SIGTERM finish in-flight requests,
flush the decision log and exit.`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the rule engine service: HTTP API over the store, hot reload',
  help: HELP,
  async run(argv, io) {
    const args = parseCommandArgs('serve', argv, {
      store: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      seed: { type: 'string' },
      'max-body': { type: 'string' },
      'decision-log': { type: 'string' },
      instructions: { type: 'string' },
      'log-level': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'exit-with-parent': { type: 'boolean' },
    });
    if (args.positionals.length > 0) throw new UsageError(`serve: unexpected argument '${args.positionals[0]}'`);
    const url = stringFlag(args, 'store') ?? (io.env.LUA_RULES_STORE?.trim() || DEFAULT_STORE);
    const host = stringFlag(args, 'host') ?? '127.0.0.1';
    const port = numberFlag('serve', args, 'port', { min: 0, max: 65535, integer: true }) ?? 8080;
    const maxBodyBytes = numberFlag('serve', args, 'max-body', { min: 64, max: 256 * 1024 * 1024, integer: true }) ?? 1024 * 1024;
    const instructions = numberFlag('serve', args, 'instructions', { min: 1000, max: 1e10, integer: true });
    const heartbeatIntervalMs = numberFlag('serve', args, 'heartbeat-ms', { min: 100, max: 3_600_000, integer: true }) ?? 5000;
    const decisionLog = stringFlag(args, 'decision-log') ?? 'on';
    if (decisionLog !== 'on' && decisionLog !== 'off') throw new UsageError(`serve: --decision-log must be 'on' or 'off', got '${decisionLog}'`);
    const level = stringFlag(args, 'log-level') ?? 'info';
    if (!LOG_LEVELS.includes(level)) throw new UsageError(`serve: --log-level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
    const seed = stringFlag(args, 'seed');
    const exitWithParent = booleanFlag(args, 'exit-with-parent');
    const seedFiles = seed === undefined ? undefined : collectRuleFiles([resolve(io.cwd, seed)]);
    if (seedFiles && seedFiles.missing.length > 0) throw new UsageError(`serve: --seed folder not found: ${seed}`);

    const opened = openCommandStore('serve', url, io);
    if (typeof opened === 'number') return opened;
    const { store, password } = opened;
    const redact = (text: string): string => redactSecret(text, password);
    const logger = pino({ level, base: { pid: process.pid, host: hostname() }, formatters: { level: (label) => ({ level: label }) } }, pino.destination({ fd: 1, sync: false }));

    try {
      await store.migrate();
      if (seed !== undefined && seedFiles && (await store.listRules()).length === 0) {
        const files = seedFiles.rules.map((f) => relative(io.cwd, f));
        io.stderr(`serve: the store is empty; publishing the ${files.length} rules of ${seed}\n`);
        const code = await publishCommand.run([...files, '--store', url, '--author', 'lua-rules-serve', '--message', `published from ${seed} on first start`], { ...io, stdout: (t) => io.stderr(t) });
        if (code !== EXIT.ok) throw new Error(`publishing the rules of ${seed} failed (see above)`);
      }
    } catch (error) {
      io.stderr(`lua-rules serve: ${redact((error as Error).message)}\n`);
      await store.close().catch(() => undefined);
      return EXIT.failures;
    }

    const startedAt = Date.now();
    const metrics = serviceMetrics(() => (Date.now() - startedAt) / 1000);
    let storeProblem: string | undefined;
    const onError = (error: Error): void => logger.warn({ err: { message: redact(error.message) } }, 'store problem (rules keep serving)');
    const { engine: storeEngine, report } = await StoreEngine.start(store, {
      decisionLog: decisionLog === 'off' ? false : {},
      heartbeatIntervalMs,
      onError,
      ...(instructions ? { limits: { instructions } } : {}),
    });
    const engine = storeEngine.engine;
    for (const refused of report.refused) logger.error({ rule: refused.name, version: refused.version, code: refused.error.code }, `rule refused: ${refused.error.message}`);
    engine.onChange((change) => {
      metrics.reloads.inc({ outcome: 'applied' }, change.applied.length);
      metrics.reloads.inc({ outcome: 'removed' }, change.removed.length);
      metrics.reloads.inc({ outcome: 'refused' }, change.refused.length);
      for (const applied of change.applied) {
        logger.info({ rule: applied.name, version: applied.version }, 'hot reload: now serving');
        void store
          .history(applied.name)
          .then((versions) => {
            const live = versions.find((v) => v.number === applied.version)?.wentLiveAt;
            if (live) metrics.reloadLag.observe(Math.max(0, Date.now() - Date.parse(live)) / 1000);
          })
          .catch(() => undefined);
      }
      for (const refused of change.refused) logger.error({ rule: refused.name, version: refused.version, code: refused.error.code }, `hot reload refused, the previous version keeps serving: ${refused.error.message}`);
    });

    // Health: a cheap query at an interval; while it fails the engine keeps serving its last rules.
    let revision: number | undefined;
    const probe = async (): Promise<void> => {
      try {
        revision = await Promise.race([store.currentRevision(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref())]);
        if (storeProblem !== undefined) logger.info('store reachable again');
        storeProblem = undefined;
      } catch (error) {
        if (storeProblem === undefined) logger.warn({ err: { message: redact((error as Error).message) } }, 'store unreachable; serving the last-known rules');
        storeProblem = redact((error as Error).message);
      }
    };
    await probe();
    const probeTimer = setInterval(() => void probe(), 2000);
    probeTimer.unref();
    const health = (): HealthReport => ({ status: storeProblem === undefined ? 'ok' : 'degraded', store: store.display, rules: engine.list().length, ...(revision !== undefined ? { revision } : {}), ...(storeProblem !== undefined ? { detail: `store unreachable: ${storeProblem}` } : {}) });

    const adminToken = io.env.LUA_RULES_ADMIN_TOKEN?.trim() || undefined;
    const service = createService({
      engine,
      logger,
      metrics,
      maxBodyBytes,
      ...(adminToken ? { adminToken } : {}),
      health,
      reload: async () => {
        const live = await store.liveRules();
        const names = new Set(live.map((r) => r.definition.name));
        return engine.applyChange({ upserted: live, removed: engine.list().map((r) => r.name).filter((n) => !names.has(n)) });
      },
      status: async () => ({ engineId: storeEngine.engineId, uptimeSeconds: (Date.now() - startedAt) / 1000, health: health(), inFlight: service.inFlight(), rules: engine.list() }),
    });
    const server = createServer({ keepAliveTimeout: 5000 }, service.handle);
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    try {
      await new Promise<void>((resolvePromise, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolvePromise());
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.stderr(`lua-rules serve: cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use (pick another with --port)' : (error as Error).message}\n`);
      await storeEngine.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      return EXIT.failures;
    }
    const address = server.address() as AddressInfo;
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    logger.info({ address: base, store: store.display, rules: engine.list().length, engineId: storeEngine.engineId }, 'serving');
    io.stderr(banner(base, store.display, stringFlag(args, 'store') !== undefined ? redact(store.display) : url === DEFAULT_STORE ? DEFAULT_STORE : '$LUA_RULES_STORE', engine.list()) + '\n');

    return new Promise<number>((resolveRun) => {
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal, inFlight: service.inFlight() }, 'shutting down: finishing in-flight requests');
        clearInterval(probeTimer);
        server.close();
        server.closeIdleConnections();
        const deadline = Date.now() + 10_000;
        const wait = setInterval(() => {
          if (service.inFlight() > 0 && Date.now() < deadline) return;
          clearInterval(wait);
          server.closeAllConnections();
          void (async () => {
            await storeEngine.stop().catch((error: unknown) => logger.error({ err: error }, 'flushing the decision log failed'));
            await store.close().catch(() => undefined);
            logger.info('stopped');
            logger.flush();
            process.off('SIGINT', onInt);
            process.off('SIGTERM', onTerm);
            resolveRun(EXIT.ok);
          })();
        }, 20);
      };
      const onInt = (): void => shutdown('SIGINT');
      const onTerm = (): void => shutdown('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      if (exitWithParent) watchAncestors((pid) => shutdown(`parent process ${pid} exited`));
    });
  },
};

function banner(base: string, store: string, storeArg: string, rules: { name: string; version: number; category: string | null }[]): string {
  const categories = [...new Set(rules.map((r) => r.category).filter((c): c is string => c !== null))];
  const category = categories.includes('epic') ? 'epic' : (categories[0] ?? 'epic');
  const storeFlag = storeArg === DEFAULT_STORE ? DEFAULT_STORE : storeArg;
  return [
    '',
    `Lua Rules engine serving ${rules.length} rule${rules.length === 1 ? '' : 's'} from ${store} at ${base}`,
    '',
    'Evaluate a category:',
    `  curl -s -X POST ${base}/v1/evaluate/${category} -H 'content-type: application/json' \\`,
    `       -d '{"epic_id": "epic-123", "metrics": {"wsjf_score": 60, "business_value": 80, "job_size": 30}}'`,
    'List the rules it serves:',
    `  curl -s ${base}/v1/rules`,
    'Publish a change; this engine picks it up live:',
    `  (edit rules/epic_wsjf_validation.lua)`,
    `  npx lua-rules publish rules/epic_wsjf_validation.lua --store ${storeFlag} --message "what changed"`,
    `Health and metrics: ${base}/healthz  ${base}/metrics`,
    `Stop: Ctrl+C, or kill ${process.pid} (this server's PID)`,
    '',
  ].join('\n');
}

