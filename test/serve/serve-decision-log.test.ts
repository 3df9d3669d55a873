/**
 * `serve`'s decision log flags end to end (issue 13): contexts captured with masks
 * through a real `serve` process (its log thread), the JSON-lines sink, the per-rule
 * bound enforced in the background, /metrics counting written and pruned, and every
 * bad flag refused with exit 2 and one line before anything starts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REPO } from '../cli/cli-harness';
import { eventually } from '../store/store-helpers';
import { post, startServe, type ServeProcess } from './serve-process';

const SECRET = 'carol.secret-91@example.com';
const body = (n: number): string => JSON.stringify({ epic_id: `epic-${n}`, owner: { email: SECRET, team: 'visible-team' }, metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });

function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}

describe('serve: the decision log captures masked contexts, bounded, with a JSON-lines sink', () => {
  let dir = '';
  let serve: ServeProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-log-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    serve = await startServe(
      ['--seed', 'rules', '--log-level', 'warn', '--mask', 'owner.email', '--decision-log-jsonl', 'decisions.jsonl', '--decision-log-contexts-per-rule', '2', '--decision-log-prune-every', '200ms'],
      { cwd: dir },
    );
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs every decision with its masked context, prunes beyond the bound, counts it all on /metrics', async () => {
    for (let n = 0; n < 5; n++) assert.equal((await post(`${serve.base}/v1/evaluate/epic`, body(n), { 'x-correlation-id': `order-${n}` })).status, 200);
    // 5 requests x 2 epic rules = 10 decisions; each rule keeps 2 contexts: 6 pruned.
    let text = '';
    await eventually(async () => {
      text = await (await fetch(`${serve.base}/metrics`)).text();
      return metric(text, 'lua_rules_decision_log_records_total{outcome="written",sink="store"}') === 10 && metric(text, 'lua_rules_decision_log_contexts_pruned_total') === 6;
    }, 'written 10 and 6 contexts pruned on /metrics');
    assert.equal(metric(text, 'lua_rules_decision_log_records_total{outcome="written",sink="jsonl"}'), 10);
    assert.equal(metric(text, 'lua_rules_decision_log_records_total{outcome="dropped",sink="store"}'), 0);
    assert.equal(metric(text, 'lua_rules_decision_log_records_total{outcome="pruned",sink="store"}'), 0);

    const lines = readFileSync(join(dir, 'decisions.jsonl'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 10);
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), ['at', 'rule', 'version', 'category', 'decision', 'confidence', 'errorCode', 'durationMs', 'correlationId', 'engine', 'context']);
    assert.deepEqual(first['context'], { epic_id: 'epic-0', owner: { team: 'visible-team' }, metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } });
    assert.equal(first['correlationId'], 'order-0');

    const out = await cli(['decisions', '--store', 'sqlite:.lua-rules/rules.db', '--category', 'epic', '--json'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    const records = out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.length, 10);
    assert.deepEqual(records.map((r) => r['correlationId']), ['order-4', 'order-4', 'order-3', 'order-3', 'order-2', 'order-2', 'order-1', 'order-1', 'order-0', 'order-0'], 'newest first');
    assert.deepEqual(records.map((r) => 'context' in r), [true, true, true, true, false, false, false, false, false, false], 'the 2 newest contexts of each rule');
    // The JSON-lines sink and `decisions --json` print the same record the same way.
    const fromSink = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['correlationId'] === 'order-4' && l['rule'] === records[0]?.['rule']);
    assert.deepEqual(fromSink, records[0]);

    const one = await cli(['decisions', '--store', 'sqlite:.lua-rules/rules.db', '--rule', 'epic_priority', '--since', '1h', '--limit', '1'], { cwd: dir });
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout.trimEnd().split('\n').length, 2, 'a header and one line');
    assert.match(one.stdout, /epic_priority +v1 +\w+ +[\d.]+ +- +order-4/);

    await serve.stop();
    const file = join(dir, '.lua-rules', 'rules.db');
    const bytes = [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('');
    assert.ok(!bytes.includes(SECRET), 'the masked value is not in the database file');
    assert.ok(bytes.includes('visible-team'), 'the unmasked value is');
    assert.ok(!readFileSync(join(dir, 'decisions.jsonl'), 'utf8').includes(SECRET));
  });
});

describe('serve: bad decision log flags are refused before anything starts', () => {
  const cases: [string[], RegExp][] = [
    [['--mask', 'owner..email'], /--mask "owner\.\.email": every part between dots must be a key/],
    [['--mask', ''], /--mask needs a dotted path/],
    [['--mask', '.a'], /--mask "\.a"/],
    [['--capture-contexts', 'maybe'], /--capture-contexts must be 'on' or 'off', got 'maybe'/],
    [['--decision-log-max-age', '7'], /--decision-log-max-age must be a duration like 90s, 30m, 12h or 7d, got '7'/],
    [['--decision-log-max-age', '0s'], /--decision-log-max-age must be from 1s to/],
    [['--decision-log-max-rows', '0'], /--decision-log-max-rows must be a whole number from 1/],
    [['--decision-log-contexts-per-rule', '-1'], /--decision-log-contexts-per-rule must be a whole number from 0/],
    [['--decision-log-contexts-per-rule', '1.5'], /--decision-log-contexts-per-rule must be a whole number/],
    [['--decision-log-prune-every', 'often'], /--decision-log-prune-every must be a duration/],
    [['--decision-log-jsonl', ''], /--decision-log-jsonl needs a file path or - for stdout/],
    [['--decision-log-jsonl', '/nonexistent-dir-h13/x.jsonl'], /cannot write --decision-log-jsonl \/nonexistent-dir-h13\/x\.jsonl: ENOENT/],
  ];
  for (const [flags, message] of cases) {
    it(flags.join(' ') || '(empty)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-badlog-'));
      try {
        const out = await cli(['serve', '--store', 'sqlite:s.db', '--port', '0', ...flags], { cwd: dir });
        assert.equal(out.code, 2, out.stderr);
        assert.match(out.stderr, message);
        assert.equal(out.stderr.trimEnd().split('\n').length, 1, out.stderr);
        assert.ok(!existsSync(join(dir, 's.db')), 'nothing was created');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('decisions: bad input is exit 2 with one line', () => {
  const cases: [string[], RegExp][] = [
    [['--since', 'yesterday'], /--since must be a duration back from now/],
    [['--since', '1y'], /--since must be a duration back from now/],
    [['--limit', '0'], /--limit must be a whole number from 1/],
    [['--limit', 'ten'], /--limit must be a whole number/],
    [['--rule', ''], /--rule needs a name/],
    [['extra'], /unexpected argument 'extra'/],
    [['--store', 'mysql://x/y'], /unknown store URL scheme/],
    [['--store', 'sqlite:missing/nothing.db'], /no store at sqlite:.*the file does not exist/],
    [['--rule', 'nope'], /unknown rule "nope"/],
  ];
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-decisions-bad-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    const published = await cli(['publish', 'rules', '--store', 'sqlite:s.db'], { cwd: dir });
    assert.equal(published.code, 0, published.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [flags, message] of cases) {
    it(flags.join(' '), async () => {
      const out = await cli(['decisions', '--store', 'sqlite:s.db', ...flags], { cwd: dir });
      assert.equal(out.code, 2, out.stderr);
      assert.match(out.stderr, message);
      assert.equal(out.stderr.trimEnd().split('\n').length, 1, out.stderr);
      assert.equal(out.stdout, '');
    });
  }
  it('an empty log is exit 0 with a line saying so', async () => {
    const out = await cli(['decisions', '--store', 'sqlite:s.db'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^no decisions match/);
  });
});

describe('serve without masks: the request body is the context as logged (issue 16)', () => {
  let dir = '';
  let serve: ServeProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lua-rules-serve-raw-'));
    cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
    serve = await startServe(['--seed', 'rules', '--log-level', 'warn', '--decision-log-jsonl', 'decisions.jsonl'], { cwd: dir });
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a one-line body as it came, serializes a pretty-printed one again: one JSON line per decision either way', async () => {
    const context = { epic_id: 'epic-raw', note: 'a\u2028b "q" \\', metrics: { wsjf_score: 60, business_value: 80, job_size: 30 } };
    const spaced = ` { "epic_id" : "epic-raw", "note": ${JSON.stringify(context.note)}, "metrics": {"wsjf_score": 60, "business_value": 80, "job_size": 30} } `;
    assert.equal((await post(`${serve.base}/v1/evaluate/epic`, spaced, { 'x-correlation-id': 'raw-1' })).status, 200);
    assert.equal((await post(`${serve.base}/v1/rules/epic_priority/evaluate`, JSON.stringify(context, null, 2), { 'x-correlation-id': 'pretty-1' })).status, 200);
    await eventually(async () => existsSync(join(dir, 'decisions.jsonl')) && readFileSync(join(dir, 'decisions.jsonl'), 'utf8').trimEnd().split('\n').length === 3, 'three JSON lines');
    const lines = readFileSync(join(dir, 'decisions.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l['correlationId']), ['raw-1', 'raw-1', 'pretty-1']);
    for (const line of lines) assert.deepEqual(line['context'], context);
    const out = await cli(['decisions', '--store', 'sqlite:.lua-rules/rules.db', '--json'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr);
    const records = out.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.length, 3);
    for (const record of records) assert.deepEqual(record['context'], context);
  });
});
