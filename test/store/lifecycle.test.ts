/**
 * Issue 14 (h14-life): a rule's lifecycle and promotion between stores, on SQLite and a
 * real PostgreSQL: disable/enable seen by a running engine service (category skip,
 * by-name 404 rule-disabled, /v1/rules), the history of each switch, fixtures stored
 * with each version (and immutable), `export` round-trips through `publish`, and
 * `promote` (SQLite → PostgreSQL and back) re-runs the gate and records its origin.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { cli, REPO } from '../cli/cli-harness';
import { CARRIED_FIELDS, carriedOf, StoreRuleSource, VERSION_FIELDS, type CarriedVersion, type RuleVersionRecord, type LifecycleRecord, type RuleSwitch } from '../../store/src';
import { startEngineService, type EngineServiceHandle } from '../../service/src/engine-service';
import { post } from '../serve/serve-process';
import { serviceOptions } from '../serve/service-options';
import { POSTGRES_SKIPPED, startPostgres } from './pg-harness';
import { createLogins, type Logins } from './pg-logins';
import { eventually, luaRule, postgresBackend, sqliteBackend, type Backend } from './store-helpers';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lua-rules-lifecycle-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[]) => cli(argv, { cwd: dir, env: {} });
const WSJF = 'epic_wsjf_validation';
const EPIC = '{"epic_id": "epic-1", "metrics": {"wsjf_score": 60, "business_value": 80, "job_size": 30}}';

interface HistoryJson {
  rule: string;
  disabled: RuleSwitch | null;
  versions: RuleVersionRecord[];
  lifecycle: LifecycleRecord[];
}

async function historyJson(url: string, rule: string): Promise<HistoryJson> {
  const out = await run(['history', rule, '--store', url, '--json']);
  assert.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout) as HistoryJson;
}

/** Runs one UPDATE as raw SQL on the store's database (the immutability triggers' test). */
async function rawUpdate(backend: Backend, url: string, sql: string): Promise<void> {
  if (backend.name === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      db.prepare(sql).run();
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function lifecycleSuite(name: 'sqlite' | 'postgres', makeBackend: () => Promise<Backend>): void {
  describe(`rule lifecycle on ${name}`, { skip: name === 'postgres' && POSTGRES_SKIPPED }, () => {
    let backend: Backend;
    before(async () => {
      backend = await makeBackend();
    });
    after(async () => {
      await backend?.close();
    });

    // Who writes: on SQLite `--author NAME`; on PostgreSQL the author is the database
    // user, so each person logs in as themselves (pg-logins.ts; the owner's URL reads).
    const logins = new Map<string, Promise<Logins>>();
    const as = async (url: string, who: string): Promise<{ flags: string[]; name: string }> => {
      if (backend.name === 'sqlite') return { flags: ['--store', url, '--author', who], name: who };
      let people = logins.get(url);
      if (people === undefined) {
        people = createLogins(url, { ann: ['lua_rules_author'], bob: ['lua_rules_author'], carol: ['lua_rules_author'], dave: ['lua_rules_author'] });
        logins.set(url, people);
      }
      const p = await people;
      return { flags: ['--store', p.url(who)], name: p.name(who) };
    };

    const publishedStore = async (): Promise<string> => {
      const url = await backend.freshUrl();
      const out = await run(['publish', 'rules', ...(await as(url, 'ann')).flags, '--message', 'examples']);
      assert.equal(out.code, 0, out.stderr);
      return url;
    };

    test('a running engine service stops evaluating a disabled rule and serves it again once enabled', async () => {
      const url = await publishedStore();
      let service: EngineServiceHandle | undefined;
      try {
        service = await startEngineService(serviceOptions(backend.open(url), url, dir, { heartbeatIntervalMs: 5000, breakerCoolDownMs: 1000, maxPending: 64, graceMs: 2000 }));
        const base = service.url;
        const byName = () => post(`${base}/v1/rules/${WSJF}/evaluate`, EPIC);
        const category = async () => ((await post(`${base}/v1/evaluate/epic`, EPIC)).json.results as { rule: string }[]).map((r) => r.rule);
        const listed = async () => ((await (await fetch(`${base}/v1/rules`)).json()) as { name: string }[]).map((r) => r.name);
        assert.equal((await byName()).status, 200);
        assert.ok((await category()).includes(WSJF));

        const bob = await as(url, 'bob');
        const carol = await as(url, 'carol');
        const started = performance.now();
        const off = await run(['disable', WSJF, ...bob.flags, '--message', 'wrong thresholds in production']);
        assert.equal(off.code, 0, off.stderr);
        assert.match(off.stdout, /^disabled epic_wsjf_validation: engines stop evaluating it\n$/);
        await eventually(async () => (await byName()).status === 404, 'the disabled rule answers 404', 10_000);
        const latencyMs = performance.now() - started;
        const refused = await byName();
        assert.equal((refused.json.error as { code: string }).code, 'rule-disabled');
        assert.match((refused.json.error as { message: string }).message, /rule 'epic_wsjf_validation' is disabled in the store/);
        assert.ok(!(await category()).includes(WSJF), 'category evaluation skips the disabled rule');
        assert.ok((await category()).length > 0, 'the other rules of the category still answer');
        assert.ok(!(await listed()).includes(WSJF), 'GET /v1/rules lists what the engine serves: not a disabled rule');
        // An unknown rule is still "not found", not "disabled".
        assert.equal(((await post(`${base}/v1/rules/nope/evaluate`, EPIC)).json.error as { code: string }).code, 'rule-not-found');
        process.stdout.write(`# ${name}: disable → by-name 404 in ${latencyMs.toFixed(1)} ms (CLI call included)\n`);

        const on = await run(['enable', WSJF, ...carol.flags, '--message', 'thresholds fixed']);
        assert.equal(on.code, 0, on.stderr);
        await eventually(async () => (await byName()).status === 200, 'the enabled rule is served again', 10_000);
        assert.ok((await category()).includes(WSJF));
      } finally {
        await service?.stop();
      }

      const history = await historyJson(url, WSJF);
      assert.equal(history.disabled, null);
      const [bob, carol] = [(await as(url, 'bob')).name, (await as(url, 'carol')).name];
      assert.deepEqual(
        history.lifecycle.map((e) => [e.event, e.by, e.message]),
        [
          ['enabled', carol, 'thresholds fixed'],
          ['disabled', bob, 'wrong thresholds in production'],
        ],
      );
      const text = await run(['history', WSJF, '--store', url]);
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.split('\n').slice(1, 4);
      assert.match(lines[0] ?? '', new RegExp(`^ {2}-- +enabled +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}${carol} {2}"thresholds fixed"$`));
      assert.match(lines[1] ?? '', new RegExp(`disabled .* ${bob} {2}"wrong thresholds in production"$`));
      assert.match(lines[2] ?? '', /^ {2}v1 +live/);
    });

    test('disable and enable are idempotent, written once, and a starting engine never loads a disabled rule', async () => {
      const url = await publishedStore();
      const store = backend.open(url);
      try {
        const first = await store.disable(WSJF, { author: 'bob', message: 'off' });
        assert.equal(first.changed, true);
        const again = await run(['disable', WSJF, ...(await as(url, 'dave')).flags, '--message', 'off again']);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /epic_wsjf_validation is already disabled \(by bob at .*"off"\); nothing written/);
        assert.equal((await store.lifecycle(WSJF)).length, 1);
        assert.deepEqual(await store.disabledRules(), [WSJF]);
        assert.ok(!(await store.liveRules()).some((r) => r.definition.name === WSJF));
        assert.equal((await store.getRule(WSJF))?.disabled?.by, 'bob');

        const source = new StoreRuleSource(store);
        const loaded = await source.load();
        assert.ok(!loaded.some((r) => r.definition.name === WSJF));
        assert.equal(source.isDisabled(WSJF), true);

        // Publishing while disabled stores the version; it serves only once enabled (and publish says so).
        writeFileSync(join(dir, 'while-off.lua'), luaRule(WSJF, 'while-off').source);
        const published = await run(['publish', 'while-off.lua', ...(await as(url, 'ann')).flags]);
        assert.equal(published.code, 0, published.stderr);
        assert.match(published.stdout, /^published epic_wsjf_validation version 2 \(live\)\nnote: epic_wsjf_validation is disabled: no engine serves it until 'lua-rules enable epic_wsjf_validation'\n$/);
        assert.ok(!(await store.liveRules()).some((r) => r.definition.name === WSJF));
        const on = await store.enable(WSJF, { author: 'ann' });
        assert.deepEqual(on, { rule: WSJF, changed: true, disabled: null });
        assert.equal((await store.liveRules()).find((r) => r.definition.name === WSJF)?.version, 2);
        const twice = await run(['enable', WSJF, '--store', url]);
        assert.equal(twice.code, 0, twice.stderr);
        assert.match(twice.stdout, /epic_wsjf_validation is not disabled; nothing written/);
        assert.deepEqual(
          (await store.lifecycle(WSJF)).map((e) => e.event),
          ['enabled', 'disabled'],
        );
        await assert.rejects(rawUpdate(backend, url, "UPDATE rule_lifecycle SET message = 'rewritten'"), /append-only/);
      } finally {
        await store.close();
      }
    });

    test('each version stores the fixtures its gate ran, immutably; a rollback brings them back', async () => {
      const url = await publishedStore();
      const history = await historyJson(url, WSJF);
      assert.equal(history.versions[0]?.fixtures, readFileSync(join(dir, 'rules', `${WSJF}.fixtures.json`), 'utf8'));
      await assert.rejects(rawUpdate(backend, url, `UPDATE rule_versions SET fixtures = '{"fixtures": []}'`), /immutable/);
      const store = backend.open(url);
      try {
        await store.publish(luaRule(WSJF, 'no-fixtures'), { author: 'ann' });
        assert.equal((await store.version(WSJF, 2)).fixtures, null);
        const back = await store.rollback(WSJF, 1, { author: 'ann' });
        assert.equal(back.version.fixtures, history.versions[0]?.fixtures);
        assert.equal((await store.version(WSJF, 3)).fixtures, history.versions[0]?.fixtures);
      } finally {
        await store.close();
      }
    });

    test('export writes every live rule with its fixtures; publishing the folder gives the same checksums', async () => {
      const url = await publishedStore();
      const out = join(dir, `export-${name}`);
      const first = await run(['export', '--store', url, '--out', out]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /exported 3 rules to export-\w+ \(7 files written\)/);
      assert.equal(readFileSync(join(out, 'context.schema.json'), 'utf8'), readFileSync(join(dir, 'rules', 'context.schema.json'), 'utf8'), 'the context schema the rules were checked against');
      assert.equal(readFileSync(join(out, `${WSJF}.fixtures.json`), 'utf8'), readFileSync(join(dir, 'rules', `${WSJF}.fixtures.json`), 'utf8'));
      const again = await run(['export', '--store', url, '--out', out]);
      assert.match(again.stdout, /\(0 files written\)/);

      const copy = await backend.freshUrl();
      const published = await run(['publish', out, ...(await as(copy, 'ann')).flags, '--json']);
      assert.equal(published.code, 0, published.stderr);
      for (const rule of ['epic_priority', WSJF, 'feature_readiness_check']) {
        const [a, b] = [await historyJson(url, rule), await historyJson(copy, rule)];
        assert.equal(b.versions[0]?.checksum, a.versions[0]?.checksum, rule);
        assert.equal(b.versions[0]?.fixtures, a.versions[0]?.fixtures, rule);
        assert.deepEqual(b.versions[0]?.contextSchema, a.versions[0]?.contextSchema, rule);
        assert.deepEqual(b.versions[0]?.settings, a.versions[0]?.settings, rule);
      }

      // A file that differs is not overwritten (nothing is written) unless --force.
      const ruleFile = join(out, 'epic_priority.rule.json');
      writeFileSync(ruleFile, '{"edited": true}\n');
      rmSync(join(out, `${WSJF}.lua`));
      const refused = await run(['export', '--store', url, '--out', out]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /export-\w+\/epic_priority\.rule\.json differs from the store\n.*nothing written: 1 file would be overwritten \(--force overwrites them\)\n$/);
      assert.equal(existsSync(join(out, `${WSJF}.lua`)), false, 'nothing written, not even the missing file');
      const forced = await run(['export', '--store', url, '--out', out, '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.notEqual(readFileSync(ruleFile, 'utf8'), '{"edited": true}\n');
      assert.equal(existsSync(join(out, `${WSJF}.lua`)), true);
    });

    // Every field a version carries (store/src/version-carries.ts), compared field by field.
    const carried = async (url: string, rule: string, number?: number): Promise<CarriedVersion> => {
      const store = backend.open(url);
      try {
        return carriedOf(await store.version(rule, number ?? (await store.getRule(rule))!.liveVersion!));
      } finally {
        await store.close();
      }
    };
    const assertSameVersion = (actual: CarriedVersion, expected: CarriedVersion, what: string): void => {
      assert.ok(CARRIED_FIELDS.length >= 7, 'every carried field is compared');
      for (const field of CARRIED_FIELDS) assert.deepEqual(actual[field], expected[field], `${what}: ${field}`);
    };
    /** A rules folder whose rules carry settings, fixtures and a category's context schema. */
    const carryingFolder = (schemaTitle: string): string => {
      const folder = mkdtempSync(join(dir, 'carrying-'));
      cpSync(join(dir, 'rules', `${WSJF}.lua`), join(folder, `${WSJF}.lua`));
      cpSync(join(dir, 'rules', `${WSJF}.fixtures.json`), join(folder, `${WSJF}.fixtures.json`));
      cpSync(join(dir, 'rules', 'epic_priority.rule.json'), join(folder, 'epic_priority.rule.json'));
      const schema = JSON.parse(readFileSync(join(dir, 'rules', 'context.schema.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(folder, 'context.epic.schema.json'), JSON.stringify({ ...schema, title: schemaTitle }, null, 2));
      return folder;
    };

    test('promote and export carry everything a version carries: content, settings, fixtures and its context schema', async () => {
      const url = await backend.freshUrl();
      const folder = carryingFolder('epic context');
      assert.equal((await run(['publish', folder, ...(await as(url, 'ann')).flags])).code, 0);
      const source = await carried(url, WSJF);
      assert.equal(source.contextSchema?.fileName, 'context.epic.schema.json', 'the version stores the schema its checks ran against');
      assert.match(source.contextSchema?.text ?? '', /"title": "epic context"/);
      assert.deepEqual(source.settings, { name: WSJF, category: 'epic', description: 'Decides whether an epic can be prioritised on its own, from WSJF score, business value and job size.', threshold: 0.8 });

      // promote: the target's version is the source's, field by field.
      const target = await backend.freshUrl();
      const promoter = await as(target, 'bob');
      const promoted = await run(['promote', WSJF, '--from', url, '--to', promoter.flags[1]!, ...promoter.flags.slice(2)]);
      assert.equal(promoted.code, 0, promoted.stderr);
      assertSameVersion(await carried(target, WSJF), source, 'promoted');

      // export, then publish the folder into a third store: the same again.
      const out = join(dir, `carried-export-${name}`);
      const exported = await run(['export', '--store', url, '--out', out]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, /^context schemas: wrote context\.epic\.schema\.json\n/);
      const copy = await backend.freshUrl();
      assert.equal((await run(['publish', out, ...(await as(copy, 'ann')).flags])).code, 0);
      for (const rule of [WSJF, 'epic_priority']) assertSameVersion(await carried(copy, rule), await carried(url, rule), `exported ${rule}`);
    });

    test('export: a rule whose context schema differs from the others goes in a folder of its own, and publishes back the same', async () => {
      const url = await backend.freshUrl();
      assert.equal((await run(['publish', carryingFolder('old schema'), ...(await as(url, 'ann')).flags])).code, 0);
      // Two new rules are published later, against a newer epic schema: two rules carry each text.
      const newer = carryingFolder('new schema');
      rmSync(join(newer, `${WSJF}.lua`));
      rmSync(join(newer, `${WSJF}.fixtures.json`));
      rmSync(join(newer, 'epic_priority.rule.json'));
      for (const n of ['a_rule', 'b_rule']) writeFileSync(join(newer, `${n}.lua`), `---@category epic\nreturn { decision = "autonomous", confidence = 1, reasoning = "${n}" }\n`);
      assert.equal((await run(['publish', newer, ...(await as(url, 'ann')).flags])).code, 0);
      const out = join(dir, `own-folder-${name}`);
      const exported = await run(['export', '--store', url, '--out', out]);
      assert.equal(exported.code, 0, exported.stderr);
      // Two rules carry each text: the first by name (a_rule) decides the top; the other two get folders.
      assert.match(readFileSync(join(out, 'context.epic.schema.json'), 'utf8'), /"title": "new schema"/);
      assert.match(readFileSync(join(out, WSJF, 'context.epic.schema.json'), 'utf8'), /"title": "old schema"/);
      assert.equal(existsSync(join(out, WSJF, `${WSJF}.lua`)), true);
      assert.equal(existsSync(join(out, `${WSJF}.lua`)), false);
      assert.match(exported.stdout, new RegExp(`${WSJF} v1: wrote .* \\(in ${WSJF}/: its context schema differs from the one at the top\\)`));
      const copy = await backend.freshUrl();
      const published = await run(['publish', out, ...(await as(copy, 'ann')).flags]);
      assert.equal(published.code, 0, published.stderr);
      for (const rule of [WSJF, 'epic_priority', 'a_rule', 'b_rule']) assertSameVersion(await carried(copy, rule), await carried(url, rule), rule);
      // Exporting again changes nothing.
      assert.match((await run(['export', '--store', url, '--out', out])).stdout, /\(0 files written\)/);

      // A schema left in a rule's folder would win over its own (the nearest one does): a conflict, removed with --force.
      writeFileSync(join(out, WSJF, 'context.schema.json'), '{"title": "stale"}');
      const stale = await run(['export', '--store', url, '--out', out]);
      assert.equal(stale.code, 1);
      assert.match(stale.stderr, new RegExp(`${WSJF}/context\\.schema\\.json differs from the store`));
      assert.equal((await run(['export', '--store', url, '--out', out, '--force'])).code, 0);
      assert.equal(existsSync(join(out, WSJF, 'context.schema.json')), false);

      // A file where a rule's folder must go is in the way: a conflict, replaced with --force.
      const blocked = join(dir, `blocked-${name}`);
      mkdirSync(blocked);
      writeFileSync(join(blocked, WSJF), 'not a folder');
      const refused = await run(['export', '--store', url, '--out', blocked]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`blocked-\\w+/${WSJF} differs from the store`));
      const forced = await run(['export', '--store', url, '--out', blocked, '--force']);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(existsSync(join(blocked, WSJF, `${WSJF}.lua`)), true);
    });

    test('settings a Lua header does not say (stored through the API) are refused by promote and export, never dropped', async () => {
      const url = await backend.freshUrl();
      const store = backend.open(url);
      try {
        // The header says category epic only; the stored settings add a threshold.
        await store.publish(luaRule('api_rule', 'v1', { threshold: 0.4 }), { author: (await as(url, 'ann')).name });
      } finally {
        await store.close();
      }
      const target = await backend.freshUrl();
      const promoter = await as(target, 'bob');
      const promoted = await run(['promote', 'api_rule', '--from', url, '--to', promoter.flags[1]!, ...promoter.flags.slice(2)]);
      assert.equal(promoted.code, 1, promoted.stderr);
      assert.match(promoted.stderr, /version 1 of "api_rule" does not read back as itself from its files \(settings \(not all in the Lua header\) would differ in the target\); nothing promoted/);
      const out = join(dir, `unfaithful-${name}`);
      const exported = await run(['export', '--store', url, '--out', out]);
      assert.equal(exported.code, 1);
      assert.equal(exported.stderr, 'lua-rules export: api_rule v1: the files cannot carry its settings (not all in the Lua header)\nlua-rules export: nothing written: 1 rule would not publish back as stored\n');
      assert.equal(existsSync(out), false, 'nothing written');
    });

    test('a stored schema name that is not a plain context schema file name is refused by promote and export: nothing written outside', async () => {
      const url = await backend.freshUrl();
      const store = backend.open(url);
      try {
        await store.publish(luaRule('crafted'), { author: (await as(url, 'ann')).name, contextSchema: { fileName: '../../escaped.schema.json', text: '{}' } });
      } finally {
        await store.close();
      }
      const target = await backend.freshUrl();
      const promoter = await as(target, 'bob');
      const promoted = await run(['promote', 'crafted', '--from', url, '--to', promoter.flags[1]!, ...promoter.flags.slice(2)]);
      assert.equal(promoted.code, 1, promoted.stderr);
      assert.match(promoted.stderr, /version 1 of "crafted": rule "crafted" carries a context schema named "\.\.\/\.\.\/escaped\.schema\.json", which is not a context schema file name; not written/);
      const out = join(dir, `crafted-${name}`, 'deep');
      const exported = await run(['export', '--store', url, '--out', out]);
      assert.equal(exported.code, 1);
      assert.match(exported.stderr, /crafted v1: rule "crafted" carries a context schema named .*; not written\nlua-rules export: nothing written/);
      assert.equal(existsSync(join(dir, 'escaped.schema.json')) || existsSync(join(dir, `crafted-${name}`, 'escaped.schema.json')), false);
    });

    test('a rollback, and a promoted shadow, carry the context schema and fixtures too', async () => {
      const url = await backend.freshUrl();
      const author = await as(url, 'ann');
      assert.equal((await run(['publish', carryingFolder('epic context'), ...author.flags])).code, 0);
      const first = await carried(url, WSJF);
      const store = backend.open(url);
      try {
        await store.publish(luaRule(WSJF, 'plain'), { author: author.name });
        const back = await store.rollback(WSJF, 1, { author: author.name });
        assertSameVersion(carriedOf(back.version), first, 'rollback as returned');
        assertSameVersion(carriedOf(await store.version(WSJF, 3)), first, 'rollback as read');
      } finally {
        await store.close();
      }
      // A shadow of the original files, promoted: the version keeps the shadow's fixtures and schema.
      const shadowFolder = carryingFolder('epic context');
      writeFileSync(join(shadowFolder, `${WSJF}.lua`), readFileSync(join(shadowFolder, `${WSJF}.lua`), 'utf8') + '-- shadowed\n');
      assert.equal((await run(['publish', join(shadowFolder, `${WSJF}.lua`), '--shadow', ...author.flags])).code, 0);
      const promoted = await run(['shadow', WSJF, '--promote', ...author.flags]);
      assert.equal(promoted.code, 0, promoted.stderr);
      const v = await carried(url, WSJF);
      assert.equal(v.fixtures, first.fixtures);
      assert.deepEqual(v.contextSchema, first.contextSchema);
    });

    test('every field of a stored version is classified as carried or the store\'s own history', async () => {
      const url = await publishedStore();
      const store = backend.open(url);
      try {
        for (const v of [await store.version(WSJF, 1), ...(await store.history(WSJF))]) {
          for (const key of Object.keys(v)) assert.ok(key in VERSION_FIELDS, `RuleVersionRecord.${key} is listed in VERSION_FIELDS (store/src/version-carries.ts)`);
        }
      } finally {
        await store.close();
      }
    });

    test('bad input on every new flag: exit 2 and one line', async () => {
      const url = await publishedStore();
      const file = join(dir, 'a-file');
      writeFileSync(file, 'x');
      const cases: [string[], RegExp][] = [
        [['disable', WSJF, '--store', url], /^lua-rules: disable: --message TEXT is required: say why/],
        [['disable', WSJF, '--store', url, '--message', '  '], /--message TEXT is required/],
        [['disable', WSJF, '--store', url, '--message'], /flag '--message' needs a value/],
        [['disable', '--store', url, '--message', 'x'], /disable: which rule\?/],
        [['disable', WSJF, 'other', '--store', url, '--message', 'x'], /one rule at a time/],
        [['disable', 'nope', '--store', url, '--message', 'x'], /^lua-rules disable: unknown rule "nope" in the store$/],
        [['disable', WSJF, '--message', 'x'], /no store; pass --store/],
        [['disable', WSJF, '--store', url, '--mesage', 'x'], /unknown flag '--mesage'.*--message/],
        [['enable', 'nope', '--store', url], /^lua-rules enable: unknown rule "nope" in the store$/],
        [['enable', WSJF, '--store', 'mysql://x'], /enable: .*scheme/],
        [['export', '--store', url], /export: --out DIR is required/],
        [['export', '--store', url, '--out', file], /export: --out a-file is a file, not a folder/],
        [['export', 'extra', '--store', url, '--out', 'x'], /export: unexpected 'extra'/],
        [['export', '--out', 'x', '--store', 'sqlite:'], /export: /],
        [['promote', WSJF, '--to', url], /promote: --from URL \(the source store\) is required/],
        [['promote', WSJF, '--from', url], /promote: --to URL \(the target store\) is required/],
        [['promote', '--from', url, '--to', 'sqlite:x.db'], /promote: which rule\?/],
        [['promote', WSJF, '--from', url, '--to', url], /promote: --from and --to are the same store/],
        [['promote', WSJF, '--from', url, '--to', 'sqlite:t.db', '--version', '0'], /--version must be a version number >= 1, got '0'/],
        [['promote', WSJF, '--from', url, '--to', 'sqlite:t.db', '--version', 'two'], /--version must be a version number >= 1, got 'two'/],
        [['promote', 'nope', '--from', url, '--to', 'sqlite:t.db'], /promote: unknown rule "nope" in the source store/],
        [['promote', WSJF, '--from', url, '--to', 'sqlite:t.db', '--version', '7'], /has no version 7 \(latest is 1\) in the source store/],
        [['promote', WSJF, '--from', 'sqlite:missing.db', '--to', 'sqlite:t.db'], /promote: no store at/],
        [['promote', WSJF, '--from', 'mysql://x/db', '--to', 'sqlite:t.db'], /promote: --from: unknown store URL scheme/],
        [['promote', 'nope', '--from', url, '--to', 'mysql://x/db'], /promote: --to: unknown store URL scheme/],
        [['promote', WSJF, '--from', url, '--to', 'sqlite:t.db', '--version'], /flag '--version' needs a value/],
        [['enable', WSJF, '--store', url, '--message'], /flag '--message' needs a value/],
        [['export', '--store', url, '--out', 'x', '--force=yes'], /flag '--force' does not take a value/],
      ];
      for (const [argv, expected] of cases) {
        const out = await run(argv);
        assert.equal(out.code, 2, `${argv.join(' ')}: ${out.stderr}`);
        assert.match(out.stderr.trimEnd(), expected, argv.join(' '));
        assert.equal(out.stderr.trim().split('\n').length, 1, `${argv.join(' ')}: one line: ${out.stderr}`);
      }
      assert.equal(existsSync(join(dir, 't.db')), false, 'no target store was created by a refused promotion');
    });
  });
}

lifecycleSuite('sqlite', async () => sqliteBackend());
lifecycleSuite('postgres', async () => postgresBackend(await startPostgres()));

/** A Lua rule whose header asks for one approval (the header is what a version's files carry). */
function guarded(tag: string) {
  const rule = luaRule('guarded', tag, { consensus: 1 });
  return { ...rule, source: rule.source.replace('---@category epic\n', '---@category epic\n---@consensus 1\n') };
}

describe('promotion between SQLite and PostgreSQL', { skip: POSTGRES_SKIPPED }, () => {
  let sqlite: Backend;
  let postgres: Backend;
  before(async () => {
    sqlite = sqliteBackend();
    postgres = postgresBackend(await startPostgres());
  });
  after(async () => {
    await sqlite?.close();
    await postgres?.close();
  });

  test('SQLite → PostgreSQL: the target gate runs the stored fixtures again and the evidence says where it came from', async () => {
    const from = await sqlite.freshUrl();
    const to = await postgres.freshUrl();
    assert.equal((await run(['publish', 'rules', '--store', from, '--author', 'ann'])).code, 0);
    const source = (await historyJson(from, WSJF)).versions[0]!;
    // On PostgreSQL the author is who logs in: rita promotes with her own login.
    const rita = await createLogins(to, { rita: ['lua_rules_author'] });
    const out = await run(['promote', WSJF, '--from', from, '--to', rita.url('rita')]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^published epic_wsjf_validation version 1 \(live\) in postgres:\/\/.* from version 1 of sqlite:/);
    const promoted = (await historyJson(to, WSJF)).versions[0]!;
    assert.equal(promoted.checksum, source.checksum);
    assert.equal(promoted.fixtures, source.fixtures);
    assert.equal(promoted.author, rita.name('rita'));
    assert.match(promoted.message ?? '', /^promoted from sqlite:.* version 1$/);
    assert.equal(promoted.evidence?.gate, 'passed');
    assert.ok((promoted.evidence?.fixtures.length ?? 0) > 0, 'the stored fixtures ran again in the target gate');
    assert.deepEqual({ ...promoted.evidence?.promotedFrom, at: undefined }, { store: `sqlite:${from.slice('sqlite:'.length)}`, rule: WSJF, version: 1, checksum: source.checksum, at: undefined });
    const again = await run(['promote', WSJF, '--from', from, '--to', to, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { created: boolean }).created, false);
  });

  test('a consensus rule arrives pending in the target; PostgreSQL → SQLite with --version works too', async () => {
    const from = await postgres.freshUrl();
    const to = await sqlite.freshUrl();
    const store = postgres.open(from);
    try {
      await store.publish(guarded('one'), { author: 'ann' });
      await store.approve('guarded', 1, 'bob');
      await store.publish(guarded('two'), { author: 'ann' });
    } finally {
      await store.close();
    }
    const live = await run(['promote', 'guarded', '--from', from, '--to', to, '--json']);
    assert.equal(live.code, 0, live.stderr);
    assert.deepEqual(JSON.parse(live.stdout), {
      rule: 'guarded',
      from: { store: JSON.parse(live.stdout).from.store, version: 1, checksum: JSON.parse(live.stdout).from.checksum },
      version: 1,
      created: true,
      state: 'pending',
      approvalsMissing: 1,
    });
    const password = new URL(from).password;
    assert.ok(password.length > 0, 'the harness URL has a password to hide');
    assert.match(JSON.parse(live.stdout).from.store as string, /^postgres:\/\/postgres:\*\*\*@/);
    assert.ok(!live.stdout.includes(password) && !(await run(['history', 'guarded', '--store', to, '--json'])).stdout.includes(password), 'no password in the recorded source');
    const pending = await run(['promote', 'guarded', '--from', from, '--to', to, '--version', '2']);
    assert.equal(pending.code, 0, pending.stderr);
    assert.match(pending.stdout, /published guarded version 2 \(pending: 1 more approval needed\)/);
    const target = (await historyJson(to, 'guarded')).versions;
    assert.deepEqual(target.map((v) => [v.number, v.state, v.evidence?.promotedFrom?.version]), [
      [2, 'pending', 2],
      [1, 'superseded', 1],
    ]);
  });

  test('a version whose stored fixtures fail is refused by the target gate; nothing is written', async () => {
    const from = await sqlite.freshUrl();
    const to = await postgres.freshUrl();
    const store = sqlite.open(from);
    const failing = JSON.stringify({ fixtures: [{ name: 'wants-escalated', context: {}, expect: { decision: 'escalated' } }] }, null, 2);
    try {
      // Published without a gate (a program using the store API), so its fixtures never ran.
      await store.publish(luaRule('ungated'), { author: 'ann', fixtures: failing });
    } finally {
      await store.close();
    }
    const out = await run(['promote', 'ungated', '--from', from, '--to', to]);
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /ungated not published: 1 failing fixture/);
    assert.match(out.stderr, /fixture "wants-escalated" failed/);
    assert.match(out.stderr, /nothing promoted: version 1 of ungated failed the gate of the target\n$/);
    const history = await run(['history', 'ungated', '--store', to]);
    assert.equal(history.code, 2);
    assert.match(history.stderr, /unknown rule "ungated"/);
  });

  test('a rule with only pending versions needs --version', async () => {
    const from = await sqlite.freshUrl();
    const store = sqlite.open(from);
    try {
      await store.publish(luaRule('waiting', 'one', { consensus: 2 }), { author: 'ann' });
    } finally {
      await store.close();
    }
    const out = await run(['promote', 'waiting', '--from', from, '--to', await postgres.freshUrl()]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /^lua-rules: promote: rule "waiting" has no live version in sqlite:.* \(only pending ones\); pass --version N to promote one of them\n$/);
  });
});
