import { randomUUID, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RuleEngine, EngineResult, CategoryResult } from '../../core/src/engine/rule-engine';
import type { ServiceMetrics } from './metrics';
import { HttpError, readJsonBodyText } from './read-body';
import { EvaluationQueue } from './evaluation-queue';

export interface HealthReport {
  status: 'ok' | 'degraded';
  store: string;
  detail?: string;
  rules: number;
  revision?: number;
}

export interface ServiceOptions {
  engine: RuleEngine;
  logger: Logger;
  metrics: ServiceMetrics;
  maxBodyBytes: number;
  /** From LUA_RULES_ADMIN_TOKEN; admin endpoints answer 404 when unset (they do not exist). */
  adminToken?: string;
  health(): HealthReport;
  /** Admin: fetch every live rule from the store now. */
  reload(): Promise<unknown>;
  status(): Promise<unknown>;
  /** Wall-clock budget of one evaluation request, shared by the rules of a category (ms). */
  requestTimeMs: number;
  /** Evaluation requests allowed to wait at once (reading their body or queued); more answer 503. */
  maxPending: number;
  /** Told when an evaluation starts and ends (the watchdog). */
  onBusy?(busy: boolean): void;
  /** Issue 13 (h13-shadow): told of each answered evaluation after its response is sent (shadow runs); must not block. */
  afterEvaluation?(context: unknown, result: EngineResult | CategoryResult, correlationId: string): void;
  /** Issue 14: whether a rule the engine does not serve is disabled in the store (a 404 that says so). */
  isDisabled?(rule: string): boolean;
}

const CORRELATION_ID = /^[\w.:@-]{1,128}$/;
const JSON_TYPE = 'application/json; charset=utf-8';
const METRICS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const CATEGORY_ROUTE = '/v1/evaluate/';

/** A number as JSON.stringify writes it (a non-finite one as null). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * JSON.stringify of a string, remembered (issue 16): rule names, decisions, categories
 * and most reasonings repeat from one answer to the next, and quoting them again was a
 * tenth of building an answer. Bounded: cleared when full (a rule may write a new
 * reasoning for every context).
 */
const quoted = new Map<string, string>();
const QUOTED_MAX = 2048;

function jsonString(value: string): string {
  let text = quoted.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    if (quoted.size >= QUOTED_MAX) quoted.clear();
    if (value.length <= 512) quoted.set(value, text);
  }
  return text;
}

/**
 * The answer of an evaluation as JSON text, written directly (issue 16): the same
 * fields in the same order as JSON.stringify of the object the service used to build,
 * without building that object first. Strings go through JSON.stringify, so escaping
 * is JSON's own.
 */
export function resultJson(result: EngineResult | CategoryResult, correlationId: string): string {
  const error = result.error ? `{"code":${jsonString(result.error.code)},"message":${JSON.stringify(result.error.message)}}` : 'null';
  let out =
    `{"decision":${jsonString(result.decision)},"confidence":${jsonNumber(result.confidence)},"reasoning":${jsonString(result.reasoning)}` +
    `,"rule":${result.rule === null ? 'null' : jsonString(result.rule)},"version":${result.version === null ? 'null' : jsonNumber(result.version)}` +
    `,"durationMs":${jsonNumber(result.durationMs)},"error":${error},"line":${result.line === null ? 'null' : jsonNumber(result.line)},"correlationId":${JSON.stringify(correlationId)}`;
  if ('category' in result) {
    out += `,"category":${jsonString(result.category)},"results":[`;
    for (let i = 0; i < result.results.length; i++) {
      const r = result.results[i] as EngineResult;
      out +=
        (i > 0 ? ',' : '') +
        `{"rule":${jsonString(r.rule)},"version":${jsonNumber(r.version)},"decision":${jsonString(r.decision)},"confidence":${jsonNumber(r.confidence)}` +
        `,"error":${r.error ? jsonString(r.error.code) : 'null'},"cached":${r.cached ? 'true' : 'false'}}`;
    }
    out += ']}';
  } else out += `,"cached":${result.cached ? 'true' : 'false'}}`;
  return out;
}

/** The HTTP API of `lua-rules serve` (CONTRACTS) over an engine; returns a request handler and an in-flight counter. */
export function createService(options: ServiceOptions) {
  const { engine, logger, metrics } = options;
  let inFlight = 0;
  let pending = 0;
  const queue = new EvaluationQueue(options.onBusy);
  const timeBudgetMs = options.requestTimeMs;
  const adminToken = options.adminToken ? Buffer.from(options.adminToken) : undefined;

  function send(res: ServerResponse, status: number, body: unknown, route: string, correlationId?: string): void {
    if (typeof body === 'string') sendText(res, status, body, METRICS_TYPE, route, correlationId);
    else sendText(res, status, JSON.stringify(body), JSON_TYPE, route, correlationId);
  }

  /** Headers as a flat list (no header object for Node to walk); the text is written once, with them. */
  function sendText(res: ServerResponse, status: number, text: string, type: string, route: string, correlationId?: string): void {
    const length = String(Buffer.byteLength(text));
    res.writeHead(status, correlationId ? ['content-type', type, 'content-length', length, 'x-correlation-id', correlationId] : ['content-type', type, 'content-length', length]);
    res.end(text);
    metrics.requests.inc({ route, status: String(status) });
  }

  function sendError(res: ServerResponse, status: number, code: string, message: string, route: string, correlationId?: string, extra: Record<string, unknown> = {}): void {
    send(res, status, { ...extra, error: { code, message } }, route, correlationId);
  }

  function record(result: EngineResult): void {
    metrics.evaluations.inc({ rule: result.rule, decision: result.decision });
    if (result.error) metrics.errors.inc({ rule: result.rule, code: result.error.code });
    if (result.cached) metrics.cacheHits.inc({ rule: result.rule });
    if (result.shortCircuited) metrics.shortCircuits.inc({ rule: result.rule });
  }

  async function evaluate(req: IncomingMessage, res: ServerResponse, route: string, target: { category: string } | { rule: string }, correlationId: string): Promise<void> {
    // Every evaluation waiting (body being read, or queued) holds its context, up to
    // --max-body each: past the bound the service says it is overloaded at once instead
    // of letting memory and latency grow with the number of clients.
    if (pending >= options.maxPending) {
      res.setHeader('retry-after', '1');
      throw new HttpError(503, 'overloaded', `${pending} evaluations are already waiting (--max-pending ${options.maxPending}); retry later`);
    }
    pending++;
    try {
      await evaluateCounted(req, res, route, target, correlationId);
    } finally {
      pending--;
    }
  }

  async function evaluateCounted(req: IncomingMessage, res: ServerResponse, route: string, target: { category: string } | { rule: string }, correlationId: string): Promise<void> {
    const started = performance.now(); // a clock read without a BigInt (issue 16)
    // The body's text goes to the decision log with the context: it is the context's
    // JSON already, and serializing the context again cost the request thread (issue 16).
    const { value: context, text: contextJson } = await readJsonBodyText(req, options.maxBodyBytes);
    let result: EngineResult | CategoryResult;
    if ('category' in target) {
      if (!engine.hasCategory(target.category)) {
        sendError(res, 404, 'category-not-found', `no rules in category '${target.category}'`, route, correlationId, { decision: 'escalated', confidence: 0, reasoning: 'No rules available for category' });
        return;
      }
      const category = await queue.run(() => engine.evaluateCategory(target.category, context, { correlationId, timeBudgetMs, contextJson }));
      category.results.forEach(record);
      result = category;
    } else {
      if (!engine.has(target.rule)) {
        if (options.isDisabled?.(target.rule) === true) sendError(res, 404, 'rule-disabled', `rule '${target.rule}' is disabled in the store; 'lua-rules enable ${target.rule}' switches it back on`, route, correlationId);
        else sendError(res, 404, 'rule-not-found', `no rule named '${target.rule}'`, route, correlationId);
        return;
      }
      result = await queue.run(() => engine.evaluateRule(target.rule, context, { correlationId, timeBudgetMs, contextJson }));
      record(result);
    }
    const invalid = 'results' in result ? result.results.find((r) => r.error?.code === 'invalid-context') : result.error?.code === 'invalid-context' ? result : undefined;
    if (invalid?.error) {
      sendError(res, 400, 'invalid-context', invalid.error.message, route, correlationId);
      return;
    }
    sendText(res, 200, resultJson(result, correlationId), JSON_TYPE, route, correlationId);
    metrics.duration.observe((performance.now() - started) / 1000, { route });
    if (result.error) logger.warn({ correlationId, rule: result.rule, code: result.error.code }, `rule failed: ${result.error.message}`);
    else if (logger.isLevelEnabled('debug')) logger.debug({ correlationId, rule: result.rule, decision: result.decision, confidence: result.confidence }, 'evaluated');
    options.afterEvaluation?.(context, result, correlationId);
  }

  function authorised(req: IncomingMessage): boolean {
    if (!adminToken) return false;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    return given.length === adminToken.length && timingSafeEqual(given, adminToken);
  }

  function decode(segment: string): string {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, 'bad-request', `bad URL encoding in '${segment}'`);
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, correlationId: string): Promise<void> {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    // The commonest request first, without splitting the URL: POST /v1/evaluate/<category>.
    if (method === 'POST' && url.startsWith(CATEGORY_ROUTE) && url.length > CATEGORY_ROUTE.length && url.indexOf('/', CATEGORY_ROUTE.length) < 0 && !url.includes('?')) {
      await evaluate(req, res, 'evaluate-category', { category: decode(url.slice(CATEGORY_ROUTE.length)) }, correlationId);
      return;
    }
    const path = url.split('?')[0] ?? '/';
    const parts = path.split('/').filter((p) => p !== '');
    const expect = (allowed: string, routeName: string): boolean => {
      if (method === allowed) return true;
      res.setHeader('allow', allowed);
      sendError(res, 405, 'method-not-allowed', `${method} is not allowed here; use ${allowed}`, routeName, correlationId);
      return false;
    };
    if (parts[0] === 'v1' && parts[1] === 'evaluate' && parts.length === 3) {
      if (expect('POST', 'evaluate-category')) await evaluate(req, res, 'evaluate-category', { category: decode(parts[2] as string) }, correlationId);
      return;
    }
    if (parts[0] === 'v1' && parts[1] === 'rules' && parts.length === 4 && parts[3] === 'evaluate') {
      if (expect('POST', 'evaluate-rule')) await evaluate(req, res, 'evaluate-rule', { rule: decode(parts[2] as string) }, correlationId);
      return;
    }
    if (path === '/v1/rules') {
      if (expect('GET', 'rules')) send(res, 200, engine.list().map((r) => ({ name: r.name, version: r.version, kind: r.kind, category: r.category })), 'rules', correlationId);
      return;
    }
    if (path === '/healthz') {
      if (!expect('GET', 'healthz')) return;
      const health = options.health();
      send(res, health.status === 'ok' ? 200 : 503, health, 'healthz', correlationId);
      return;
    }
    if (path === '/metrics') {
      if (expect('GET', 'metrics')) send(res, 200, metrics.registry.render(), 'metrics');
      return;
    }
    if (parts[0] === 'admin' && adminToken) {
      if (!authorised(req)) {
        res.setHeader('www-authenticate', 'Bearer');
        sendError(res, 401, 'unauthorized', 'admin endpoints need "Authorization: Bearer <LUA_RULES_ADMIN_TOKEN>"', 'admin', correlationId);
        return;
      }
      if (path === '/admin/reload') {
        if (expect('POST', 'admin')) send(res, 200, await options.reload(), 'admin', correlationId);
        return;
      }
      if (path === '/admin/status') {
        if (expect('GET', 'admin')) send(res, 200, await options.status(), 'admin', correlationId);
        return;
      }
    }
    sendError(res, 404, 'not-found', `no route ${method} ${path}; see docs/serve.md`, 'unknown', correlationId);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    inFlight++;
    const given = req.headers['x-correlation-id'];
    const correlationId = typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    res.on('close', () => inFlight--);
    route(req, res, correlationId).catch((error: unknown) => {
      if (res.headersSent) return;
      if (error instanceof HttpError) {
        if (error.status === 413 || error.status === 503) res.setHeader('connection', 'close');
        sendError(res, error.status, error.code, error.message, 'error', correlationId);
        return;
      }
      logger.error({ correlationId, err: error }, 'internal error');
      sendError(res, 500, 'internal-error', 'internal error; see the service log', 'error', correlationId);
    });
  }

  /** Shutdown: evaluations not started yet are answered 503 instead of run. */
  const cancelWaiting = (): void => queue.cancelWaiting(new HttpError(503, 'shutting-down', 'the service is shutting down; retry on another instance'));

  return { handle, inFlight: () => inFlight, cancelWaiting };
}
