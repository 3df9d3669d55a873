import { RuleEngine, type ChangeReport, type RuleEngineOptions } from '../../core/src/engine/rule-engine';
import { StoreDecisionLog, type DecisionLogOptions } from './decision-log';
import { HeartbeatWriter, newEngineId } from './heartbeat';
import type { StoreWatchOptions } from './sql-driver';
import { StoreRuleSource } from './store-rule-source';
import { ShadowRunner, type ShadowRunnerOptions } from './shadow-runner';
import type { Store } from './types';

export interface StoreEngineOptions {
  engineId?: string;
  /** The decision log: batching options, or false to keep no log. */
  decisionLog?: DecisionLogOptions | false;
  heartbeatIntervalMs?: number;
  watch?: StoreWatchOptions;
  limits?: RuleEngineOptions['limits'];
  cache?: RuleEngineOptions['cache'];
  breaker?: RuleEngineOptions['breaker'];
  /** Issue 13 (h13-shadow): shadow runs beside the live rules (default on), or false for none. */
  shadows?: Omit<ShadowRunnerOptions, 'engineId' | 'limits' | 'onError'> | false;
  /** Recovered problems: lost connections, refused versions, failed log writes. */
  onError?: (error: Error) => void;
}

/**
 * A rule engine fed by a store: it loads every live rule, hot-reloads versions as
 * they go live (a version that fails to compile is refused and the old one keeps
 * serving), writes the decision log in batches and a heartbeat with the version of
 * each rule it serves. What `lua-rules serve --store` runs.
 */
export class StoreEngine {
  readonly engineId: string;
  readonly engine: RuleEngine;
  readonly source: StoreRuleSource;
  readonly log: StoreDecisionLog | undefined;
  readonly heartbeat: HeartbeatWriter;
  /** Issue 13 (h13-shadow): evaluates running shadows beside the live rules; undefined when turned off. */
  readonly shadows: ShadowRunner | undefined;

  private constructor(
    readonly store: Store,
    private readonly options: StoreEngineOptions,
  ) {
    this.engineId = options.engineId ?? newEngineId();
    const onError = options.onError ?? (() => undefined);
    this.log = options.decisionLog === false ? undefined : new StoreDecisionLog(store, { engineId: this.engineId, onError, ...options.decisionLog });
    const results = this.log?.shadowResults;
    this.shadows =
      options.shadows === false
        ? undefined
        : new ShadowRunner(store, { engineId: this.engineId, onError, ...(options.limits !== undefined ? { limits: options.limits } : {}), ...(results !== undefined ? { results } : {}), ...options.shadows });
    const shadows = this.shadows;
    this.source = new StoreRuleSource(store, {
      onError,
      ...(options.watch !== undefined ? { watch: options.watch } : {}),
      ...(shadows !== undefined ? { onShadowChange: (rules: string[]) => void shadows.reload(rules) } : {}),
    });
    this.engine = new RuleEngine({
      source: this.source,
      ...(this.log !== undefined ? { sink: this.log } : {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
      ...(options.cache !== undefined ? { cache: options.cache } : {}),
      ...(options.breaker !== undefined ? { breaker: options.breaker } : {}),
    });
    this.heartbeat = new HeartbeatWriter(this.log?.heartbeats ?? store, {
      engineId: this.engineId,
      intervalMs: options.heartbeatIntervalMs ?? 5000,
      served: () => Object.fromEntries(this.engine.list().map((r) => [r.name, r.version])),
      onError,
    });
    this.engine.onChange((report) => this.changed(report));
  }

  static async start(store: Store, options: StoreEngineOptions = {}): Promise<{ engine: StoreEngine; report: ChangeReport }> {
    const engine = new StoreEngine(store, options);
    const report = await engine.engine.start();
    await engine.shadows?.reload();
    engine.heartbeat.start();
    return { engine, report };
  }

  private changed(report: ChangeReport): void {
    for (const r of report.refused) {
      this.options.onError?.(new Error(`version ${r.version} of rule "${r.name}" was refused (${r.error.code}: ${r.error.message}); the previous version keeps serving`));
    }
    // Tell operators at once which versions this engine now serves.
    if (report.applied.length + report.removed.length > 0) void this.heartbeat.beat();
  }

  /** Stops following the store, writes the rest of the decision log and a last heartbeat. */
  async stop(): Promise<void> {
    this.engine.stop();
    await this.source.stop();
    await this.shadows?.stop();
    // The last heartbeat first: it may go through the log's thread, which stop() ends.
    await this.heartbeat.stop();
    await this.log?.stop();
  }
}
