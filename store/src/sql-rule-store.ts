import type { RuleDefinition } from '../../core/src/model/rule';
import { contextText, queryDecisions } from './captured-decisions';
import { CHANGE_PAGE_SIZE } from './change-pump';
import { pruneDecisions, type DecisionRetention, type PruneReport } from './decision-retention';
import { eachPackedRecord, type PackedBatch } from './decision-batch';
import { buildSegments, insertSegment, SegmentBuilder, type RuleStats, type SegmentWrite } from './decision-segments';
import { InvalidRuleError, GateRefusedError, StoreError, UnknownRuleError, UnknownVersionError } from './errors';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
import { fromStored, toStorable, type StorableRule } from './rule-content';
import { iso, isoOrNull, now, num, shownEvidence, toChange, toStoredRule, toVersionRecord } from './row-mapping';
import type { ChangeFetch, Row, SqlDriver, SqlQueryer, StoreWatchOptions } from './sql-driver';
import type {
  ApprovalOutcome,
  ApprovalRecord,
  ChangeHandler,
  ChangeRecord,
  ChangeWatcher,
  DecisionQuery,
  DecisionRecord,
  EngineHeartbeatRecord,
  ExecutionLogRecord,
  GateVerdict,
  LifecycleOutcome,
  LifecycleRecord,
  LiveRule,
  MigrationReport,
  PublishOptions,
  PublishOutcome,
  RuleVersionRecord,
  Store,
  // Issue 13 (h13-shadow): shadow runs
  LiveShadow,
  PublishGate,
  ShadowDisagreement,
  ShadowRecord,
  ShadowResultBatch,
  ShadowStartOptions,
  ShadowStartOutcome,
  StoreBackend,
  StoredRule,
  StoredContextSchema,
  VersionEvidence,
} from './types';
import { writeApproval, writeVersion, type WriteRequest } from './version-writer';
import { readDisagreements, readRunningShadows, readShadows, runningShadow, shadowStorable, ShadowError, writePromotedShadow, writeShadow, writeShadowResults, writeStopShadow } from './shadow-runs';
// Issue 14 (h14-roles): identity and roles.
import { RefusedByDatabaseError } from './errors';
import { DATABASE_USER_SQL, installRoles, RolesSetupError, type RolesReport } from './roles';
import { readLifecycle, writeSwitch } from './rule-lifecycle';

/**
 * The one implementation of the store's three seams (RuleStore, DecisionLog,
 * Heartbeats) over any SQL driver: a backend is a driver (sql-driver.ts), not a new
 * store. Migrations run on first use (once per store object); `migrate()` runs them
 * explicitly.
 */
export class SqlRuleStore implements Store {
  readonly backend: StoreBackend;
  private migrated: Promise<MigrationReport> | undefined;

  constructor(
    private readonly driver: SqlDriver,
    readonly display: string,
    private readonly watchDefaults: StoreWatchOptions = {},
    /** Reading only: the schema is checked, never migrated (reading must not need write access). */
    private readonly readOnly = false,
  ) {
    this.backend = driver.dialect;
  }

  migrate(): Promise<MigrationReport> {
    this.migrated ??= this.runMigrations().catch((e: unknown) => {
      this.migrated = undefined; // let a later call try again (e.g. the database came back)
      throw e;
    });
    return this.migrated;
  }

  private async runMigrations(): Promise<MigrationReport> {
    // A current store needs no DDL: look first, outside the write lock. A user without
    // the right to change the schema (the roles of issue 14) can then use it.
    const current = await this.appliedMigrations().catch((e: unknown) => {
      // Not allowed to read the schema version: no use trying to change the schema.
      if (e instanceof RefusedByDatabaseError) throw e;
      return undefined;
    });
    if (current !== undefined && Math.max(0, ...current) <= LATEST_SCHEMA_VERSION && MIGRATIONS.every((m) => current.has(m.version))) return { applied: [], current: Math.max(0, ...current) };
    try {
      return await this.applyMigrations();
    } catch (e) {
      if (!(e instanceof RefusedByDatabaseError)) throw e;
      const have = current === undefined || current.size === 0 ? 'has no schema yet' : `has schema version ${Math.max(...current)}`;
      throw new RefusedByDatabaseError(`the store ${this.display} ${have} and this lua-rules needs ${LATEST_SCHEMA_VERSION}, but the database refused to change the schema (${e.message}); run 'lua-rules migrate' as the store's owner`);
    }
  }

  private async appliedMigrations(): Promise<Set<number>> {
    return new Set((await this.driver.all('SELECT version FROM schema_migrations')).map((r) => num(r.version)));
  }

  private async applyMigrations(): Promise<MigrationReport> {
    return this.driver.transaction('write', async (tx) => {
      await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const done = new Set((await tx.all('SELECT version FROM schema_migrations')).map((r) => num(r.version)));
      const newest = Math.max(0, ...done);
      if (newest > LATEST_SCHEMA_VERSION) {
        throw new StoreError(`the store ${this.display} has schema version ${newest}, newer than this lua-rules understands (${LATEST_SCHEMA_VERSION}); upgrade lua-rules`);
      }
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const statement of m[this.driver.dialect]) await tx.exec(statement);
        await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now()]);
        applied.push(m.version);
      }
      return { applied, current: Math.max(newest, ...applied) };
    });
  }

  private async ready(): Promise<void> {
    if (this.readOnly) await (this.schemaChecked ??= this.checkSchema());
    else await this.migrate();
  }

  private schemaChecked: Promise<void> | undefined;

  /** For a read-only store: the schema must be there and current, since it cannot be migrated. */
  private async checkSchema(): Promise<void> {
    let newest: number;
    try {
      newest = Math.max(0, ...(await this.driver.all('SELECT version FROM schema_migrations')).map((r) => num(r.version)));
    } catch (e) {
      if (/no such table|does not exist/.test((e as Error).message)) throw new StoreError(`${this.display} is not a Lua Rules store (it has no schema); publish to it or run 'lua-rules migrate' first`);
      throw e;
    }
    if (newest > LATEST_SCHEMA_VERSION) throw new StoreError(`the store ${this.display} has schema version ${newest}, newer than this lua-rules understands (${LATEST_SCHEMA_VERSION}); upgrade lua-rules`);
    if (newest < LATEST_SCHEMA_VERSION) throw new StoreError(`the store ${this.display} has schema version ${newest}; run 'lua-rules migrate --store …' to bring it to ${LATEST_SCHEMA_VERSION}`);
  }

  // Issue 14 (h14-roles): identity and roles.
  private user: Promise<string | null> | undefined;

  databaseUser(): Promise<string | null> {
    const sql = DATABASE_USER_SQL[this.driver.dialect];
    if (sql === null) return Promise.resolve(null);
    // Every pooled connection logs in with the URL's user, so one answer holds for all.
    this.user ??= this.driver.all(sql).then(
      (rows) => String(rows[0]?.name),
      (e: unknown) => {
        this.user = undefined;
        throw e;
      },
    );
    return this.user;
  }

  async installRoles(): Promise<RolesReport> {
    if (this.driver.dialect !== 'postgres') throw new RolesSetupError(`${this.display} is a SQLite store: it has no database users or roles (the file's permissions decide who may write); --roles is for PostgreSQL`);
    await this.migrate();
    return this.driver.transaction('write', (tx) => installRoles(tx));
  }

  async publish(definition: RuleDefinition, options: PublishOptions): Promise<PublishOutcome> {
    const author = requireName(options.author, 'an author');
    const storable = toStorable(definition);
    await this.ready();
    // Cheap look before the (possibly slow) gate: unchanged content or a stale base
    // need no checks. The transaction checks again under the write lock.
    if (options.gate !== undefined) {
      const head = await this.headOf(storable.name);
      if (head !== undefined && head.checksum === storable.checksum) return this.outcome(storable.name, head.number, false);
    }
    let inputs = versionInputs(undefined, options);
    if (options.gate !== undefined) {
      const verdict = await options.gate(definition);
      if (!verdict.ok) {
        throw new GateRefusedError(`rule "${storable.name}" was not published: ${verdict.summary ?? 'its checks or fixtures failed'}`, verdict);
      }
      inputs = versionInputs(verdict, options);
    }
    const { evidence, fixtures } = inputs;
    if (options.promotedFrom !== undefined) evidence.promotedFrom = options.promotedFrom;
    if (options.impact !== undefined) evidence.impact = options.impact; // issue 13 (h13-impact)
    return this.write(storable, { author, message: options.message ?? null, baseVersion: options.baseVersion, evidence, rollbackOf: null, fixtures });
  }

  private async write(storable: StorableRule, req: WriteRequest): Promise<PublishOutcome> {
    const result = await this.driver.transaction('write', (tx) => writeVersion(tx, storable, req));
    if (!result.created) return this.outcome(storable.name, result.number, false);
    // Everything about a new version is known here: no read back.
    const version: RuleVersionRecord = {
      rule: storable.name,
      number: result.number,
      kind: storable.kind,
      content: storable.content,
      checksum: storable.checksum,
      author: req.author,
      message: req.message,
      createdAt: result.at,
      state: result.state,
      requiredApprovals: result.required,
      approvals: [],
      evidence: req.evidence === null ? null : shownEvidence(req.evidence).evidence,
      rollbackOf: req.rollbackOf,
      wentLiveAt: result.state === 'live' ? result.at : null,
      fixtures: req.fixtures ?? null,
      settings: storable.metadata,
      contextSchema: req.evidence?.contextSchema ?? null,
    };
    return { rule: storable.name, version, created: true, approvalsMissing: result.state === 'pending' ? result.required : 0 };
  }

  private async outcome(rule: string, number: number, created: boolean): Promise<PublishOutcome> {
    const version = await this.version(rule, number);
    const missing = version.state === 'pending' ? Math.max(0, version.requiredApprovals - version.approvals.length) : 0;
    return { rule, version, created, approvalsMissing: missing };
  }

  async approve(rule: string, version: number, approver: string): Promise<ApprovalOutcome> {
    const who = requireName(approver, 'an approver');
    await this.ready();
    const result = await this.driver.transaction('write', (tx) => writeApproval(tx, rule, version, who));
    return { version: await this.version(rule, version), wentLive: result.wentLive, approvalsMissing: Math.max(0, result.required - result.approvals) };
  }

  async rollback(rule: string, toVersion: number, options: { author: string; message?: string }): Promise<PublishOutcome> {
    const author = requireName(options.author, 'an author');
    await this.ready();
    const target = await this.version(rule, toVersion);
    const raw = (await this.driver.all('SELECT v.metadata FROM rule_versions v JOIN rules r ON r.id = v.rule_id WHERE r.name = ? AND v.number = ?', [rule, toVersion]))[0];
    const metadata = JSON.parse(String(raw?.metadata)) as StorableRule['metadata'];
    const storable: StorableRule = { name: rule, kind: target.kind, content: target.content, checksum: target.checksum, metadata };
    // The old version's evidence still holds for the same content.
    const evidence: VersionEvidence = { ...(target.evidence ?? { gate: 'none', findings: [], fixtures: [], checkedAt: now() }), rollbackOf: toVersion };
    // ... and so does the context schema it was checked against (version-carries.ts: a rollback repeats all of it).
    if (target.contextSchema) evidence.contextSchema = target.contextSchema;
    // The fixtures come back with the content they were written for.
    return this.write(storable, { author, message: options.message ?? `rollback to version ${toVersion}`, baseVersion: undefined, evidence, rollbackOf: toVersion, fixtures: target.fixtures ?? null });
  }

  private async headOf(rule: string): Promise<{ number: number; checksum: string } | undefined> {
    const row = (await this.driver.all('SELECT v.number, v.checksum FROM rules r JOIN rule_versions v ON v.rule_id = r.id AND v.number = r.head_version WHERE r.name = ?', [rule]))[0];
    return row === undefined ? undefined : { number: num(row.number), checksum: String(row.checksum) };
  }

  async version(rule: string, number: number): Promise<RuleVersionRecord> {
    await this.ready();
    return this.driver.transaction('read', async (tx) => {
      const ruleRow = (await tx.all('SELECT id, head_version FROM rules WHERE name = ?', [rule]))[0];
      if (ruleRow === undefined) throw new UnknownRuleError(rule);
      const row = (await tx.all('SELECT * FROM rule_versions WHERE rule_id = ? AND number = ?', [num(ruleRow.id), number]))[0];
      if (row === undefined) throw new UnknownVersionError(rule, number, num(ruleRow.head_version));
      const approvals = (await tx.all('SELECT approver, at FROM approvals WHERE rule_id = ? AND version = ? ORDER BY at, approver', [num(ruleRow.id), number])).map(toApproval);
      return toVersionRecord(rule, row, approvals);
    });
  }

  async getRule(rule: string): Promise<StoredRule | undefined> {
    await this.ready();
    const row = (await this.driver.all('SELECT * FROM rules WHERE name = ?', [rule]))[0];
    return row === undefined ? undefined : toStoredRule(row);
  }

  async listRules(): Promise<StoredRule[]> {
    await this.ready();
    return (await this.driver.all('SELECT * FROM rules ORDER BY name')).map(toStoredRule);
  }

  async history(rule: string): Promise<RuleVersionRecord[]> {
    await this.ready();
    return this.driver.transaction('read', async (tx) => {
      const ruleRow = (await tx.all('SELECT id FROM rules WHERE name = ?', [rule]))[0];
      if (ruleRow === undefined) throw new UnknownRuleError(rule);
      const id = num(ruleRow.id);
      const approvals = new Map<number, ApprovalRecord[]>();
      for (const a of await tx.all('SELECT version, approver, at FROM approvals WHERE rule_id = ? ORDER BY at, approver', [id])) {
        const list = approvals.get(num(a.version)) ?? [];
        list.push(toApproval(a));
        approvals.set(num(a.version), list);
      }
      const rows = await tx.all('SELECT * FROM rule_versions WHERE rule_id = ? ORDER BY number DESC', [id]);
      return rows.map((r) => toVersionRecord(rule, r, approvals.get(num(r.number)) ?? []));
    });
  }

  async liveRules(names?: string[]): Promise<LiveRule[]> {
    await this.ready();
    const base = `SELECT r.name, v.number, v.kind, v.content, v.checksum, v.metadata FROM rules r
      JOIN rule_versions v ON v.rule_id = r.id AND v.number = r.live_version WHERE r.status = 'active' AND r.disabled_at IS NULL`;
    const rows: Row[] = [];
    if (names === undefined) rows.push(...(await this.driver.all(`${base} ORDER BY r.name`)));
    else {
      for (let i = 0; i < names.length; i += 500) {
        const chunk = names.slice(i, i + 500);
        if (chunk.length === 0) continue;
        rows.push(...(await this.driver.all(`${base} AND r.name IN (${chunk.map(() => '?').join(', ')})`, chunk)));
      }
    }
    return rows.map((r) => ({
      definition: fromStored(String(r.kind) as 'lua' | 'pattern', String(r.content), String(r.metadata), num(r.number)),
      version: num(r.number),
      checksum: String(r.checksum),
    }));
  }

  async currentRevision(): Promise<number> {
    await this.ready();
    const row = (await this.driver.all('SELECT COALESCE(MAX(revision), 0) AS revision FROM changes'))[0];
    return num(row?.revision ?? 0);
  }

  async changesSince(revision: number, limit = 1000, options: { includeLive?: boolean } = {}): Promise<ChangeRecord[]> {
    await this.ready();
    return this.readChanges(this.driver, revision, limit, options.includeLive === true);
  }

  private async readChanges(q: SqlQueryer, revision: number, limit: number, includeLive: boolean): Promise<ChangeRecord[]> {
    if (!includeLive) {
      const rows = await q.all('SELECT revision, rule_name, version, event, at FROM changes WHERE revision > ? ORDER BY revision LIMIT ?', [revision, limit]);
      return rows.map(toChange);
    }
    // One statement, so one snapshot: the changes and the live versions they led to.
    const rows = await q.all(
      `SELECT c.revision, c.rule_name, c.version, c.event, c.at,
              v.number AS live_number, v.kind AS live_kind, v.content AS live_content, v.checksum AS live_checksum, v.metadata AS live_metadata
       FROM changes c
       LEFT JOIN rules r ON c.event IN ('live', 'disabled', 'enabled') AND r.name = c.rule_name AND r.status = 'active' AND r.disabled_at IS NULL
       LEFT JOIN rule_versions v ON v.rule_id = r.id AND v.number = r.live_version
       WHERE c.revision > ? ORDER BY c.revision LIMIT ?`,
      [revision, limit],
    );
    return rows.map((r) => {
      const change = toChange(r);
      // Issue 14: a disable or enable carries the rule's live version like a publish does
      // (none while disabled), so engines drop or reload it the same way.
      if (change.event !== 'live' && change.event !== 'disabled' && change.event !== 'enabled') return change;
      if (r.live_number === null || r.live_number === undefined) return { ...change, live: null };
      const number = num(r.live_number);
      return {
        ...change,
        live: { definition: fromStored(String(r.live_kind) as 'lua' | 'pattern', String(r.live_content), String(r.live_metadata), number), version: number, checksum: String(r.live_checksum) },
      };
    });
  }

  watch(fromRevision: number, handler: ChangeHandler, options: StoreWatchOptions = {}): ChangeWatcher {
    const opts = { ...this.watchDefaults, ...options };
    const includeLive = opts.includeLive === true;
    // The watcher may bring its own connection (PostgreSQL: the listening one).
    const fetch: ChangeFetch = async (after, via) => {
      await this.ready();
      return this.readChanges(via ?? this.driver, after, CHANGE_PAGE_SIZE, includeLive);
    };
    return this.driver.watchChanges(fetch, fromRevision, handler, opts);
  }

  async recordExecutions(records: ExecutionLogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ready();
    // The rules of one category evaluation share one context object: serialized once.
    const texts = new Map<unknown, string | null>();
    const textOf = (context: unknown): string | null => {
      if (context === undefined || context === null || typeof context !== 'object') return contextText(context);
      let text = texts.get(context);
      if (text === undefined) texts.set(context, (text = contextText(context)));
      return text;
    };
    // Everything that can be computed is, before the transaction: on SQLite its time is
    // time the file's write lock is held, and publishes from other processes wait for it.
    const { segments, stats } = buildSegments(records, textOf, now());
    await this.writeSegments(segments, stats);
  }

  /** The decision log's thread's path: its packed batches straight into segments, no record objects on the way (decision-batch.ts). */
  async recordPackedBatches(batches: readonly PackedBatch[], engineId: string | null): Promise<void> {
    if (batches.length === 0) return;
    await this.ready();
    const builder = new SegmentBuilder();
    for (const batch of batches) eachPackedRecord(batch, engineId, builder.add);
    await this.writeSegments(builder.finish(), builder.stats);
  }

  private async writeSegments(segments: readonly SegmentWrite[], stats: ReadonlyMap<string, RuleStats>): Promise<void> {
    if (segments.length === 0) return;
    await this.driver.transaction('log', async (tx) => {
      for (const segment of segments) await insertSegment(tx, segment);
      // Sorted so two engines updating the same rules lock rows in the same order.
      for (const [rule, s] of [...stats].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const last = new Date(s.lastMs).toISOString();
        await tx.run(
          `UPDATE rules SET execution_count = execution_count + ?, error_count = error_count + ?, confidence_sum = confidence_sum + ?,
             last_executed_at = CASE WHEN last_executed_at IS NULL OR last_executed_at < ? THEN ? ELSE last_executed_at END WHERE name = ?`,
          [s.count, s.errors, s.confidence, last, last, rule],
        );
      }
    });
  }

  async decisions(query: DecisionQuery): Promise<DecisionRecord[]> {
    await this.ready();
    // One snapshot for the whole walk: the prune merges and rewrites segments, and pages
    // read across such a change would return a decision twice or not at all.
    return this.driver.transaction('read', (tx) => queryDecisions(tx, query));
  }

  async pruneDecisions(retention: DecisionRetention, now?: number): Promise<PruneReport> {
    await this.ready();
    return pruneDecisions(this.driver, retention, now);
  }

  async heartbeat(record: EngineHeartbeatRecord): Promise<void> {
    await this.ready();
    await this.driver.transaction('log', (tx) =>
      tx.run(
        `INSERT INTO engines (engine_id, host, pid, started_at, last_seen, status, rules) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (engine_id) DO UPDATE SET host = excluded.host, pid = excluded.pid, started_at = excluded.started_at,
           last_seen = excluded.last_seen, status = excluded.status, rules = excluded.rules`,
        [record.engineId, record.host, record.pid, record.startedAt, record.lastSeen, record.status, JSON.stringify(record.rules)],
      ),
    );
  }

  async engines(): Promise<EngineHeartbeatRecord[]> {
    await this.ready();
    return (await this.driver.all('SELECT * FROM engines ORDER BY engine_id')).map((r) => ({
      engineId: String(r.engine_id),
      host: String(r.host),
      pid: num(r.pid),
      startedAt: iso(r.started_at),
      lastSeen: isoOrNull(r.last_seen) ?? '',
      status: String(r.status) as EngineHeartbeatRecord['status'],
      rules: JSON.parse(String(r.rules)) as Record<string, number>,
    }));
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  // --- Issue 13 (h13-shadow): shadow runs (shadow-runs.ts) ---

  async startShadow(definition: RuleDefinition, options: ShadowStartOptions): Promise<ShadowStartOutcome> {
    const author = requireName(options.author, 'an author');
    const storable = toStorable(definition);
    await this.ready();
    // No approvals: a shadow serves no answers. Its gate is publish's: a shadow that
    // fails its checks or fixtures would only measure a broken rule.
    let evidence: VersionEvidence = { gate: 'none', findings: [], fixtures: [], checkedAt: now() };
    if (options.gate !== undefined) {
      const verdict = await options.gate(definition);
      if (!verdict.ok) throw new GateRefusedError(`rule "${storable.name}" was not shadowed: ${verdict.summary ?? 'its checks or fixtures failed'}`, verdict);
      evidence = { gate: 'passed', findings: verdict.findings, fixtures: verdict.fixtures, checkedAt: now() };
    }
    const write = { author, message: options.message ?? null, fileName: options.fileName, fixtures: options.fixtures ?? null, contextSchema: options.contextSchema ?? null, evidence };
    const out = await this.driver.transaction('write', (tx) => writeShadow(tx, storable, write));
    return { shadow: out.record, created: out.created, replaced: out.replaced };
  }

  async stopShadow(rule: string, by: string): Promise<ShadowRecord> {
    const who = requireName(by, 'who stops it');
    await this.ready();
    return this.driver.transaction('write', (tx) => writeStopShadow(tx, rule, who));
  }

  async promoteShadow(rule: string, options: { author: string; message?: string; gate?: PublishGate }): Promise<PublishOutcome & { shadow: ShadowRecord }> {
    const author = requireName(options.author, 'an author');
    await this.ready();
    const running = await this.driver.transaction('read', (tx) => runningShadow(tx, rule));
    if (running === undefined) throw new ShadowError(`rule "${rule}" has no shadow running to promote`);
    const storable = shadowStorable(rule, running);
    // The shadow's own fixtures and schema go with the version unless a gate re-read them (version-carries.ts).
    let inputs = versionInputs(undefined, { fixtures: running.fixtures, contextSchema: running.contextSchema });
    if (options.gate !== undefined) {
      const verdict = await options.gate(fromStored(storable.kind, storable.content, running.metadata, running.number));
      if (!verdict.ok) throw new GateRefusedError(`shadow ${running.number} of "${rule}" was not promoted: ${verdict.summary ?? 'its checks or fixtures failed'}`, verdict);
      inputs = versionInputs(verdict, { fixtures: running.fixtures, contextSchema: running.contextSchema });
    }
    const { evidence, fixtures } = inputs;
    evidence.shadow = { number: running.number, startedAt: running.startedAt, compared: running.compared, agreed: running.agreed, against: running.liveVersion };
    const req: WriteRequest = { author, message: options.message ?? `promoted from shadow ${running.number}`, baseVersion: undefined, evidence, rollbackOf: null, fixtures };
    const { result, shadow } = await this.driver.transaction('write', async (tx) => {
      const written = await writeVersion(tx, storable, req);
      return { result: written, shadow: await writePromotedShadow(tx, rule, running.number, author, written.number) };
    });
    if (!result.created) return { ...(await this.outcome(rule, result.number, false)), shadow };
    const version: RuleVersionRecord = {
      rule,
      number: result.number,
      kind: storable.kind,
      content: storable.content,
      checksum: storable.checksum,
      author,
      message: req.message,
      createdAt: result.at,
      state: result.state,
      requiredApprovals: result.required,
      approvals: [],
      evidence: shownEvidence(evidence).evidence,
      rollbackOf: null,
      wentLiveAt: result.state === 'live' ? result.at : null,
      fixtures,
      settings: storable.metadata,
      contextSchema: evidence.contextSchema ?? null,
    };
    return { rule, version, created: true, approvalsMissing: result.state === 'pending' ? result.required : 0, shadow };
  }

  async shadows(rule: string): Promise<ShadowRecord[]> {
    await this.ready();
    return this.driver.transaction('read', (tx) => readShadows(tx, rule));
  }

  async runningShadows(names?: string[]): Promise<LiveShadow[]> {
    await this.ready();
    return readRunningShadows(this.driver, names);
  }

  async recordShadowResults(batch: ShadowResultBatch): Promise<void> {
    if (batch.counts.length === 0 && batch.disagreements.length === 0) return;
    await this.ready();
    await this.driver.transaction('log', (tx) => writeShadowResults(tx, batch));
  }

  async shadowDisagreements(rule: string, shadow: number, limit = 20): Promise<ShadowDisagreement[]> {
    await this.ready();
    return this.driver.transaction('read', (tx) => readDisagreements(tx, rule, shadow, limit));
  }

  // --- end of issue 13 (h13-shadow) ---
  // Issue 14 (h14-life): a rule's lifecycle (rule-lifecycle.ts).
  async disable(rule: string, options: { author: string; message: string }): Promise<LifecycleOutcome> {
    const author = requireName(options.author, 'an author');
    const message = options.message.trim();
    if (message === '') throw new InvalidRuleError('disabling a rule needs a message saying why');
    await this.ready();
    return this.driver.transaction('write', (tx) => writeSwitch(tx, rule, 'disabled', author, message));
  }

  async enable(rule: string, options: { author: string; message?: string }): Promise<LifecycleOutcome> {
    const author = requireName(options.author, 'an author');
    const message = options.message?.trim() || null;
    await this.ready();
    return this.driver.transaction('write', (tx) => writeSwitch(tx, rule, 'enabled', author, message));
  }

  async lifecycle(rule: string): Promise<LifecycleRecord[]> {
    await this.ready();
    return this.driver.transaction('read', (tx) => readLifecycle(tx, rule));
  }

  async disabledRules(): Promise<string[]> {
    await this.ready();
    return (await this.driver.all('SELECT name FROM rules WHERE disabled_at IS NOT NULL ORDER BY name')).map((r) => String(r.name));
  }
}

function toApproval(r: Row): ApprovalRecord {
  return { approver: String(r.approver), at: iso(r.at) };
}

function requireName(value: string | undefined, what: string): string {
  const v = (value ?? '').trim();
  if (v === '') throw new InvalidRuleError(`${what} is needed (a non-empty name)`);
  return v;
}

/**
 * What a version stores beside its content, from the gate's verdict when one ran (the
 * fixtures and context schema it read are the ones stored: what passed is what is
 * kept), else from what the caller passed.
 */
function versionInputs(verdict: GateVerdict | undefined, given: { fixtures?: string | null; contextSchema?: StoredContextSchema | null }): { evidence: VersionEvidence; fixtures: string | null } {
  const evidence: VersionEvidence = verdict === undefined ? { gate: 'none', findings: [], fixtures: [], checkedAt: now() } : { gate: 'passed', findings: verdict.findings, fixtures: verdict.fixtures, checkedAt: now() };
  const schema = verdict?.contextSchema !== undefined ? verdict.contextSchema : (given.contextSchema ?? null);
  if (schema !== null) evidence.contextSchema = schema;
  return { evidence, fixtures: verdict?.fixtureFile !== undefined ? verdict.fixtureFile : (given.fixtures ?? null) };
}
