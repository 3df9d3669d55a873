import type { RuleChange, RuleSource, VersionedRule } from '../../core/src/engine/rule-source';
import type { StoreWatchOptions } from './sql-driver';
import type { ChangeWatcher, LiveRule, RuleStore } from './types';

export interface StoreRuleSourceOptions {
  /** Errors the source recovers from: a lost connection, a failed fetch, a throwing onChange. */
  onError?: (error: Error) => void;
  watch?: StoreWatchOptions;
  /** Issue 13 (h13-shadow): rules whose shadow started, was replaced or ended (`shadow`/`shadow-ended` events). */
  onShadowChange?: (rules: string[]) => void;
}

/**
 * The engine's view of a store: the live version of every active rule, then a change
 * for every version that goes live. `version` is the store's version number, so a
 * cache keyed by it never serves a replaced version's results.
 */
export class StoreRuleSource implements RuleSource {
  private revision = 0;
  /** Rule → version last handed to the engine, so a resync never repeats one. */
  private readonly served = new Map<string, number>();
  private readonly watchers = new Set<ChangeWatcher>();
  /** Issue 14: the rules disabled now, so a service can tell "disabled" from "no such rule". */
  private readonly disabled = new Set<string>();
  /** Rule → the version the feed last brought and when that change was committed (see changedAt). */
  private readonly arrived = new Map<string, { version: number; at: string }>();

  constructor(
    readonly store: RuleStore,
    private readonly options: StoreRuleSourceOptions = {},
  ) {}

  async load(): Promise<VersionedRule[]> {
    // The revision is read first: a change that lands between the two reads is then
    // fetched again by the watcher, never missed.
    const revision = await this.store.currentRevision();
    const rules = await this.store.liveRules();
    const disabled = await this.store.disabledRules();
    this.revision = revision;
    this.disabled.clear();
    for (const name of disabled) this.disabled.add(name);
    this.served.clear();
    for (const r of rules) this.served.set(r.definition.name, r.version);
    return rules.map((r) => ({ definition: r.definition, version: r.version, checksum: r.checksum }));
  }

  /** Issue 14: whether the rule is disabled in the store (as of the last change applied). */
  isDisabled(rule: string): boolean {
    return this.disabled.has(rule);
  }

  /**
   * When the change that brought this version of the rule was committed (its `changes`
   * row's time), or undefined when the version did not come through the feed (loaded at
   * start, /admin/reload). What a reload-lag metric measures from: it travels with the
   * change, so the engine asks the store nothing more per reload.
   */
  changedAt(rule: string, version: number): string | undefined {
    const arrived = this.arrived.get(rule);
    return arrived?.version === version ? arrived.at : undefined;
  }

  /** The change-feed revision this source has applied up to. */
  get appliedRevision(): number {
    let max = this.revision;
    for (const w of this.watchers) max = Math.max(max, w.revision);
    return max;
  }

  /** How many times the change feed reconnected (PostgreSQL), for tests and metrics. */
  get reconnects(): number {
    let n = 0;
    for (const w of this.watchers) n += w.reconnects;
    return n;
  }

  watch(onChange: (change: RuleChange) => void): () => void {
    const onError = this.options.onError ?? (() => undefined);
    const watcher = this.store.watch(
      this.revision,
      (changes) => {
        // Issue 13 (h13-shadow): shadow runs are the shadow runner's to load, beside the engine.
        const shadowed = [...new Set(changes.filter((c) => c.event === 'shadow' || c.event === 'shadow-ended').map((c) => c.rule))];
        if (shadowed.length > 0 && this.options.onShadowChange !== undefined) {
          try {
            this.options.onShadowChange(shadowed);
          } catch (e) {
            onError(e as Error);
          }
        }
        // The last live change of each rule carries its live version (fetched with the
        // changes, in one query); earlier ones in the batch are already replaced.
        const latest = new Map<string, { live: LiveRule | null; at: string }>();
        for (const c of changes) {
          // Issue 14: a disabled rule arrives without a live version (and leaves the
          // engine); an enabled one with its live version (and comes back).
          if (c.event === 'live' || c.event === 'disabled' || c.event === 'enabled') latest.set(c.rule, { live: c.live ?? null, at: c.at });
          if (c.event === 'disabled') this.disabled.add(c.rule);
          else if (c.event === 'enabled') this.disabled.delete(c.rule);
        }
        const upserted: VersionedRule[] = [];
        const removed: string[] = [];
        for (const [name, { live, at }] of latest) {
          if (live === null) {
            if (this.served.delete(name)) removed.push(name);
            continue;
          }
          if (this.served.get(name) === live.version) continue;
          this.served.set(name, live.version);
          this.arrived.set(name, { version: live.version, at });
          upserted.push({ definition: live.definition, version: live.version, checksum: live.checksum });
        }
        if (upserted.length === 0 && removed.length === 0) return;
        try {
          onChange({ upserted, removed });
        } catch (e) {
          // The engine refusing a change is its business; the feed moves on.
          onError(e as Error);
        }
      },
      { ...this.options.watch, includeLive: true, onError },
    );
    this.watchers.add(watcher);
    // Stopping is async; `stop()` below awaits it (a watcher's stop is idempotent).
    return () => void watcher.stop();
  }

  /** Stops every watcher and waits until none is mid-fetch. */
  async stop(): Promise<void> {
    const all = [...this.watchers];
    this.watchers.clear();
    await Promise.all(all.map((w) => w.stop()));
  }
}
