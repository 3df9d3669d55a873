import { timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RuleEngine, EngineResult, CategoryResult } from '../../core/src/engine/rule-engine';
import type { CounterSeries, HistogramSeries, ServiceMetrics } from './metrics';
import { HttpError, readJsonBodyInto, type BodyReceiver } from './read-body';
import { EvaluationQueue, type EvaluationJob } from './evaluation-queue';
import { newCorrelationId } from './correlation-id';

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
 * The text of the parts of answers that repeat, remembered by rule (issue 16): the
 * winner's decision, confidence, reasoning and version, and each rule's entry in a
 * category's `results`. A cache hit answers what the last request for the rule
 * answered, and writing those parts again (a dozen concatenations each, then a flatten
 * of the tree of pieces) was half of writing an answer: 1.75 µs against 0.9 µs for
 * the bench's two-rule category, measured with the byte length taken as sendText does.
 * Checked field by field, so a change in any of them writes the part anew. Bounded
 * like `quoted`.
 */
class RememberedPart {
  constructor(
    readonly version: number | null,
    readonly decision: string,
    readonly confidence: number,
    /** The head's reasoning, or the entry's error code (null: none). */
    readonly detail: string | null,
    readonly cached: boolean,
    readonly text: string,
  ) {}

  matches(version: number | null, decision: string, confidence: number, detail: string | null, cached: boolean): boolean {
    return this.version === version && this.decision === decision && this.confidence === confidence && this.detail === detail && this.cached === cached;
  }
}
const heads = new Map<string | null, RememberedPart>();
const entries = new Map<string, RememberedPart>();
const REMEMBERED_MAX = 4096;
const FLATTEN = /^$/;

function remember(parts: Map<string | null, RememberedPart>, rule: string | null, part: RememberedPart): string {
  // Flattened once here (a regular expression reads a flat copy, and V8 keeps it): the
  // text is written into every answer that reuses it, and copying it from a tree of
  // pieces each time cost more than from one string.
  FLATTEN.test(part.text);
  if (parts.size >= REMEMBERED_MAX) parts.clear();
  parts.set(rule, part);
  return part.text;
}

/** `{"decision":…,"confidence":…,"reasoning":…,"rule":…,"version":…` of an answer. */
function headJson(result: EngineResult | CategoryResult): string {
  const { rule, version, decision, confidence, reasoning } = result;
  const known = heads.get(rule);
  if (known !== undefined && known.matches(version, decision, confidence, reasoning, false)) return known.text;
  const text = `{"decision":${jsonString(decision)},"confidence":${jsonNumber(confidence)},"reasoning":${jsonString(reasoning)},"rule":${rule === null ? 'null' : jsonString(rule)},"version":${version === null ? 'null' : jsonNumber(version)}`;
  return remember(heads, rule, new RememberedPart(version, decision, confidence, reasoning, false, text));
}

/** One rule's entry in a category's `results`. */
function entryJson(r: EngineResult): string {
  const code = r.error ? r.error.code : null;
  const known = entries.get(r.rule);
  if (known !== undefined && known.matches(r.version, r.decision, r.confidence, code, r.cached)) return known.text;
  const text = `{"rule":${jsonString(r.rule)},"version":${jsonNumber(r.version)},"decision":${jsonString(r.decision)},"confidence":${jsonNumber(r.confidence)},"error":${code === null ? 'null' : jsonString(code)},"cached":${r.cached ? 'true' : 'false'}}`;
  return remember(entries as Map<string | null, RememberedPart>, r.rule, new RememberedPart(r.version, r.decision, r.confidence, code, r.cached, text));
}

/**
 * The answer of an evaluation as JSON text, written directly (issue 16): the same
 * fields in the same order as JSON.stringify of the object the service used to build,
 * without building that object first. Strings go through JSON.stringify, so escaping
 * is JSON's own.
 */
export function resultJson(result: EngineResult | CategoryResult, correlationId: string): string {
  const error = result.error ? `{"code":${jsonString(result.error.code)},"message":${JSON.stringify(result.error.message)}}` : 'null';
  let out = `${headJson(result)},"durationMs":${jsonNumber(result.durationMs)},"error":${error},"line":${result.line === null ? 'null' : jsonNumber(result.line)},"correlationId":${JSON.stringify(correlationId)}`;
  if ('category' in result) {
    out += `,"category":${jsonString(result.category)},"results":[`;
    for (let i = 0; i < result.results.length; i++) out += (i > 0 ? ',' : '') + entryJson(result.results[i] as EngineResult);
    out += ']}';
  } else out += `,"cached":${result.cached ? 'true' : 'false'}}`;
  return out;
}

/** The HTTP API of `lua-rules serve` (CONTRACTS) over an engine; returns a request handler and an in-flight counter. */
export function createService(options: ServiceOptions) {
  const { engine, logger, metrics } = options;
  let inFlight = 0;
  let pending = 0;
  const queue = new EvaluationQueue();
  const onBusy = options.onBusy;
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
    requestCount(route, status).value++;
  }

  /**
   * The metric series a request counts, kept by route (and status, and rule below):
   * building a label object and looking it up label by label for each of the six
   * increments of a request was a visible part of it (issue 16).
   */
  const requestSeries = new Map<string, Map<number, CounterSeries>>();
  function requestCount(route: string, status: number): CounterSeries {
    let byStatus = requestSeries.get(route);
    if (byStatus === undefined) requestSeries.set(route, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) byStatus.set(status, (series = metrics.requests.series({ route, status: String(status) })));
    return series;
  }

  const durationSeries = new Map<string, HistogramSeries>();
  function durationOf(route: string): HistogramSeries {
    let series = durationSeries.get(route);
    if (series === undefined) durationSeries.set(route, (series = metrics.duration.series({ route })));
    return series;
  }

  /** A rule's series: by decision, by error code, and its cache hits and short circuits (made when first counted). */
  class RuleSeries {
    private readonly decisions = new Map<string, CounterSeries>();
    private readonly errors = new Map<string, CounterSeries>();
    private cacheHits: CounterSeries | undefined;
    private shortCircuits: CounterSeries | undefined;

    constructor(private readonly rule: string) {}

    count(result: EngineResult): void {
      const rule = this.rule;
      let decided = this.decisions.get(result.decision);
      if (decided === undefined) this.decisions.set(result.decision, (decided = metrics.evaluations.series({ rule, decision: result.decision })));
      decided.value++;
      if (result.error) {
        const code = result.error.code;
        let failed = this.errors.get(code);
        if (failed === undefined) this.errors.set(code, (failed = metrics.errors.series({ rule, code })));
        failed.value++;
      }
      if (result.cached) (this.cacheHits ??= metrics.cacheHits.series({ rule })).value++;
      if (result.shortCircuited) (this.shortCircuits ??= metrics.shortCircuits.series({ rule })).value++;
    }
  }
  const ruleSeries = new Map<string, RuleSeries>();

  function sendError(res: ServerResponse, status: number, code: string, message: string, route: string, correlationId?: string, extra: Record<string, unknown> = {}): void {
    send(res, status, { ...extra, error: { code, message } }, route, correlationId);
  }

  function record(result: EngineResult): void {
    let series = ruleSeries.get(result.rule);
    if (series === undefined) ruleSeries.set(result.rule, (series = new RuleSeries(result.rule)));
    series.count(result);
  }

  /**
   * One evaluation request, from its body to its answer: it hears the body
   * (BodyReceiver), waits in the queue (EvaluationJob) and answers. One object per
   * request instead of a chain of async functions (issue 16): each await cost a promise
   * and a microtask, and the closures around them were garbage to collect.
   */
  class Evaluation implements BodyReceiver, EvaluationJob {
    private context: unknown = undefined;
    private contextJson = '';

    constructor(
      private readonly res: ServerResponse,
      private readonly route: string,
      /** What is evaluated: a category, or (null) the rule `rule`. */
      private readonly category: string | null,
      private readonly rule: string,
      private readonly correlationId: string,
      private readonly started: number,
    ) {}

    bodyFailed(error: HttpError): void {
      this.done(error);
    }

    body(context: unknown, text: string): void {
      // The body's text goes to the decision log with the context: it is the context's
      // JSON already, and serializing the context again cost the request thread (issue 16).
      this.context = context;
      this.contextJson = text;
      try {
        if (this.category !== null ? engine.hasCategory(this.category) : engine.has(this.rule)) {
          queue.enqueue(this);
          return;
        }
        if (this.category !== null) sendError(this.res, 404, 'category-not-found', `no rules in category '${this.category}'`, this.route, this.correlationId, { decision: 'escalated', confidence: 0, reasoning: 'No rules available for category' });
        else if (options.isDisabled?.(this.rule) === true) sendError(this.res, 404, 'rule-disabled', `rule '${this.rule}' is disabled in the store; 'lua-rules enable ${this.rule}' switches it back on`, this.route, this.correlationId);
        else sendError(this.res, 404, 'rule-not-found', `no rule named '${this.rule}'`, this.route, this.correlationId);
        this.done();
      } catch (error) {
        this.done(error);
      }
    }

    cancel(error: Error): void {
      this.done(error);
    }

    run(): void {
      try {
        this.answer(this.evaluate());
        this.done();
      } catch (error) {
        this.done(error);
      }
    }

    /** The request is over: it no longer counts as waiting; a failure is answered (fail). */
    private done(error?: unknown): void {
      pending--;
      if (error !== undefined) fail(this.res, error, this.correlationId);
    }

    private evaluate(): EngineResult | CategoryResult {
      const evaluateOptions = { correlationId: this.correlationId, timeBudgetMs, contextJson: this.contextJson };
      onBusy?.(true);
      try {
        return this.category !== null ? engine.evaluateCategory(this.category, this.context, evaluateOptions) : engine.evaluateRule(this.rule, this.context, evaluateOptions);
      } finally {
        onBusy?.(false);
      }
    }

    private answer(result: EngineResult | CategoryResult): void {
      const { res, route, correlationId } = this;
      if ('results' in result) for (const r of result.results) record(r);
      else record(result);
      const invalid = 'results' in result ? result.results.find((r) => r.error?.code === 'invalid-context') : result.error?.code === 'invalid-context' ? result : undefined;
      if (invalid?.error) {
        sendError(res, 400, 'invalid-context', invalid.error.message, route, correlationId);
        return;
      }
      sendText(res, 200, resultJson(result, correlationId), JSON_TYPE, route, correlationId);
      durationOf(route).observe((performance.now() - this.started) / 1000);
      if (result.error) logger.warn({ correlationId, rule: result.rule, code: result.error.code }, `rule failed: ${result.error.message}`);
      else if (logger.isLevelEnabled('debug')) logger.debug({ correlationId, rule: result.rule, decision: result.decision, confidence: result.confidence }, 'evaluated');
      options.afterEvaluation?.(this.context, result, correlationId);
    }
  }

  /**
   * Starts an evaluation request: counted as waiting from here until answered (every
   * evaluation waiting holds its context, up to --max-body each: past the bound the
   * service says it is overloaded at once instead of letting memory and latency grow
   * with the number of clients). Throws the 503 when over the bound.
   */
  function evaluate(req: IncomingMessage, res: ServerResponse, route: string, target: { category: string } | { rule: string }, correlationId: string): void {
    if (pending >= options.maxPending) {
      res.setHeader('retry-after', '1');
      throw new HttpError(503, 'overloaded', `${pending} evaluations are already waiting (--max-pending ${options.maxPending}); retry later`);
    }
    pending++;
    // A clock read without a BigInt (issue 16); the duration metric runs from here to the answer.
    const evaluation = 'category' in target ? new Evaluation(res, route, target.category, '', correlationId, performance.now()) : new Evaluation(res, route, null, target.rule, correlationId, performance.now());
    readJsonBodyInto(req, options.maxBodyBytes, evaluation);
  }

  /** A request that failed: its error as JSON (HttpError), or a 500 that is logged; nothing when an answer is out already. */
  function fail(res: ServerResponse, error: unknown, correlationId: string): void {
    if (res.headersSent) return;
    if (error instanceof HttpError) {
      if (error.status === 413 || error.status === 503) res.setHeader('connection', 'close');
      sendError(res, error.status, error.code, error.message, 'error', correlationId);
      return;
    }
    logger.error({ correlationId, err: error }, 'internal error');
    sendError(res, 500, 'internal-error', 'internal error; see the service log', 'error', correlationId);
  }

  function authorised(req: IncomingMessage): boolean {
    if (!adminToken) return false;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    return given.length === adminToken.length && timingSafeEqual(given, adminToken);
  }

  function decode(segment: string): string {
    // Without a '%' there is nothing to decode (decodeURIComponent only reads escapes),
    // and the call was a visible part of routing an evaluation (issue 16).
    if (!segment.includes('%')) return segment;
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, 'bad-request', `bad URL encoding in '${segment}'`);
    }
  }

  /** Answers a request; a request it cannot answer at once returns the promise of its answer, and what it throws is failed (handle). */
  function route(req: IncomingMessage, res: ServerResponse, correlationId: string): Promise<void> | undefined {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    // The commonest request first, without splitting the URL: POST /v1/evaluate/<category>.
    if (method === 'POST' && url.startsWith(CATEGORY_ROUTE) && url.length > CATEGORY_ROUTE.length && url.indexOf('/', CATEGORY_ROUTE.length) < 0 && !url.includes('?')) {
      evaluate(req, res, 'evaluate-category', { category: decode(url.slice(CATEGORY_ROUTE.length)) }, correlationId);
      return undefined;
    }
    return routeOthers(req, res, correlationId, url, method);
  }

  async function routeOthers(req: IncomingMessage, res: ServerResponse, correlationId: string, url: string, method: string): Promise<void> {
    const path = url.split('?')[0] ?? '/';
    const parts = path.split('/').filter((p) => p !== '');
    const expect = (allowed: string, routeName: string): boolean => {
      if (method === allowed) return true;
      res.setHeader('allow', allowed);
      sendError(res, 405, 'method-not-allowed', `${method} is not allowed here; use ${allowed}`, routeName, correlationId);
      return false;
    };
    if (parts[0] === 'v1' && parts[1] === 'evaluate' && parts.length === 3) {
      if (expect('POST', 'evaluate-category')) evaluate(req, res, 'evaluate-category', { category: decode(parts[2] as string) }, correlationId);
      return;
    }
    if (parts[0] === 'v1' && parts[1] === 'rules' && parts.length === 4 && parts[3] === 'evaluate') {
      if (expect('POST', 'evaluate-rule')) evaluate(req, res, 'evaluate-rule', { rule: decode(parts[2] as string) }, correlationId);
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

  /** One listener for every response (a closure per request was garbage to collect). */
  const closed = (): void => {
    inFlight--;
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    inFlight++;
    const given = req.headers['x-correlation-id'];
    const correlationId = typeof given === 'string' && CORRELATION_ID.test(given) ? given : newCorrelationId();
    res.on('close', closed);
    try {
      route(req, res, correlationId)?.catch((error: unknown) => fail(res, error, correlationId));
    } catch (error) {
      fail(res, error, correlationId);
    }
  }

  /** Shutdown: evaluations not started yet are answered 503 instead of run. */
  const cancelWaiting = (): void => queue.cancelWaiting(new HttpError(503, 'shutting-down', 'the service is shutting down; retry on another instance'));

  return { handle, inFlight: () => inFlight, cancelWaiting };
}
