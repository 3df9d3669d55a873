import { createServer } from 'node:http';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { RuleEngine } from '../../core/src/engine/rule-engine';
import { collectRuleFiles } from '../../core/src/rules-folder/collect-rule-files';
import { displayText } from '../../core/src/util/display-text';
import {
  DEFAULT_RETENTION,
  maskContext,
  mergeStorePassword,
  parseMaskPaths,
  parseStoreUrl,
  redactSecret,
  secretsOfUrl,
  StoreEngine,
  type DecisionLogOptions,
  type DecisionRetention,
  type ShadowRunner,
  type Store,
  type StoreEngineOptions,
} from '../../store/src';
import { answerClientError } from './client-error';
import { createService, type HealthReport } from './http-service';
import { registerDecisionLogMetrics } from './decision-log-metrics';
import { serviceMetrics } from './metrics';
import { describeRefused, publishFiles } from './publish-files';
import { createServiceLogger, type LogLevel } from './service-logger';
import { startWatchdog } from './watchdog';
import { authorOfWrite } from '../../store/src/roles';

/**
 * The rule engine service, the main job of Lua Rules: the store's live rules over
 * HTTP, hot-reloading every version published while it runs. `lua-rules serve`
 * (cli/src/commands/serve.ts) only turns flags into these options; anything else that
 * wants an engine service (a test, an embedding program) calls `startEngineService`.
 */
export interface EngineServiceOptions {
  /** An opened store; the service owns it from here on: `stop()` closes it, and so does a failed start. */
  store: Store;
  /** The store URL as given, for redacting its secrets from every log line and message. */
  storeUrl: string;
  /** The store's password when it came from the URL, redacted from messages. */
  password?: string | undefined;
  host: string;
  /** 0 picks a free port (see the handle's `port`). */
  port: number;
  maxBodyBytes: number;
  decisionLog: boolean;
  /** Issue 13: masks, context capture, the JSON-lines sink and the bounds of the decision log (docs/serve.md). */
  decisionLogSettings?: DecisionLogSettings | undefined;
  /** Instruction budget per evaluation; default: the executor's. */
  instructions?: number | undefined;
  logLevel: LogLevel;
  heartbeatIntervalMs: number;
  /** Wall-clock budget of one evaluation request, shared by the rules of a category. */
  requestTimeMs: number;
  /** Limit errors in a row that open a rule's circuit breaker; 0 turns the breaker off. */
  breakerFailures: number;
  breakerCoolDownMs: number;
  cacheMaxBytes?: number | undefined;
  maxPending: number;
  /** How long `stop()` may take: in-flight requests finish within it. */
  graceMs: number;
  adminToken?: string | undefined;
  /** Publish the rules of this folder (absolute, or relative to `cwd`) when the store has none yet. */
  seed?: string | undefined;
  cwd: string;
  /** Human-readable lines (the seed's progress, a broken log); the JSON log goes to stdout. */
  stderr: (text: string) => void;
  /**
   * Called when `stop()` is still not done shortly before the grace period ends (an
   * evaluation that will not yield); the CLI exits the process here. Without it,
   * `stop()` just goes on waiting.
   */
  onStuckStop?: (message: string) => void;
  /** Issue 13 (h13-shadow): shadow run options (queue bound, context capture), or false to run no shadows. */
  shadows?: StoreEngineOptions['shadows'];
}

/** The decision log as `serve` configures it (issue 13); every field has a default. */
export interface DecisionLogSettings {
  /** Dotted context paths removed before anything is stored or printed. */
  masks?: string[];
  /** False: no contexts are captured (default true). */
  captureContexts?: boolean;
  /** JSON lines of every decision to this file (appended) or `-` for stdout; beside the store sink. */
  jsonl?: string | undefined;
  retention?: DecisionRetention;
  pruneIntervalMs?: number | undefined;
  /** Write from a worker thread (default true; an in-memory SQLite store is always written in process). */
  thread?: boolean;
}

export interface EngineServiceHandle {
  /** `http://host:port`, the address it listens on. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly engineId: string;
  readonly engine: RuleEngine;
  /** Issue 13 (h13-shadow): the shadow runs of this engine (undefined when turned off). */
  readonly shadows: ShadowRunner | undefined;
  /** Stops listening, lets in-flight requests finish within the grace period, flushes the decision log, closes the store. Idempotent. */
  stop(reason?: string): Promise<void>;
}

/** Start-up failed (the store, the seed, the port); the message is one line and holds no secret. */
export class EngineServiceError extends Error {}

/**
 * Migrates the store, seeds it when asked and it is empty, loads the live rules and
 * listens. Resolves once it accepts requests; rejects with an `EngineServiceError`
 * (store closed, nothing left running) when it cannot.
 */
export async function startEngineService(options: EngineServiceOptions): Promise<EngineServiceHandle> {
  const { store } = options;
  const redact = (text: string): string => redactSecret(text, options.password);
  const seedFiles = options.seed === undefined ? undefined : collectRuleFiles([resolve(options.cwd, options.seed)]);
  if (seedFiles && seedFiles.missing.length > 0) {
    await store.close().catch(() => undefined);
    throw new EngineServiceError(`--seed folder not found: ${options.seed}`);
  }
  const logger = createServiceLogger(options.logLevel, secretsOfUrl(options.storeUrl), options.stderr);

  try {
    await store.migrate();
    if (options.seed !== undefined && seedFiles && (await store.listRules()).length === 0) await seed(store, options.seed, seedFiles.rules.length, options);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new EngineServiceError(redact((error as Error).message));
  }

  const startedAt = Date.now();
  // Metrics exist before the engine (the store engine reports reloads to them); they read it once it is there.
  const engineRef: { current?: RuleEngine; shadows?: ShadowRunner | undefined } = {};
  const metrics = serviceMetrics(
    () => (Date.now() - startedAt) / 1000,
    () => engineRef.current?.openCircuits() ?? [],
    () => ({ entries: engineRef.current?.cacheMemory.size ?? 0, bytes: engineRef.current?.cacheMemory.bytes ?? 0 }),
    () => engineRef.shadows,
  );
  let storeProblem: string | undefined;
  const onError = (error: Error): void => logger.warn({ err: { message: redact(error.message) } }, 'store problem (rules keep serving)');
  const { engine: storeEngine, report } = await StoreEngine.start(store, {
    decisionLog: decisionLogOptions(options),
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    onError,
    ...(options.instructions ? { limits: { instructions: options.instructions } } : {}),
    ...(options.breakerFailures > 0 ? { breaker: { failures: options.breakerFailures, coolDownMs: options.breakerCoolDownMs } } : {}),
    ...(options.cacheMaxBytes !== undefined ? { cache: { maxBytes: options.cacheMaxBytes } } : {}),
    shadows: shadowOptions(options),
  });
  const engine = storeEngine.engine;
  engineRef.current = engine;
  engineRef.shadows = storeEngine.shadows;
  const log = storeEngine.log;
  if (log !== undefined) registerDecisionLogMetrics(metrics.registry, () => log.counts);
  // The wedge bound is the grace period: even an evaluation that never ends cannot keep
  // a SIGTERM waiting longer (the watchdog ends the process), and no working
  // evaluation comes near it (the request budget is far smaller).
  const watchdog = startWatchdog(Math.max(options.graceMs, options.requestTimeMs * 4, 2000));
  for (const refused of report.refused) logger.error({ rule: refused.name, version: refused.version, code: refused.error.code }, `rule refused: ${refused.error.message}`);
  engine.onChange((change) => {
    metrics.reloads.inc({ outcome: 'applied' }, change.applied.length);
    metrics.reloads.inc({ outcome: 'removed' }, change.removed.length);
    metrics.reloads.inc({ outcome: 'refused' }, change.refused.length);
    for (const applied of change.applied) {
      logger.info({ rule: applied.name, version: applied.version }, 'hot reload: now serving');
      // The reload lag from the time of the change that brought the version: it came
      // with the change, so a reload costs the store no query of its own (a read of the
      // version row here was five round trips per engine per reload).
      const changedAt = storeEngine.source.changedAt(applied.name, applied.version);
      if (changedAt !== undefined) metrics.reloadLag.observe(Math.max(0, Date.now() - Date.parse(changedAt)) / 1000);
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

  const service = createService({
    engine,
    logger,
    metrics,
    maxBodyBytes: options.maxBodyBytes,
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    requestTimeMs: options.requestTimeMs,
    maxPending: options.maxPending,
    onBusy: (busy) => watchdog.busy(busy),
    // Issue 13 (h13-shadow): after the answer is sent, the shadow runner queues a job per shadowed rule.
    ...(storeEngine.shadows !== undefined ? { afterEvaluation: (context: unknown, result: Parameters<ShadowRunner['offer']>[1], correlationId: string) => storeEngine.shadows?.offer(context, result, correlationId) } : {}),
    isDisabled: (rule) => storeEngine.source.isDisabled(rule),
    health,
    reload: async () => {
      void storeEngine.shadows?.reload(); // issue 13 (h13-shadow): the shadows too
      // The source's own full load, as at start: the live rules *and* the disabled list
      // (and the revision and what it served), so a switch the change feed never
      // delivered is seen too: a rule disabled behind the feed's back answers 404
      // `rule-disabled`, not `rule-not-found`, once reloaded.
      const live = await storeEngine.source.load();
      const names = new Set(live.map((r) => r.definition.name));
      return engine.applyChange({ upserted: live, removed: engine.list().map((r) => r.name).filter((n) => !names.has(n)) });
    },
    status: async () => ({
      engineId: storeEngine.engineId,
      uptimeSeconds: (Date.now() - startedAt) / 1000,
      health: health(),
      inFlight: service.inFlight(),
      rules: engine.list(),
      // Issue 13 (h13-shadow): the shadows this engine runs and its shadow queue.
      shadows: { running: storeEngine.shadows?.running() ?? [], queued: storeEngine.shadows?.queued ?? 0 },
    }),
  });
  const server = createServer({ keepAliveTimeout: 5000 }, service.handle);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // Node answers malformed requests and timeouts itself, in plain text; ours are JSON.
  server.on('clientError', answerClientError);
  try {
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolvePromise());
    });
  } catch (error) {
    clearInterval(probeTimer);
    await storeEngine.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    await watchdog.stop();
    const code = (error as NodeJS.ErrnoException).code;
    throw new EngineServiceError(`cannot listen on ${options.host}:${options.port}: ${code === 'EADDRINUSE' ? 'the port is in use (pick another with --port)' : (error as Error).message}`);
  }
  const address = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`;
  logger.info({ address: url, store: store.display, rules: engine.list().length, engineId: storeEngine.engineId }, 'serving');

  let stopped: Promise<void> | undefined;
  const stop = (reason = 'stop'): Promise<void> => {
    stopped ??= new Promise<void>((resolveStop) => {
      logger.info({ signal: reason, inFlight: service.inFlight() }, 'shutting down: finishing in-flight requests');
      clearInterval(probeTimer);
      server.close();
      server.closeIdleConnections();
      // The grace period bounds the whole shutdown. A timer cannot interrupt an
      // evaluation, so the hard stop is due one request budget before its end (an
      // evaluation running then still ends in time); in-flight requests get all the
      // time before that but a last second (or quarter), kept for the decision log and
      // the store; then evaluations not started yet are answered 503.
      const hardExitMs = options.graceMs - Math.min(options.requestTimeMs + 250, options.graceMs / 2);
      const deadline = Date.now() + hardExitMs - Math.min(1000, hardExitMs / 4);
      const stuck = setTimeout(() => options.onStuckStop?.(`lua-rules serve: still not stopped ${hardExitMs} ms after ${reason}; exiting now\n`), hardExitMs);
      stuck.unref();
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
          clearTimeout(stuck);
          logger.info('stopped');
          logger.flush();
          resolveStop();
        })();
      }, 20);
    });
    return stopped;
  };

  return { url, host: options.host, port: address.port, engineId: storeEngine.engineId, engine, shadows: storeEngine.shadows, stop };
}

/**
 * The decision log's options from the service's: the store sink when `decisionLog` is
 * on, the JSON-lines sink when asked, written from a worker thread with its own
 * connection (the password travels in the URL to the thread, never into a message).
 */
function decisionLogOptions(options: EngineServiceOptions): DecisionLogOptions | false {
  const s = options.decisionLogSettings ?? {};
  if (!options.decisionLog && s.jsonl === undefined) return false;
  const memory = parseStoreUrl(options.storeUrl, options.cwd);
  const inMemory = memory.kind === 'sqlite' && memory.path === ':memory:';
  return {
    store: options.decisionLog,
    cwd: options.cwd,
    ...(s.masks !== undefined ? { masks: s.masks } : {}),
    ...(s.captureContexts !== undefined ? { captureContexts: s.captureContexts } : {}),
    ...(s.jsonl !== undefined ? { jsonl: s.jsonl } : {}),
    ...(s.retention !== undefined ? { retention: { ...DEFAULT_RETENTION, ...s.retention } } : {}),
    ...(s.pruneIntervalMs !== undefined ? { pruneIntervalMs: s.pruneIntervalMs } : {}),
    ...(s.thread !== false && !inMemory ? { thread: { storeUrl: mergeStorePassword(options.storeUrl, options.password), cwd: options.cwd } } : {}),
  };
}

/**
 * Issue 13 (h13-shadow): shadow runs store the contexts of disagreements, so the
 * decision log's masks and `--capture-contexts off` apply to them too (the log's own
 * masking function, so both store the same thing).
 */
function shadowOptions(options: EngineServiceOptions): StoreEngineOptions['shadows'] {
  if (options.shadows === false) return false;
  const settings = options.decisionLogSettings ?? {};
  const masks = parseMaskPaths(settings.masks ?? []);
  return {
    ...options.shadows,
    ...(settings.captureContexts === false ? { captureContexts: false } : {}),
    ...(masks.length > 0 ? { maskContext: (context: unknown) => maskContext(context, masks) } : {}),
  };
}

/** First start: publish the seed folder's rules through the same gate as `lua-rules publish`. */
async function seed(store: Store, folder: string, count: number, options: EngineServiceOptions): Promise<void> {
  options.stderr(`serve: the store is empty; publishing the ${count} rules of ${folder}\n`);
  // PostgreSQL records the database user as the author (issue 14); elsewhere the seed is the service's.
  const author = await authorOfWrite(store, undefined, () => 'lua-rules-serve');
  const result = await publishFiles(store, [folder], options.cwd, { author, message: `published from ${folder} on first start` }, (line) => options.stderr(`${line}\n`));
  if (!result.ok) {
    for (const e of result.inputErrors) options.stderr(`lua-rules publish: ${displayText(e)}\n`);
    for (const c of result.refused) for (const line of describeRefused(c)) options.stderr(`${line}\n`);
    throw new Error(`publishing the rules of ${folder} failed (see above)`);
  }
  if (result.published.conflicts.length > 0) {
    throw new Error(`publishing the rules of ${folder} failed (see above)`);
  }
}
