/**
 * A small Prometheus text-format registry: counters and histograms with labels.
 * Why not prom-client: the service needs five metrics, and the hot path (one
 * counter increment per evaluation) should be a Map lookup, nothing more.
 */
type Labels = Record<string, string>;

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(value: string): string {
  // Label values are rule names and codes: almost never anything to escape, and three
  // replaces per label per counter increment were a visible part of a request.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return '{' + keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',') + '}';
}

interface LabelNode {
  text?: string;
  next?: Map<string, LabelNode>;
}

function child(node: LabelNode, key: string): LabelNode {
  const next = (node.next ??= new Map<string, LabelNode>());
  let found = next.get(key);
  if (found === undefined) next.set(key, (found = {}));
  return found;
}

/**
 * The label text of a set of labels, remembered by its names and values (issue 16):
 * building it (keys, escaping, joining) on every increment was a visible part of a
 * request, and the values (rules, decisions, routes, statuses) are few and repeat.
 */
class LabelTexts {
  private readonly root: LabelNode = {};

  text(labels: Labels): string {
    let node = this.root;
    for (const name in labels) node = child(child(node, name), labels[name] ?? '');
    return (node.text ??= labelText(labels));
  }
}

interface Metric {
  render(): string;
}

/**
 * One labelled series of a counter, to be kept by a caller that counts it often
 * (issue 16): an increment is then an addition, with no label object to build and
 * walk, where `inc(labels)` costs about ten Map operations.
 */
export class CounterSeries {
  value = 0;
}

export class Counter implements Metric {
  private readonly values = new Map<string, CounterSeries>();
  private readonly texts = new LabelTexts();

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  /** The series of these labels, made when first asked for (it is rendered from then on, 0 until counted). */
  series(labels: Labels = {}): CounterSeries {
    const key = this.texts.text(labels);
    let series = this.values.get(key);
    if (series === undefined) this.values.set(key, (series = new CounterSeries()));
    return series;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.series(labels).value += by;
  }

  get(labels: Labels = {}): number {
    return this.values.get(this.texts.text(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [labels, series] of this.values) lines.push(`${this.name}${labels} ${series.value}`);
    return lines.join('\n');
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`].join('\n');
  }
}

/** A gauge with labels, read when /metrics is rendered. */
export class LabeledGauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => { labels: Labels; value: number }[],
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.read()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/**
 * One labelled series of a histogram. Counts are kept per bucket (the bucket a value
 * falls in, found by a scan that stops there) and made cumulative when rendered: an
 * observation used to add one to every bucket at or above the value (issue 16).
 */
export class HistogramSeries {
  /** Per bucket, then one for values above the last bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    private readonly buckets: readonly number[],
    readonly labels: Labels,
  ) {
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }

  observe(value: number): void {
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && !(value <= (buckets[i] as number))) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

export class Histogram implements Metric {
  private readonly series_ = new Map<string, HistogramSeries>();
  private readonly texts = new LabelTexts();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  /** The series of these labels, for a caller that observes it often (see CounterSeries). */
  series(labels: Labels = {}): HistogramSeries {
    const key = this.texts.text(labels);
    let s = this.series_.get(key);
    if (!s) {
      s = new HistogramSeries(this.buckets, labels);
      this.series_.set(key, s);
    }
    return s;
  }

  observe(value: number, labels: Labels = {}): void {
    this.series(labels).observe(value);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series_.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += s.counts[i] ?? 0;
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(bound) })} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return this.metrics.map((m) => m.render()).join('\n') + '\n';
  }
}

/** The engine service's metrics (docs/serve.md lists them). */
/** Issue 13 (h13-shadow): a counter kept elsewhere (the shadow runner), read when /metrics is rendered. */
export class LabeledCounterView implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => { labels: Labels; value: number }[],
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.read()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** Issue 13 (h13-shadow): what /metrics reads of the shadow runs (ShadowRunner). */
export interface ShadowMetricsSource {
  ruleStats(): Map<string, { agreed: number; disagreed: number; dropped: number; paused: number }>;
  readonly queued: number;
}

export function serviceMetrics(
  uptime: () => number,
  circuits: () => { name: string; opened: number; open: boolean }[] = () => [],
  cache: () => { entries: number; bytes: number } = () => ({ entries: 0, bytes: 0 }),
  shadows: () => ShadowMetricsSource | undefined = () => undefined,
) {
  const registry = new Registry();
  return {
    registry,
    evaluations: registry.add(new Counter('lua_rules_evaluations_total', 'Rule evaluations by rule and decision.')),
    errors: registry.add(new Counter('lua_rules_evaluation_errors_total', 'Failed rule evaluations by rule and error code.')),
    cacheHits: registry.add(new Counter('lua_rules_cache_hits_total', 'Evaluations answered from the result cache, by rule.')),
    duration: registry.add(new Histogram('lua_rules_request_duration_seconds', 'Evaluation request duration (body read to response), by route.', [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1])),
    requests: registry.add(new Counter('lua_rules_http_requests_total', 'HTTP requests by route and status.')),
    reloads: registry.add(new Counter('lua_rules_reloads_total', 'Rule versions applied, removed or refused by hot reload.')),
    reloadLag: registry.add(new Histogram('lua_rules_reload_lag_seconds', 'Time from a version going live in the store to this engine serving it.', [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60])),
    uptime: registry.add(new Gauge('lua_rules_uptime_seconds', 'Seconds since the service started.', uptime)),
    shortCircuits: registry.add(new Counter('lua_rules_circuit_short_circuits_total', 'Evaluations answered by an open circuit breaker without running the rule, by rule.')),
    circuitOpen: registry.add(new LabeledGauge('lua_rules_circuit_open', 'Rules whose circuit breaker is open now (1) or was opened before and is closed (0).', () => circuits().map((c) => ({ labels: { rule: c.name }, value: c.open ? 1 : 0 })))),
    circuitOpened: registry.add(new LabeledGauge('lua_rules_circuit_opened_total', 'Times the circuit breaker of each loaded rule version opened.', () => circuits().map((c) => ({ labels: { rule: c.name }, value: c.opened })))),
    cacheEntries: registry.add(new Gauge('lua_rules_cache_entries', 'Results in the result cache (all rules).', () => cache().entries)),
    cacheBytes: registry.add(new Gauge('lua_rules_cache_bytes', 'Estimated bytes of the result cache (all rules); bounded by --cache-max-bytes.', () => cache().bytes)),
    // Issue 13 (h13-shadow): shadow runs, read from the runner when /metrics is rendered (nothing on the request path).
    shadowEvaluations: registry.add(
      new LabeledCounterView(
        'lua_rules_shadow_evaluations_total',
        'Shadow evaluations since start by rule and outcome: agreed, disagreed, dropped (queue full), or paused (the shadow kept hitting its limits).',
        () =>
          [...(shadows()?.ruleStats() ?? new Map<string, { agreed: number; disagreed: number; dropped: number; paused: number }>())].flatMap(([rule, s]) => [
            { labels: { rule, outcome: 'agreed' }, value: s.agreed },
            { labels: { rule, outcome: 'disagreed' }, value: s.disagreed },
            { labels: { rule, outcome: 'dropped' }, value: s.dropped },
            { labels: { rule, outcome: 'paused' }, value: s.paused },
          ]),
      ),
    ),
    shadowQueued: registry.add(new Gauge('lua_rules_shadow_queued', 'Shadow evaluations waiting for the shadow thread.', () => shadows()?.queued ?? 0)),
  };
}
export type ServiceMetrics = ReturnType<typeof serviceMetrics>;
