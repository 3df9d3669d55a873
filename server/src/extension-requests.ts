import type { Connection } from 'vscode-languageserver/node';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { describeConfidence } from '../../core/src/fixtures/check-expectation';
import type { Fixture, FixtureExpectation } from '../../core/src/fixtures/fixture-file';
import { parseFixtureFile } from '../../core/src/fixtures/fixture-file';
import { evaluateDefinition, runFixtures } from '../../core/src/fixtures/run-fixtures';
import { coverageFor } from '../../core/src/coverage/line-coverage';
import { explainRun, formatExplain } from '../../core/src/explain/explain-run';
import type { RuleDefinition } from '../../core/src/model/rule';
import { NotConvertible } from '../../core/src/patterns/regex-to-lua-pattern';
import { patternRuleToLua } from '../../core/src/patterns/pattern-to-lua';
import { parsePatternRule } from '../../core/src/patterns/pattern-rule-file';
import { defaultRuleName, fixturesPathFor, ruleFileKind, rulePathsFor } from '../../core/src/rules-folder/file-names';
import { luaRuleFromSource } from '../../core/src/rules-folder/rule-file';
import type { RuleResult } from '../../core/src/model/result';
import { authorOfWrite, ConflictError, GateRefusedError, ImpactInputError, impactOf, InvalidRuleError, toStorable, UnknownRuleError, UnknownVersionError } from '../../store/src';
import { impactSummaryFrom } from '../../core/src/impact/impact-report';
import { impactHeadline, impactSummaryLines } from '../../core/src/impact/format-impact';
import { ReplayCancelledError, ReplayError } from '../../core/src/impact/replay';
import type {
  ApproveParams,
  ConvertRuleParams,
  ConvertRuleResult,
  FixtureSummary,
  HistoryParams,
  HistoryResult,
  ImpactParams,
  ImpactResult,
  ListFixturesParams,
  ListFixturesResult,
  PublishCheckParams,
  PublishCheckResult,
  PublishParams,
  PublishResult,
  ResultSummary,
  RollbackParams,
  RuleSwitchParams,
  RuleSwitchResult,
  RunOutcome,
  RunRuleParams,
  RunRuleResult,
  StoreOverviewResult,
  StoreStatus,
  VersionChangeResult,
  VersionContentParams,
  VersionContentResult,
} from '../../protocol/src/custom-messages';
import {
  ApproveRequest,
  ConvertRuleRequest,
  HistoryRequest,
  ImpactRequest,
  ListFixturesRequest,
  PublishCheckRequest,
  PublishRequest,
  RollbackRequest,
  RuleSwitchRequest,
  RunRuleRequest,
  StoreChangedNotification,
  StoreOverviewRequest,
  StoreStatusNotification,
  StoreStatusRequest,
  VersionContentRequest,
} from '../../protocol/src/custom-messages';
import { publishGate } from './publish-gate';
import type { RuleDocuments } from './rule-documents';
import { pathToUri, uriToPath } from './rule-documents';
import { StoreConnection } from './store-connection';

function summary(result: RuleResult): ResultSummary {
  return { decision: result.decision, confidence: result.confidence, reasoning: result.reasoning, error: result.error ? { code: result.error.code, message: result.error.message } : null, line: result.line };
}

function expectedFields(expect: FixtureExpectation): Record<string, string> {
  const out: Record<string, string> = {};
  if (expect.decision !== undefined) out['decision'] = expect.decision;
  if (expect.confidence !== undefined) out['confidence'] = describeConfidence(expect.confidence);
  if (expect.reasoning !== undefined) out['reasoning'] = typeof expect.reasoning === 'string' ? `contains "${expect.reasoning}"` : `matches /${expect.reasoning.pattern}/`;
  if (expect.error !== undefined) out['error'] = expect.error;
  return out;
}

/** The rule file of a rule or fixtures URI: `x.fixtures.json` → `x.lua` or `x.rule.json`, whichever exists. */
function ruleUriFor(documents: RuleDocuments, uri: string): string {
  const [lua, pattern] = rulePathsFor(uri);
  if (lua === undefined || pattern === undefined) return uri;
  return documents.text(pattern) !== undefined && documents.text(lua) === undefined ? pattern : lua;
}

type Loaded = { ok: true; definition: RuleDefinition; path: string; text: string } | { ok: false; message: string };

/** The rule as the editor has it (unsaved edits included), else as on disk. */
function loadRule(documents: RuleDocuments, uri: string): Loaded {
  const path = uriToPath(uri);
  if (!path) return { ok: false, message: `not a file: ${uri}` };
  const text = documents.text(uri);
  if (text === undefined) return { ok: false, message: `${path}: file not found` };
  const kind = ruleFileKind(path);
  if (kind === 'lua') {
    const loaded = luaRuleFromSource(text, path, defaultRuleName(path));
    return loaded.ok ? { ok: true, definition: loaded.definition, path, text } : { ok: false, message: `${path}: ${loaded.errors.join('; ')}` };
  }
  if (kind === 'pattern') {
    const parsed = parsePatternRule(text, path, defaultRuleName(path));
    return parsed.ok ? { ok: true, definition: parsed.definition, path, text } : { ok: false, message: `${path}: ${parsed.errors.join('; ')}` };
  }
  return { ok: false, message: `${path} is not a rule file (*.lua or *.rule.json)` };
}

/** 0-based line of each fixture's `"name": "<name>"` in the fixtures file, for test item ranges. */
function fixtureLines(text: string, fixtures: readonly Fixture[]): Map<string, number> {
  const lines = text.split('\n');
  const out = new Map<string, number>();
  for (const fixture of fixtures) {
    const needle = `"name"`;
    const quoted = JSON.stringify(fixture.name);
    const index = lines.findIndex((line) => line.includes(needle) && line.includes(quoted));
    out.set(fixture.name, Math.max(0, index));
  }
  return out;
}

function loadFixtures(documents: RuleDocuments, ruleUri: string): { fixturesUri: string; fixtures: Fixture[]; problems: string[]; text: string } {
  const path = uriToPath(ruleUri);
  const fixturesUri = path ? pathToUri(fixturesPathFor(path)) : ruleUri;
  const text = documents.text(fixturesUri);
  if (text === undefined) return { fixturesUri, fixtures: [], problems: [], text: '' };
  const parsed = parseFixtureFile(text);
  return parsed.ok ? { fixturesUri, fixtures: parsed.fixtures, problems: [], text } : { fixturesUri, fixtures: [], problems: parsed.errors, text };
}

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Registers the requests of protocol/src/custom-messages.ts on the connection. Every handler
 * answers `{ok: false, message}` instead of throwing, so the client always has a
 * one-line reason to show.
 */
export function registerExtensionRequests(connection: Connection, documents: RuleDocuments, env: NodeJS.ProcessEnv = process.env): { dispose(): Promise<void> } {
  const executor = new LuaExecutor();
  const limits = (): { instructions: number } => ({ instructions: documents.settings.instructionBudget });
  const store = new StoreConnection(
    env,
    () => void connection.sendNotification(StoreChangedNotification),
    (status: StoreStatus) => void connection.sendNotification(StoreStatusNotification, status),
  );

  connection.onRequest(ListFixturesRequest, (params: ListFixturesParams): ListFixturesResult => {
    const ruleUri = ruleUriFor(documents, params.uri);
    const path = uriToPath(ruleUri) ?? ruleUri;
    const loaded = loadRule(documents, ruleUri);
    const { fixturesUri, fixtures, problems, text } = loadFixtures(documents, ruleUri);
    const lines = fixtureLines(text, fixtures);
    const list: FixtureSummary[] = fixtures.map((f) => ({ name: f.name, line: lines.get(f.name) ?? 0, hasExpectations: Object.keys(f.expect).length > 0 }));
    return { ruleUri, fixturesUri, ruleName: loaded.ok ? loaded.definition.name : defaultRuleName(path), fixtures: list, problems };
  });

  connection.onRequest(RunRuleRequest, (params: RunRuleParams): RunRuleResult => {
    const ruleUri = ruleUriFor(documents, params.uri);
    const loaded = loadRule(documents, ruleUri);
    if (!loaded.ok) return loaded;
    if (params.context !== undefined) {
      const explained = params.explain ? explainRun(executor, loaded.definition, params.context, limits()) : undefined;
      const run = explained ?? evaluateDefinition(executor, loaded.definition, params.context, limits());
      const explain = explained ? { explain: formatExplain(explained, '    ') } : {};
      return { ok: true, ruleName: loaded.definition.name, outcomes: [{ name: 'custom context', result: summary(run.result), durationMs: run.durationMs, instructions: run.instructions, hasExpectations: false, mismatches: [], expected: {}, ...explain }] };
    }
    const { fixtures, problems, fixturesUri } = loadFixtures(documents, ruleUri);
    if (problems.length > 0) return { ok: false, message: `${uriToPath(fixturesUri) ?? fixturesUri}: ${problems.join('; ')}` };
    const wanted = params.fixtures && params.fixtures.length > 0 ? fixtures.filter((f) => params.fixtures!.includes(f.name)) : fixtures;
    const missing = (params.fixtures ?? []).filter((name) => !fixtures.some((f) => f.name === name));
    if (missing.length > 0) return { ok: false, message: `no fixture named ${missing.map((m) => JSON.stringify(m)).join(', ')} in ${uriToPath(fixturesUri) ?? fixturesUri}` };
    const coverage = params.coverage ? coverageFor(executor, loaded.definition) : undefined;
    const outcomes: RunOutcome[] = runFixtures(executor, loaded.definition, wanted, limits(), coverage).map((o) => ({
      name: o.fixture.name,
      result: summary(o.result),
      durationMs: o.durationMs,
      instructions: o.instructions,
      hasExpectations: Object.keys(o.fixture.expect).length > 0,
      mismatches: o.mismatches.map((m) => ({ ...m })),
      expected: expectedFields(o.fixture.expect),
      // Explaining runs the fixture once more with the line hook: only when asked (a single run from the editor).
      ...(params.explain ? { explain: formatExplain(explainRun(executor, loaded.definition, o.fixture.context, limits()), '    ') } : {}),
    }));
    return { ok: true, ruleName: loaded.definition.name, outcomes, ...(coverage ? { coverage: { lines: coverage.lines() } } : {}) };
  });

  connection.onRequest(ConvertRuleRequest, (params: ConvertRuleParams): ConvertRuleResult => {
    const loaded = loadRule(documents, params.uri);
    if (!loaded.ok) return loaded;
    if (loaded.definition.kind !== 'pattern') return { ok: false, message: `${loaded.path} is already a Lua rule; convert works on *.rule.json pattern rules` };
    try {
      return { ok: true, lua: patternRuleToLua(loaded.definition), ruleName: loaded.definition.name };
    } catch (e) {
      if (e instanceof NotConvertible) return { ok: false, message: `${loaded.path}: ${e.message}` };
      throw e;
    }
  });

  connection.onRequest(StoreStatusRequest, (): Promise<StoreStatus> => store.refreshStatus());

  connection.onRequest(StoreOverviewRequest, async (): Promise<StoreOverviewResult> => {
    try {
      const open = await store.open();
      const [rules, engines] = await Promise.all([open.listRules(), open.engines()]);
      const out = [];
      for (const rule of rules) {
        const pending = rule.headVersion !== rule.liveVersion ? (await open.history(rule.name)).filter((v) => v.state === 'pending') : [];
        out.push({
          name: rule.name,
          category: rule.category,
          kind: rule.kind,
          status: rule.status,
          liveVersion: rule.liveVersion,
          headVersion: rule.headVersion,
          description: rule.description,
          pending: pending.map((v) => ({ version: v.number, approvalsMissing: Math.max(0, v.requiredApprovals - v.approvals.length), author: v.author, message: v.message })),
          disabled: rule.disabled ?? null,
          servedBy: engines
            .filter((e) => e.rules[rule.name] !== undefined)
            .map((e) => ({ engineId: e.engineId, host: e.host, version: e.rules[rule.name]!, lastSeen: e.lastSeen, status: e.status })),
        });
      }
      return { ok: true, rules: out, engines: engines.length };
    } catch (e) {
      return { ok: false, message: store.redact(errorMessage(e)) };
    }
  });

  connection.onRequest(PublishRequest, async (params: PublishParams): Promise<PublishResult> => {
    const loaded = loadRule(documents, params.uri);
    if (!loaded.ok) return { ok: false, refused: false, message: loaded.message, problems: [] };
    if (!params.author || params.author.trim() === '') return { ok: false, refused: false, message: 'no author: set "luaRules.author"', problems: [] };
    try {
      toStorable(loaded.definition);
    } catch (e) {
      if (e instanceof InvalidRuleError) return { ok: false, refused: true, message: `${loaded.definition.name} cannot be stored: ${e.message}`, problems: [e.message] };
      throw e;
    }
    const verdict = publishGate(executor, documents, params.uri, loaded.definition, loaded.text, limits());
    if (!verdict.ok) return { ok: false, refused: true, message: `${loaded.definition.name} not published: ${verdict.summary}`, problems: verdict.problems };
    // Issue 13: the summary the publisher saw, its known fields only (no example contexts).
    const impact = params.impact === undefined ? undefined : impactSummaryFrom(params.impact);
    try {
      const open = await store.open();
      const base = (await open.getRule(loaded.definition.name))?.headVersion ?? 0;
      const out = await open.publish(loaded.definition, {
        // Issue 14: on PostgreSQL the database user, whatever the setting says (it names the SQLite author).
        author: await authorOfWrite(open, undefined, () => (params.author ?? '').trim()),
        ...(params.message ? { message: params.message } : {}),
        baseVersion: base,
        gate: async () => verdict,
        ...(impact ? { impact } : {}),
      });
      return { ok: true, rule: out.rule, version: out.version.number, state: out.version.state, created: out.created, approvalsMissing: out.approvalsMissing };
    } catch (e) {
      const refused = e instanceof ConflictError || e instanceof GateRefusedError;
      return { ok: false, refused, message: store.redact(errorMessage(e)), problems: [] };
    }
  });

  // Issue 13 (docs/impact.md): the rule as the editor has it, replayed on the captured
  // decisions beside its live version, with serve's limits (not the editor's budget).
  connection.onRequest(ImpactRequest, async (params: ImpactParams, token): Promise<ImpactResult> => {
    const loaded = loadRule(documents, params.uri);
    if (!loaded.ok) return { ok: false, message: loaded.message };
    try {
      const open = await store.open();
      const since = params.since ?? new Date(Date.now() - 7 * 86_400_000).toISOString();
      // The editor's Cancel reaches the replay between two decisions (it yields every 50 ms).
      const controller = new AbortController();
      const listening = token.onCancellationRequested(() => controller.abort());
      const report = await impactOf(open, loaded.definition, { since, limit: params.limit ?? 100_000 }, { signal: controller.signal }).finally(() => listening.dispose());
      return { ok: true, report, store: open.display, headline: impactHeadline(report), summaryLines: impactSummaryLines(report) };
    } catch (e) {
      if (e instanceof ImpactInputError || e instanceof ReplayError || e instanceof ReplayCancelledError) return { ok: false, message: e.message };
      return { ok: false, message: store.redact(errorMessage(e)) };
    }
  });

  connection.onRequest(PublishCheckRequest, async (params: PublishCheckParams): Promise<PublishCheckResult> => {
    const loaded = loadRule(documents, params.uri);
    if (!loaded.ok) return { ok: false, refused: false, message: loaded.message, problems: [] };
    let checksum: string;
    try {
      checksum = toStorable(loaded.definition).checksum;
    } catch (e) {
      if (e instanceof InvalidRuleError) return { ok: false, refused: true, message: `${loaded.definition.name} cannot be stored: ${e.message}`, problems: [e.message] };
      throw e;
    }
    const verdict = publishGate(executor, documents, params.uri, loaded.definition, loaded.text, limits());
    if (!verdict.ok) return { ok: false, refused: true, message: `${loaded.definition.name} cannot be published: ${verdict.summary}`, problems: verdict.problems };
    try {
      const versions = await (await store.open()).history(loaded.definition.name).catch((e: unknown) => {
        if (e instanceof UnknownRuleError) return [];
        throw e;
      });
      const head = versions.reduce<(typeof versions)[number] | undefined>((best, v) => (!best || v.number > best.number ? v : best), undefined);
      return { ok: true, rule: loaded.definition.name, unchanged: head?.checksum === checksum, headVersion: head?.number ?? null, headState: head?.state ?? null };
    } catch (e) {
      return { ok: false, refused: false, message: store.redact(errorMessage(e)), problems: [] };
    }
  });

  connection.onRequest(HistoryRequest, async (params: HistoryParams): Promise<HistoryResult> => {
    try {
      const versions = await (await store.open()).history(params.rule);
      return {
        ok: true,
        rule: params.rule,
        versions: versions.map((v) => ({ number: v.number, author: v.author, message: v.message, createdAt: v.createdAt, state: v.state, kind: v.kind, requiredApprovals: v.requiredApprovals, approvals: v.approvals, rollbackOf: v.rollbackOf })),
      };
    } catch (e) {
      return { ok: false, message: store.redact(errorMessage(e)) };
    }
  });

  connection.onRequest(VersionContentRequest, async (params: VersionContentParams): Promise<VersionContentResult> => {
    try {
      const version = await (await store.open()).version(params.rule, params.version).catch((e: unknown) => {
        if (e instanceof UnknownVersionError) return undefined;
        throw e;
      });
      if (!version) return { ok: false, message: `${params.rule} has no version ${params.version}` };
      return { ok: true, content: version.content, kind: version.kind };
    } catch (e) {
      return { ok: false, message: store.redact(errorMessage(e)) };
    }
  });

  connection.onRequest(RollbackRequest, async (params: RollbackParams): Promise<VersionChangeResult> => {
    try {
      const open = await store.open();
      const author = await authorOfWrite(open, undefined, () => params.author);
      const out = await open.rollback(params.rule, params.toVersion, { author, ...(params.message ? { message: params.message } : {}) });
      return { ok: true, rule: out.rule, version: out.version.number, state: out.version.state, approvalsMissing: out.approvalsMissing };
    } catch (e) {
      return { ok: false, message: store.redact(errorMessage(e)) };
    }
  });

  connection.onRequest(ApproveRequest, async (params: ApproveParams): Promise<VersionChangeResult> => {
    try {
      const open = await store.open();
      const out = await open.approve(params.rule, params.version, await authorOfWrite(open, undefined, () => params.author));
      return { ok: true, rule: params.rule, version: out.version.number, state: out.version.state, approvalsMissing: out.approvalsMissing };
    } catch (e) {
      return { ok: false, message: store.redact(errorMessage(e)) };
    }
  });

  // Issue 14: Disable Rule… / Enable Rule.
  connection.onRequest(RuleSwitchRequest, async (params: RuleSwitchParams): Promise<RuleSwitchResult> => {
    try {
      const open = await store.open();
      const out = params.enabled
        ? await open.enable(params.rule, { author: params.author, ...(params.message ? { message: params.message } : {}) })
        : await open.disable(params.rule, { author: params.author, message: params.message ?? '' });
      return { ok: true, ...out };
    } catch (e) {
      return { ok: false, message: store.redact(errorMessage(e)) };
    }
  });

  return { dispose: () => store.close() };
}
