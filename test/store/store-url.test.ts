import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreUrlError, mergeStorePassword, parseStoreUrl, redactSecret, redactStoreUrl, splitStorePassword } from '../../store/src/store-url';

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

test('one owner of passwords: user info and ?password= are both read, split off and never doubled', () => {
  // The driver gets the password whichever way the URL carries it (pg reads ?password= too).
  const inQuery = parseStoreUrl('postgres://ann@db/rules?password=q%40uery');
  assert.equal(inQuery.kind === 'postgres' && inQuery.password, 'q@uery');
  // The extension moves either form to SecretStorage; the URL keeps everything else.
  assert.deepEqual(splitStorePassword('postgres://ann:s3cr%40t@db:5432/rules'), { url: 'postgres://ann@db:5432/rules', password: 's3cr@t' });
  assert.deepEqual(splitStorePassword('postgres://ann@db/rules?password=q%40uery&sslmode=require'), { url: 'postgres://ann@db/rules?sslmode=require', password: 'q@uery' });
  assert.deepEqual(splitStorePassword('postgres://ann@db/rules'), { url: 'postgres://ann@db/rules', password: undefined });
  assert.deepEqual(splitStorePassword('sqlite:rules.db'), { url: 'sqlite:rules.db', password: undefined });
  assert.deepEqual(splitStorePassword('postgres://ann:x@[bad/rules'), { url: 'postgres://ann:x@[bad/rules', password: undefined });
  // A SecretStorage password joins a URL that has none, and never one that has its own.
  assert.equal(mergeStorePassword('postgres://ann@db/rules', 'p@ss'), 'postgres://ann:p%40ss@db/rules');
  assert.equal(mergeStorePassword('postgres://ann@db/rules?password=own', 'other'), 'postgres://ann@db/rules?password=own');
  assert.equal(mergeStorePassword('postgres://ann:own@db/rules', 'other'), 'postgres://ann:own@db/rules');
  // What was split off comes back: the round trip opens the same database as the user.
  const split = splitStorePassword('postgres://ann@db/rules?password=q%40uery');
  assert.equal(parseStoreUrl(mergeStorePassword(split.url, split.password)).kind === 'postgres' && (parseStoreUrl(mergeStorePassword(split.url, split.password)) as { password: string }).password, 'q@uery');
});
