import type { DecisionWriterCounts } from '../../store/src';
import type { Registry } from './metrics';

type Counts = DecisionWriterCounts & { dropped: number; pending: number };

/** A figure kept elsewhere (the decision log counts in its own thread): read when /metrics is rendered. */
class ReadMetric {
  constructor(
    private readonly type: 'counter' | 'gauge',
    readonly name: string,
    private readonly help: string,
    private readonly read: () => { labels: string; value: number }[],
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.read().map((s) => `${this.name}${s.labels} ${s.value}`)].join('\n');
  }
}

/**
 * The decision log's figures on /metrics (issue 13; docs/serve.md lists them): records
 * written (by sink), dropped (never stored: the queue overflowed while the store was
 * down, or a sink failed) and pruned (deleted by the retention); contexts dropped by the
 * per-rule bound; records waiting to be written.
 */
export function registerDecisionLogMetrics(registry: Registry, counts: () => Counts): void {
  registry.add(
    new ReadMetric('counter', 'lua_rules_decision_log_records_total', 'Decision log records by outcome: written (per sink), dropped (never stored), pruned (deleted by the retention).', () => {
      const c = counts();
      return [
        { labels: '{outcome="written",sink="store"}', value: c.written },
        { labels: '{outcome="written",sink="jsonl"}', value: c.jsonlWritten },
        { labels: '{outcome="dropped",sink="store"}', value: c.dropped },
        { labels: '{outcome="dropped",sink="jsonl"}', value: c.jsonlDropped },
        { labels: '{outcome="pruned",sink="store"}', value: c.pruned },
      ];
    }),
  );
  registry.add(new ReadMetric('counter', 'lua_rules_decision_log_contexts_pruned_total', 'Captured contexts dropped by the per-rule bound (their decisions stay).', () => [{ labels: '', value: counts().contextsPruned }]));
  registry.add(
    new ReadMetric('counter', 'lua_rules_decision_log_contexts_too_large_total', 'Decisions logged without their context: its JSON was over 64 KiB (MAX_STORED_CONTEXT_CHARS).', () => [{ labels: '', value: counts().contextsTooLarge }]),
  );
  registry.add(
    new ReadMetric('counter', 'lua_rules_decision_log_contexts_shed_total', 'Decisions logged without their context because the log was behind (more than a quarter of its buffer waiting).', () => [{ labels: '', value: counts().contextsShed }]),
  );
  registry.add(
    new ReadMetric('gauge', 'lua_rules_decision_log_pending', 'Decision log records queued, not yet written.', () => [{ labels: '', value: counts().pending }]),
  );
}
