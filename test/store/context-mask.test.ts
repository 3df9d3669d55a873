/** Mask paths (issue 13): what `serve --mask` accepts and what it removes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MaskPathError, maskContext, parseMaskPaths } from '../../store/src';

test('bad mask paths are refused with one line each', () => {
  for (const bad of ['', '  ', '.a', 'a.', 'a..b', 'a. .b', 'a\nb', '\u0000']) {
    assert.throws(() => parseMaskPaths([bad]), (e: Error) => e instanceof MaskPathError && !e.message.includes('\n') && e.message.includes('--mask'), JSON.stringify(bad));
  }
  assert.deepEqual(parseMaskPaths(['owner.email', 'a b', 'x-y.$z']), [['owner', 'email'], ['a b'], ['x-y', '$z']]);
});

test('a path removes its field, through objects and every element of arrays on the way', () => {
  const masks = parseMaskPaths(['owner.email', 'lines.item.sku', 'gone']);
  const context = { owner: { email: 'x', name: 'n' }, lines: [{ item: { sku: 1, q: 2 } }, { item: [{ sku: 3 }, { other: 4 }] }, 5, null], gone: { deep: true }, keep: [1, 2] };
  assert.deepEqual(maskContext(context, masks), { owner: { name: 'n' }, lines: [{ item: { q: 2 } }, { item: [{}, { other: 4 }] }, 5, null], keep: [1, 2] });
  assert.deepEqual(context.owner, { email: 'x', name: 'n' }, 'the input is not changed');
});

test('what no mask touches is returned as is (no copy); missing paths and scalars are fine', () => {
  const context = { a: { b: 1 }, list: [{ c: 1 }] };
  assert.equal(maskContext(context, parseMaskPaths(['a.x', 'list.z', 'none.deeper'])), context);
  assert.equal(maskContext(null, parseMaskPaths(['a'])), null);
  assert.equal(maskContext('text', parseMaskPaths(['a'])), 'text');
  assert.deepEqual(maskContext({ a: 'scalar' }, parseMaskPaths(['a.b'])), { a: 'scalar' });
});

test('keys that are object internals are plain keys', () => {
  const context = JSON.parse('{"__proto__": {"secret": 1, "ok": 2}, "constructor": {"secret": 3}}') as Record<string, unknown>;
  const masked = maskContext(context, parseMaskPaths(['__proto__.secret', 'constructor.secret'])) as Record<string, unknown>;
  assert.equal(JSON.stringify(masked), '{"__proto__":{"ok":2},"constructor":{}}');
  assert.equal(({} as Record<string, unknown>)['secret'], undefined, 'no prototype was touched');
});
