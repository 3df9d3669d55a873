import { closeSync, existsSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { EXIT, UsageError } from '../command';
import { booleanFlag, numberFlag, parseCommandArgs, stringFlag, type ParsedArgs } from '../args';
import { durationFlag } from '../duration';
import { STORE_HELP, openCommandStore } from './store-common';
import { displayText } from '../../../core/src/util/display-text';
import { MaskPathError, parseMaskPaths, redactSecret } from '../../../store/src';
import { EngineServiceError, startEngineService, type DecisionLogSettings } from '../../../service/src/engine-service';
import { noteAncestors } from '../../../service/src/parent-watch';
import { LOG_LEVELS, type LogLevel } from '../../../service/src/service-logger';

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
  --capture-contexts on|off   keep each decision's context in the log, for replay
                      (\`lua-rules impact\`; default on)
  --mask PATH         remove this field of every context before anything is stored or
                      printed; dotted (owner.email), applied to each element of an
                      array on the way (items.sku); repeatable
  --decision-log-jsonl PATH|-   also write each decision as a JSON line to this file
                      (appended) or to stdout (-), the fields of \`decisions --json\`
  --decision-log-contexts-per-rule N   contexts kept per rule, newest first; older
                      decisions keep their row without it (default 10000)
  --decision-log-max-age DURATION   decisions older than this are deleted (default 7d)
  --decision-log-max-rows N   rows kept in the whole log, newest first (default 1000000)
  --decision-log-prune-every DURATION   how often those bounds are enforced, in the
                      log's own thread (default 60s)
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
  --shadow-queue N    shadow evaluations that may wait for the shadow thread; more are
                      dropped and counted (default 256; 0 runs no shadows here)
  --exit-with-parent  stop (as on SIGTERM) when the process that started it exits,
                      e.g. \`npm start\` killed by its PID (npm start sets it)

Logs are JSON lines (pino) on stdout, each request's correlation id included
(send X-Correlation-Id to choose it). SIGINT/SIGTERM finish in-flight requests,
flush the decision log and exit.`;

/**
 * `lua-rules serve`: flags to options, the engine service (service/src/engine-service.ts)
 * started with them, the banner, and the process's part: signals, the parent watch,
 * the hard exit when a shutdown overruns the grace period.
 */
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
      'capture-contexts': { type: 'string' },
      mask: { type: 'string', multiple: true },
      'decision-log-jsonl': { type: 'string' },
      'decision-log-contexts-per-rule': { type: 'string' },
      'decision-log-max-age': { type: 'string' },
      'decision-log-max-rows': { type: 'string' },
      'decision-log-prune-every': { type: 'string' },
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
      'shadow-queue': { type: 'string' },
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
    const shadowQueue = numberFlag('serve', args, 'shadow-queue', { min: 0, max: 1_000_000, integer: true });
    const decisionLog = stringFlag(args, 'decision-log') ?? 'on';
    if (decisionLog !== 'on' && decisionLog !== 'off') throw new UsageError(`serve: --decision-log must be 'on' or 'off', got '${decisionLog}'`);
    const decisionLogSettings = decisionLogFlags(args, io.cwd);
    const level = stringFlag(args, 'log-level') ?? 'info';
    if (!isLogLevel(level)) throw new UsageError(`serve: --log-level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
    const seed = stringFlag(args, 'seed');
    // Noted now, before the (possibly slow) start and before the banner shows the PID:
    // a parent that dies in between is then still missed (parent-watch.ts says why).
    const ancestry = booleanFlag(args, 'exit-with-parent') ? noteAncestors() : undefined;
    if (seed !== undefined && !existsSync(resolve(io.cwd, seed))) throw new UsageError(`serve: --seed folder not found: ${seed}`);

    const opened = openCommandStore('serve', url, io);
    if (typeof opened === 'number') return opened;
    let service;
    try {
      service = await startEngineService({
        store: opened.store,
        storeUrl: url,
        password: opened.password,
        host,
        port,
        maxBodyBytes,
        decisionLog: decisionLog === 'on',
        decisionLogSettings,
        instructions,
        logLevel: level,
        heartbeatIntervalMs,
        requestTimeMs,
        breakerFailures,
        breakerCoolDownMs,
        cacheMaxBytes,
        maxPending,
        graceMs,
        ...(shadowQueue !== undefined ? { shadows: shadowQueue === 0 ? false : { maxQueued: shadowQueue } } : {}),
        adminToken: io.env.LUA_RULES_ADMIN_TOKEN?.trim() || undefined,
        seed,
        cwd: io.cwd,
        stderr: io.stderr,
        onStuckStop: (message) => {
          io.stderr(message);
          process.exit(1);
        },
      });
    } catch (error) {
      if (!(error instanceof EngineServiceError)) throw error;
      io.stderr(`lua-rules serve: ${error.message}\n`);
      return EXIT.failures;
    }
    // The banner's publish line names the store actually served when --store was given (password redacted).
    const storeArg = stringFlag(args, 'store') !== undefined ? redactSecret(opened.store.display, opened.password) : url === DEFAULT_STORE ? DEFAULT_STORE : '$LUA_RULES_STORE';
    io.stderr(banner(service.url, opened.store.display, storeArg, service.engine.list()) + '\n');

    const running = service;
    return new Promise<number>((resolveRun) => {
      const shutdown = (signal: string): void => {
        void running.stop(signal).then(() => {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          resolveRun(EXIT.ok);
        });
      };
      const onInt = (): void => shutdown('SIGINT');
      const onTerm = (): void => shutdown('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      ancestry?.watch((pid) => shutdown(`parent process ${pid} exited`));
    });
  },
};

/** Issue 13: the decision log's flags; every bad value is a usage error (exit 2) with one line. */
function decisionLogFlags(args: ParsedArgs, cwd: string): DecisionLogSettings {
  const capture = stringFlag(args, 'capture-contexts') ?? 'on';
  if (capture !== 'on' && capture !== 'off') throw new UsageError(`serve: --capture-contexts must be 'on' or 'off', got '${capture}'`);
  const masks = (args.values.mask as string[] | undefined) ?? [];
  try {
    parseMaskPaths(masks);
  } catch (e) {
    if (e instanceof MaskPathError) throw new UsageError(`serve: ${e.message}`);
    throw e;
  }
  const jsonl = stringFlag(args, 'decision-log-jsonl');
  if (jsonl !== undefined && jsonl.trim() === '') throw new UsageError(`serve: --decision-log-jsonl needs a file path or - for stdout`);
  if (jsonl !== undefined && jsonl !== '-') {
    // Tried here, so a path that cannot be written is a usage error now, not a log thread failing later.
    try {
      closeSync(openSync(resolve(cwd, jsonl), 'a'));
    } catch (e) {
      throw new UsageError(`serve: cannot write --decision-log-jsonl ${jsonl}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const contextsPerRule = numberFlag('serve', args, 'decision-log-contexts-per-rule', { min: 0, max: 100_000_000, integer: true });
  const maxRows = numberFlag('serve', args, 'decision-log-max-rows', { min: 1, max: 1e12, integer: true });
  const maxAgeMs = durationFlag('serve', 'decision-log-max-age', stringFlag(args, 'decision-log-max-age'), { minMs: 1000, maxMs: 100 * 365 * 86_400_000 });
  const pruneIntervalMs = durationFlag('serve', 'decision-log-prune-every', stringFlag(args, 'decision-log-prune-every'), { minMs: 100, maxMs: 86_400_000 });
  return {
    masks,
    captureContexts: capture === 'on',
    jsonl,
    retention: {
      ...(contextsPerRule !== undefined ? { contextsPerRule } : {}),
      ...(maxRows !== undefined ? { maxRows } : {}),
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    },
    pruneIntervalMs,
  };
}

function isLogLevel(level: string): level is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

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

