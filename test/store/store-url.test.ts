import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreUrlError, parseStoreUrl, redactSecret, redactStoreUrl } from '../../store/src/store-url';

test('sqlite URLs: relative, absolute, file-style and in-memory', () => {
  assert.deepEqual(parseStoreUrl('sqlite:rules.db', '/work'), { kind: 'sqlite', path: '/work/rules.db', display: 'sqlite:/work/rules.db' });
  assert.equal(parseStoreUrl('sqlite:./a/b.db', '/w').kind === 'sqlite' && parseStoreUrl('sqlite:./a/b.db', '/w').display, 'sqlite:/w/a/b.db');
  assert.equal((parseStoreUrl('sqlite:/abs/x.db') as { path: string }).path, '/abs/x.db');
  assert.equal((parseStoreUrl('sqlite:///abs/x.db') as { path: string }).path, '/abs/x.db');
  assert.equal((parseStoreUrl('sqlite::memory:') as { path: string }).path, ':memory:');
});

test('postgres URLs keep the password for the driver and show it redacted', () => {
  const loc = parseStoreUrl('postgres://ann:s3cr%40t@db.example:5432/rules');
  assert.equal(loc.kind, 'postgres');
  if (loc.kind !== 'postgres') return;
  assert.equal(loc.password, 's3cr@t');
  assert.equal(loc.display, 'postgres://ann:***@db.example:5432/rules');
  assert.equal(parseStoreUrl('postgresql://h/db').kind, 'postgres');
  assert.equal((parseStoreUrl('postgres://u:50%zz@h/db') as { password: string }).password, '50%zz');
  assert.equal(parseStoreUrl('postgres:///db?host=/var/run/postgresql').kind, 'postgres');
});

test('bad URLs give one clear line without the password', () => {
  const cases: [string, RegExp][] = [
    ['', /empty store URL/],
    ['sqlite:', /empty path/],
    ['mysql://u:hunter2@h/db', /unknown store URL scheme "mysql:"/],
    ['rules.db', /has no scheme/],
    ['postgres://u:hunter2@:5432/db', /has no host|not a valid PostgreSQL URL/],
    ['postgres://u:hunter2@h:99999/db', /invalid port|not a valid/],
  ];
  for (const [url, message] of cases) {
    assert.throws(
      () => parseStoreUrl(url),
      (e: unknown) => {
        assert.ok(e instanceof StoreUrlError, url);
        assert.match(e.message, message);
        assert.ok(!e.message.includes('hunter2'), `password leaked for ${url}: ${e.message}`);
        assert.ok(!e.message.includes('\n'));
        return true;
      },
    );
  }
});

test('redaction covers the authority, the query string and echoed secrets', () => {
  assert.equal(redactStoreUrl('postgres://u:p@h/db'), 'postgres://u:***@h/db');
  assert.equal(redactStoreUrl('postgres://u@h/db'), 'postgres://u@h/db');
  assert.equal(redactStoreUrl('postgres://u:p@ss:w@rd@h:5432/db'), 'postgres://u:***@h:5432/db');
  assert.equal(redactStoreUrl('postgresql://u:@h/db'), 'postgresql://u:***@h/db');
  assert.equal(redactStoreUrl('postgres://h:5432/db'), 'postgres://h:5432/db');
  assert.equal(redactStoreUrl('postgres://h/db?user=u&password=p&x=1'), 'postgres://h/db?user=u&password=***&x=1');
  assert.equal(redactSecret('failed for hunter2 and hunter2', 'hunter2'), 'failed for *** and ***');
  assert.equal(redactSecret('nothing', ''), 'nothing');
});
