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
import { redactSecret, redactText, secretsOfUrl, StoreEngine } from '../../../store/src';
import { collectRuleFiles } from '../../../core/src/rules-folder/collect-rule-files';
import { createService, type HealthReport } from '../serve/http-service';
import { serviceMetrics } from '../serve/metrics';
import { startWatchdog } from '../serve/watchdog';
import { answerClientError } from '../serve/client-error';
import type { RuleEngine } from '../../../core/src/engine/rule-engine';
import { displayText, escapeJsonText } from '../../../core/src/util/display-text';
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
  --request-time-ms N wall-clock budget of one evaluation request, shared by the rules
                      of a category (default 500; each rule also keeps its own limit)
  --breaker-failures N  limit errors in a row that open a rule's circuit breaker
                      (default 5; 0 turns the breaker off)
  --breaker-cooldown-ms N  how long an open breaker answers without running (default 30000)
  --cache-max-bytes N result cache bound in bytes, all rules together (default 67108864)
  --max-pending N     evaluation requests that may wait at once (reading their body or
                      queued); more are answered 503 overloaded (default 256)
  --grace-ms N        on SIGTERM/SIGINT, how long the shutdown may take: in-flight
                      requests finish within it (less its last second, kept for the
                      decision log); then the process exits regardless (default 10000)
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
      'request-time-ms': { type: 'string' },
      'breaker-failures': { type: 'string' },
      'breaker-cooldown-ms': { type: 'string' },
      'cache-max-bytes': { type: 'string' },
      'grace-ms': { type: 'string' },
      'max-pending': { type: 'string' },
      'exit-with-parent': { type: 'boolean' },
    });
    if (args.positionals.length > 0) throw new UsageError(`serve: unexpected argument '${args.positionals[0]}'`);
    const url = stringFlag(args, 'store') ?? (io.env.LUA_RULES_STORE?.trim() || DEFAULT_STORE);
    const host = stringFlag(args, 'host') ?? '127.0.0.1';
    const port = numberFlag('serve', args, 'port', { min: 0, max: 65535, integer: true }) ?? 8080;
    const maxBodyBytes = numberFlag('serve', args, 'max-body', { min: 64, max: 256 * 1024 * 1024, integer: true }) ?? 1024 * 1024;
    const instructions = numberFlag('serve', args, 'instructions', { min: 1000, max: 1e10, integer: true });
    const heartbeatIntervalMs = numberFlag('serve', args, 'heartbeat-ms', { min: 100, max: 3_600_000, integer: true }) ?? 5000;
    const requestTimeMs = numberFlag('serve', args, 'request-time-ms', { min: 10, max: 600_000, integer: true }) ?? 500;
    const breakerFailures = numberFlag('serve', args, 'breaker-failures', { min: 0, max: 1_000_000, integer: true }) ?? 5;
    const breakerCoolDownMs = numberFlag('serve', args, 'breaker-cooldown-ms', { min: 1, max: 86_400_000, integer: true }) ?? 30_000;
    const cacheMaxBytes = numberFlag('serve', args, 'cache-max-bytes', { min: 0, max: 64 * 1024 * 1024 * 1024, integer: true });
    const maxPending = numberFlag('serve', args, 'max-pending', { min: 1, max: 1_000_000, integer: true }) ?? 256;
    const graceMs = numberFlag('serve', args, 'grace-ms', { min: 0, max: 3_600_000, integer: true }) ?? 10_000;
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
    // Every log line goes through the one redaction function with this URL's secrets.
    const destination = pino.destination({ fd: 1, sync: false });
    // A log that cannot be written (full disk, closed pipe) must not stop the service: one line on stderr, logs dropped.
    let logBroken = false;
    destination.on('error', (error: NodeJS.ErrnoException) => {
      if (logBroken) return;
      logBroken = true;
      io.stderr(`lua-rules serve: cannot write the log to stdout (${error.code ?? error.message}); serving on without it\n`);
    });
    const secrets = secretsOfUrl(url);
    // ... and is escaped like every other printer's user text (rule errors carry text a rule chose).
    const redacting = { write: (line: string) => destination.write(escapeJsonText(redactText(line, secrets))), flush: (cb?: (err?: Error) => void) => destination.flush(cb), flushSync: () => destination.flushSync() };
    const logger = pino({ level, base: { pid: process.pid, host: hostname() }, formatters: { level: (label) => ({ level: label }) } }, redacting);

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
    // Metrics exist before the engine (the store engine reports reloads to them); they read it once it is there.
    const engineRef: { current?: RuleEngine } = {};
    const metrics = serviceMetrics(
      () => (Date.now() - startedAt) / 1000,
      () => engineRef.current?.openCircuits() ?? [],
      () => ({ entries: engineRef.current?.cacheMemory.size ?? 0, bytes: engineRef.current?.cacheMemory.bytes ?? 0 }),
    );
    let storeProblem: string | undefined;
    const onError = (error: Error): void => logger.warn({ err: { message: redact(error.message) } }, 'store problem (rules keep serving)');
    const { engine: storeEngine, report } = await StoreEngine.start(store, {
      decisionLog: decisionLog === 'off' ? false : {},
      heartbeatIntervalMs,
      onError,
      ...(instructions ? { limits: { instructions } } : {}),
      ...(breakerFailures > 0 ? { breaker: { failures: breakerFailures, coolDownMs: breakerCoolDownMs } } : {}),
      ...(cacheMaxBytes !== undefined ? { cache: { maxBytes: cacheMaxBytes } } : {}),
    });
    const engine = storeEngine.engine;
    engineRef.current = engine;
    // The wedge bound is the grace period: even an evaluation that never ends cannot keep
    // a SIGTERM waiting longer (the watchdog ends the process), and no working
    // evaluation comes near it (the request budget is far smaller).
    const watchdog = startWatchdog(Math.max(graceMs, requestTimeMs * 4, 2000));
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
      requestTimeMs,
      maxPending,
      onBusy: (busy) => watchdog.busy(busy),
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
    // Node answers malformed requests and timeouts itself, in plain text; ours are JSON.
    server.on('clientError', answerClientError);
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
      await watchdog.stop();
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
        // The grace period bounds the whole shutdown. A timer cannot interrupt an
        // evaluation, so the hard exit is due one request budget before its end (an
        // evaluation running then still ends in time); in-flight requests get all the
        // time before that but a last second (or quarter), kept for the decision log and
        // the store; then evaluations not started yet are answered 503.
        const hardExitMs = graceMs - Math.min(requestTimeMs + 250, graceMs / 2);
        const deadline = Date.now() + hardExitMs - Math.min(1000, hardExitMs / 4);
        setTimeout(() => {
          io.stderr(`lua-rules serve: still not stopped ${hardExitMs} ms after ${signal}; exiting now\n`);
          process.exit(1);
        }, hardExitMs).unref();
        const wait = setInterval(() => {
          if (service.inFlight() > 0 && Date.now() < deadline) return;
          clearInterval(wait);
          service.cancelWaiting();
          void (async () => {
            // Let the 503s of the cancelled evaluations go out before the connections close.
            await new Promise((resolveTick) => setTimeout(resolveTick, 50));
            server.closeAllConnections();
            await storeEngine.stop().catch((error: unknown) => logger.error({ err: error }, 'flushing the decision log failed'));
            await store.close().catch(() => undefined);
            await watchdog.stop();
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
    `Lua Rules engine serving ${rules.length} rule${rules.length === 1 ? '' : 's'} from ${displayText(store)} at ${base}`,
    '',
    'Evaluate a category:',
    `  curl -s -X POST ${base}/v1/evaluate/${encodeURIComponent(category)} -H 'content-type: application/json' \\`,
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

