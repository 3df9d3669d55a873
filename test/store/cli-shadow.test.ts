/**
 * `lua-rules publish --shadow` and `lua-rules shadow <rule>` (issue 13) end to end
 * through the CLI's main(), on a SQLite file and a real PostgreSQL: the report with
 * exact figures, promotion through the publish gate run again (a consensus rule's
 * promotion waits for approvals), stop, and every bad input as exit 2 with one line.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../store/src';
import { cli, REPO, writeIn } from '../cli/cli-harness';
import { POSTGRES_SKIPPED, startPostgres, type PgServer } from './pg-harness';
import { createLogins, type Logins } from './pg-logins';
import { eventually } from './store-helpers';
import { post, startServe } from '../serve/serve-process';

const GATED = `---@rule gated
---@category epic
---@consensus 1
local wsjf = context.metrics and context.metrics.wsjf_score or 0
if wsjf > 50 then return { decision = "autonomous", confidence = 0.95, reasoning = "high" } end
return { decision = "escalated", confidence = 0.4, reasoning = "low" }
`;

function oneLine(out: { code: number; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(out.code, code, out.stderr);
  assert.equal(out.stderr.trimEnd().split('\n').length, 1, `one line, got: ${out.stderr}`);
  assert.match(out.stderr.trimEnd(), pattern);
}

/**
 * Where the scenario's people write: on SQLite one file and `--author NAME`; on
 * PostgreSQL each person's own login (the author of a write is the database user
 * there). `owner` is the URL of the store's owner, for direct store calls.
 */
interface People {
  owner(): string;
  argv(who: 'ann' | 'bob'): string[];
  name(who: 'ann' | 'bob'): string;
}

function scenario(name: string, people: People): void {
  describe(`publish --shadow and shadow on ${name}`, { skip: name === 'PostgreSQL' && POSTGRES_SKIPPED }, () => {
    let dir = '';
    const storeUrl = (): string => people.owner();
    const as = (who: 'ann' | 'bob', argv: string[]) => cli([...argv, ...people.argv(who)], { cwd: dir });
    const run = (argv: string[]) => as('ann', argv);
    const read = (argv: string[]) => cli([...argv, '--store', storeUrl()], { cwd: dir });
    const bob = (): string => people.name('bob');
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'lua-rules-cli-shadow-'));
      cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('a shadow through the gate, its report with exact figures, and promotion to live', async () => {
      assert.equal((await run(['publish', 'rules'])).code, 0);
      const path = join(dir, 'rules', 'epic_wsjf_validation.lua');
      writeIn(dir, 'rules/epic_wsjf_validation.lua', readFileSync(path, 'utf8') + '-- tuned\n');
      const started = await run(['publish', 'rules/epic_wsjf_validation.lua', '--shadow', '--message', 'tuned']);
      assert.equal(started.code, 0, started.stderr);
      assert.equal(started.stdout, 'epic_wsjf_validation: shadow 1 started against live version 1; engines compare it on the requests they serve\n');
      const again = await run(['publish', 'rules/epic_wsjf_validation.lua', '--shadow', '--json']);
      assert.deepEqual(JSON.parse(again.stdout), [{ rule: 'epic_wsjf_validation', shadow: 1, against: 1, created: false, replaced: null }]);

      // What engines would have reported: 10 compared on two engines, 8 agreed.
      const store = openStore(storeUrl(), { cwd: dir });
      const disagreement = (n: number, at: string) => ({
        rule: 'epic_wsjf_validation',
        shadow: 1,
        liveVersion: 1,
        live: { decision: 'autonomous' as const, confidence: 0.95, errorCode: null },
        shadowAnswer: { decision: 'escalated' as const, confidence: 0, errorCode: 'runtime-error' },
        context: { metrics: { wsjf_score: n } },
        correlationId: `c-${n}`,
        engineId: null,
        at,
      });
      await store.recordShadowResults({ engineId: 'e1', counts: [{ rule: 'epic_wsjf_validation', shadow: 1, compared: 6, agreed: 5 }], disagreements: [disagreement(61, '2026-01-01T00:00:01.000Z')] });
      await store.recordShadowResults({ engineId: 'e2', counts: [{ rule: 'epic_wsjf_validation', shadow: 1, compared: 4, agreed: 3 }], disagreements: [disagreement(62, '2026-01-01T00:00:02.000Z')] });
      await store.close();

      const json = await run(['shadow', 'epic_wsjf_validation', '--json']);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as Record<string, unknown> & { disagreements: Record<string, unknown>[] };
      assert.deepEqual(
        [report['rule'], report['shadow'], report['state'], report['against'], report['liveVersion'], report['compared'], report['agreed'], report['disagreed'], report['agreementRate'], report['message']],
        ['epic_wsjf_validation', 1, 'running', 1, 1, 10, 8, 2, 0.8, 'tuned'],
      );
      assert.deepEqual(
        report.disagreements.map((d) => [d['correlationId'], d['context'], d['engine'], (d['shadow'] as Record<string, unknown>)['error']]),
        [
          ['c-62', { metrics: { wsjf_score: 62 } }, 'e2', 'runtime-error'],
          ['c-61', { metrics: { wsjf_score: 61 } }, 'e1', 'runtime-error'],
        ],
      );
      const text = await run(['shadow', 'epic_wsjf_validation', '--limit', '1']);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^epic_wsjf_validation: shadow 1, running\n/);
      assert.match(text.stdout, /compared 10 evaluations: 8 agreed, 2 disagreed \(agreement 80\.0 %\)/);
      assert.match(text.stdout, /disagreements, newest first \(1 of 2\):\n.*live v1 autonomous 0\.95 {2}→ {2}shadow escalated 0 \(runtime-error\) {2}correlation c-62\n {6}context \{"metrics":\{"wsjf_score":62\}\}\n$/);

      const promoted = await as('bob', ['shadow', 'epic_wsjf_validation', '--promote']);
      assert.equal(promoted.code, 0, promoted.stderr);
      assert.equal(promoted.stdout, 'promoted shadow 1 of epic_wsjf_validation (10 compared, 8 agreed): version 2 (live); the shadow has ended\n');
      const history = JSON.parse((await read(['history', 'epic_wsjf_validation', '--json'])).stdout) as { versions: { number: number; author: string; content: string; evidence: { gate: string; shadow: unknown; fixtures: unknown[] } }[] };
      const v2 = history.versions[0];
      assert.deepEqual([v2?.number, v2?.author, v2?.evidence.gate, v2?.content.endsWith('-- tuned\n')], [2, bob(), 'passed', true]);
      assert.ok((v2?.evidence.fixtures.length ?? 0) > 0, 'the fixtures ran again');
      assert.deepEqual(v2?.evidence.shadow, { number: 1, startedAt: report['startedAt'], compared: 10, agreed: 8, against: 1 });
      const ended = JSON.parse((await run(['shadow', 'epic_wsjf_validation', '--json', '--limit', '0'])).stdout) as Record<string, unknown>;
      assert.deepEqual([ended['state'], ended['promotedTo'], ended['endedBy'], ended['liveVersion']], ['promoted', 2, bob(), 2]);
      oneLine(await run(['shadow', 'epic_wsjf_validation', '--promote']), 2, /^lua-rules shadow: rule "epic_wsjf_validation" has no shadow running to promote$/m);

      // A pattern rule: stored as canonical JSON, read back as a .rule.json for the gate.
      const patternPath = join(dir, 'rules', 'epic_priority.rule.json');
      writeIn(dir, 'rules/epic_priority.rule.json', readFileSync(patternPath, 'utf8').replace('"description": "Pattern rule', '"description": "Tuned pattern rule'));
      assert.equal((await run(['publish', 'rules/epic_priority.rule.json', '--shadow'])).code, 0);
      const pattern = await run(['shadow', 'epic_priority', '--promote']);
      assert.equal(pattern.code, 0, pattern.stderr);
      assert.match(pattern.stdout, /promoted shadow 1 of epic_priority .*: version 2 \(live\)/);
    });

    test('promoting a consensus rule leaves it pending; a shadow whose gate no longer passes is not promoted; --stop ends it', async () => {
      writeIn(dir, 'gated/gated.lua', GATED);
      assert.equal((await run(['publish', 'gated/gated.lua'])).code, 0);
      assert.equal((await as('bob', ['approve', 'gated', '--version', '1'])).code, 0);
      writeIn(dir, 'gated/gated.lua', GATED.replace('> 50', '> 60'));
      assert.equal((await run(['publish', 'gated/gated.lua', '--shadow'])).code, 0, 'a shadow needs no approvals');
      const pending = await run(['shadow', 'gated', '--promote']);
      assert.equal(pending.code, 0, pending.stderr);
      assert.match(pending.stdout, /version 2 \(pending: 1 more approval needed\); the shadow has ended/);

      // The fixtures stored with a shadow are what promotion runs again.
      writeIn(dir, 'gated/gated.lua', GATED.replace('> 50', '> 70'));
      writeIn(dir, 'gated/gated.fixtures.json', JSON.stringify({ fixtures: [{ name: 'sixty-five', context: { metrics: { wsjf_score: 65 } }, expect: { decision: 'escalated' } }] }));
      assert.equal((await run(['publish', 'gated/gated.lua', '--shadow'])).code, 0);
      const store = openStore(storeUrl(), { cwd: dir });
      // Someone changes the stored fixtures' expectation behind the CLI (the store API takes no gate here).
      const shadow = (await store.shadows('gated'))[0];
      await store.startShadow({ kind: 'lua', name: 'gated', category: 'epic', consensus: 1, source: GATED.replace('> 50', '> 80'), origin: 'gated.lua' }, { author: people.name('ann'), fileName: 'gated.lua', fixtures: shadow?.fixtures?.replace('"escalated"', '"autonomous"') ?? null });
      await store.close();
      const refused = await run(['shadow', 'gated', '--promote']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /gated \(shadow 3\): gated not published: 1 failing fixture\n.*fixture "sixty-five" failed: decision is escalated, expected autonomous/);
      assert.match(refused.stderr, /gated not promoted: the shadow no longer passes the publish gate; it keeps running\n$/);
      const stopped = await run(['shadow', 'gated', '--stop']);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(stopped.stdout, 'stopped shadow 3 of gated: 0 compared, 0 agreed\n');
      oneLine(await run(['shadow', 'gated', '--stop']), 2, /^lua-rules shadow: rule "gated" has no shadow running$/);
    });
  });
}

describe('shadow: bad input is exit 2 and one line', () => {
  let dir = '';
  let store = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-cli-shadow-bad-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    store = `sqlite:${join(dir, 'rules.db')}`;
    assert.equal((await cli(['publish', 'rules', '--store', store], { cwd: dir })).code, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string[], RegExp][] = [
    ['no rule', ['shadow'], /shadow: which rule\? usage: lua-rules shadow <rule>/],
    ['two rules', ['shadow', 'a', 'b'], /shadow: one rule at a time \(got 'b' too\)/],
    ['promote and stop', ['shadow', 'epic_priority', '--promote', '--stop'], /shadow: --promote or --stop, not both/],
    ['a bad limit', ['shadow', 'epic_priority', '--limit', '-1'], /shadow: --limit must be a whole number from 0 to 10000, got '-1'/],
    ['a limit with --stop', ['shadow', 'epic_priority', '--stop', '--limit', '3'], /shadow: --limit applies to the report/],
    ['a message without --promote', ['shadow', 'epic_priority', '--message', 'x'], /shadow: --message applies to --promote/],
    ['a misspelt flag', ['shadow', 'epic_priority', '--promot'], /--promot.*--promote/],
    ['an unknown rule', ['shadow', 'nope'], /^lua-rules shadow: unknown rule "nope" in the store$/],
    ['a rule without a shadow', ['shadow', 'epic_priority'], /^lua-rules shadow: rule "epic_priority" has no shadow; start one with 'lua-rules publish <file> --shadow'$/],
    ['stopping no shadow', ['shadow', 'epic_priority', '--stop'], /^lua-rules shadow: rule "epic_priority" has no shadow running$/],
    ['a shadow of the live content', ['publish', 'rules/epic_priority.rule.json', '--shadow'], /^lua-rules publish: this content is "epic_priority"'s live version 1; a shadow must differ/],
    ['a bad --shadow-queue', ['serve', '--shadow-queue', '-1'], /serve: --shadow-queue must be a whole number from 0 to 1000000, got '-1'/],
    ['--shadow with --base-version', ['publish', 'rules/epic_priority.rule.json', '--shadow', '--base-version', '1'], /publish: --base-version does not apply to --shadow/],
  ];
  for (const [what, argv, pattern] of cases) {
    test(what, async () => {
      const out = await cli([...argv, '--store', store], { cwd: dir });
      oneLine(out, 2, pattern);
      assert.equal(out.stdout, '');
    });
  }
  test('a rule with no live version yet', async () => {
    writeIn(dir, 'new/fresh.lua', '---@category epic\nreturn { decision = "escalated", confidence = 0.5, reasoning = "x" }\n');
    oneLine(await cli(['publish', 'new/fresh.lua', '--shadow', '--store', store], { cwd: dir }), 2, /^lua-rules publish: unknown rule "fresh" in the store$/);
    writeIn(dir, 'new/waiting.lua', '---@category epic\n---@consensus 1\nreturn { decision = "escalated", confidence = 0.5, reasoning = "x" }\n');
    assert.equal((await cli(['publish', 'new/waiting.lua', '--store', store], { cwd: dir })).code, 0);
    writeIn(dir, 'new/waiting.lua', '---@category epic\n---@consensus 1\nreturn { decision = "escalated", confidence = 0.4, reasoning = "x" }\n');
    oneLine(await cli(['publish', 'new/waiting.lua', '--shadow', '--store', store], { cwd: dir }), 2, /^lua-rules publish: rule "waiting" has no live version to shadow; publish it first$/);
    // A folder with one rule that cannot be shadowed starts no shadow at all.
    writeIn(dir, 'new/epic_priority.rule.json', readFileSync(join(dir, 'rules', 'epic_priority.rule.json'), 'utf8').replace('"description": "Pattern rule', '"description": "Tuned pattern rule'));
    oneLine(await cli(['publish', 'new/epic_priority.rule.json', 'new/fresh.lua', '--shadow', '--store', store], { cwd: dir }), 2, /^lua-rules publish: unknown rule "fresh" in the store$/);
    oneLine(await cli(['shadow', 'epic_priority', '--store', store], { cwd: dir }), 2, /has no shadow/);
  });
  test('--help', async () => {
    const out = await cli(['shadow', '--help'], { cwd: dir });
    assert.equal(out.code, 0);
    assert.match(out.stdout, /^Usage: lua-rules shadow <rule> --store URL/);
  });
});

let sqliteDir = '';
before(() => {
  sqliteDir = mkdtempSync(join(tmpdir(), 'lua-rules-cli-shadow-db-'));
});
after(() => rmSync(sqliteDir, { recursive: true, force: true }));
const sqliteUrl = (): string => `sqlite:${join(sqliteDir, 'rules.db')}`;
scenario('SQLite', { owner: sqliteUrl, argv: (who) => ['--store', sqliteUrl(), '--author', who], name: (who) => who });

let server: PgServer | undefined;
let pgUrl = '';
let logins: Logins | undefined;
before(async () => {
  if (POSTGRES_SKIPPED) return;
  server = await startPostgres();
  pgUrl = await server.createDatabase();
  logins = await createLogins(pgUrl, { ann: ['lua_rules_author'], bob: ['lua_rules_author', 'lua_rules_approver'], eng: ['lua_rules_engine'] });
});
after(async () => server?.close());
scenario('PostgreSQL', { owner: () => pgUrl, argv: (who) => ['--store', logins?.url(who) ?? ''], name: (who) => logins?.name(who) ?? who });

describe('shadow runs and identity on PostgreSQL', { skip: POSTGRES_SKIPPED }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-cli-shadow-roles-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  test('a shadow is written as the database user; another --author is refused; an engine login may not start or stop one', async () => {
    const url = (who: string): string => logins?.url(who) ?? '';
    assert.equal((await cli(['publish', 'rules/feature_readiness_check.lua', '--store', url('ann')], { cwd: dir })).code, 0);
    writeIn(dir, 'rules/feature_readiness_check.lua', readFileSync(join(dir, 'rules', 'feature_readiness_check.lua'), 'utf8') + '-- shadowed\n');
    oneLine(await cli(['publish', 'rules/feature_readiness_check.lua', '--shadow', '--store', url('ann'), '--author', 'mallory'], { cwd: dir }), 2, /publish: .*mallory/);
    const engine = await cli(['publish', 'rules/feature_readiness_check.lua', '--shadow', '--store', url('eng')], { cwd: dir });
    oneLine(engine, 1, /^lua-rules publish: /);
    const started = await cli(['publish', 'rules/feature_readiness_check.lua', '--shadow', '--store', url('ann'), '--json'], { cwd: dir });
    assert.equal(started.code, 0, started.stderr);
    oneLine(await cli(['shadow', 'feature_readiness_check', '--stop', '--store', url('eng')], { cwd: dir }), 1, /^lua-rules shadow: /);
    const report = JSON.parse((await cli(['shadow', 'feature_readiness_check', '--json', '--store', url('eng')], { cwd: dir })).stdout) as Record<string, unknown>;
    assert.deepEqual([report['author'], report['state']], [logins?.name('ann'), 'running'], 'an engine login reads the report');

    // serve as the engine login: it loads the shadow and may write what it compared.
    const serve = await startServe(['--store', url('eng')], { cwd: dir });
    try {
      const context = readFileSync(join(dir, 'rules', 'examples', 'feature-context.json'), 'utf8');
      for (let i = 0; i < 3; i++) assert.equal((await post(`${serve.base}/v1/rules/feature_readiness_check/evaluate`, context)).status, 200);
      const owner = openStore(pgUrl);
      try {
        await eventually(async () => (await owner.shadows('feature_readiness_check'))[0]?.compared === 3, 'the engine login records 3 comparisons');
        assert.equal((await owner.shadows('feature_readiness_check'))[0]?.agreed, 3);
      } finally {
        await owner.close();
      }
      assert.doesNotMatch(serve.stdout() + serve.stderr(), /permission denied|refused by the database/);
    } finally {
      assert.equal(await serve.stop(), 0, serve.stderr());
    }
  });
});
