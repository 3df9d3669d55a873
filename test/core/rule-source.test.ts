import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { loadRuleFile, luaRuleFromSource } from '../../core/src/rules-folder/rule-file';
import { decodeRuleSource, firstInvalidUtf8, ruleSourceProblem } from '../../core/src/rules-folder/rule-source';

const OK = 'return { decision = "autonomous", confidence = 1, reasoning = "ok" }\n';
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('rule source: size limit and strict UTF-8', () => {
  it('finds the first invalid UTF-8 byte', () => {
    assert.equal(firstInvalidUtf8(bytes('plain ascii')), -1);
    assert.equal(firstInvalidUtf8(bytes('café ✓ 😀')), -1);
    assert.equal(firstInvalidUtf8(bytes('ab', [0xff], 'cd')), 2);
    assert.equal(firstInvalidUtf8(bytes('caf', [0xc3])), 3, 'a sequence cut at the end');
    assert.equal(firstInvalidUtf8(bytes('x', [0xc3, 0x28])), 1, 'a bad continuation byte');
    assert.equal(firstInvalidUtf8(bytes([0xc0, 0xaf])), 0, 'an overlong form');
    assert.equal(firstInvalidUtf8(bytes([0xe0, 0x80, 0xaf])), 0, 'an overlong three-byte form');
    assert.equal(firstInvalidUtf8(bytes('ok', [0xed, 0xa0, 0x80])), 2, 'a surrogate');
    assert.equal(firstInvalidUtf8(bytes([0xf4, 0x90, 0x80, 0x80])), 0, 'past U+10FFFF');
    assert.equal(firstInvalidUtf8(bytes('é', [0x80])), 2, 'a stray continuation byte');
  });

  it('refuses invalid UTF-8 with the byte offset and keeps valid text as it is', () => {
    const refused = decodeRuleSource(bytes('-- ok\nreturn "', [0xe9], '"'));
    assert.deepEqual(refused, { ok: false, error: 'invalid UTF-8 at byte 14 (0xe9): rule files must be UTF-8' });
    assert.deepEqual(decodeRuleSource(bytes('\ufeff-- é\n')), { ok: true, text: '\ufeff-- é\n' });
  });

  it('refuses a source past the size limit, in bytes', () => {
    assert.equal(ruleSourceProblem('x'.repeat(256 * 1024)), null);
    assert.match(ruleSourceProblem('x'.repeat(256 * 1024 + 1)) ?? '', /^rule source too large: 256\.0 KiB \(262,145 bytes\); the limit is 256\.0 KiB$/);
    // 100,000 'é' are 200,000 bytes: within; 150,000 are 300,000: past.
    assert.equal(ruleSourceProblem('é'.repeat(100_000)), null);
    assert.match(ruleSourceProblem('é'.repeat(150_000)) ?? '', /too large/);
    assert.match(ruleSourceProblem('x'.repeat(2000), 1000) ?? '', /the limit is 1000 bytes/);
  });

  it('every way in refuses it: rule files, sources from the editor, the executor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rule-source-'));
    const latin1 = join(dir, 'latin1.lua');
    writeFileSync(latin1, Buffer.concat([Buffer.from('-- caf'), Buffer.from([0xe9]), Buffer.from('\n' + OK)]));
    assert.deepEqual(loadRuleFile(latin1), { ok: false, errors: ['invalid UTF-8 at byte 6 (0xe9): rule files must be UTF-8'] });
    const pattern = join(dir, 'bad.rule.json');
    writeFileSync(pattern, Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff]), Buffer.from('"}')]));
    assert.deepEqual(loadRuleFile(pattern), { ok: false, errors: ['invalid UTF-8 at byte 10 (0xff): rule files must be UTF-8'] });
    const large = join(dir, 'large.lua');
    writeFileSync(large, '-- ' + 'x'.repeat(300 * 1024) + '\n' + OK);
    const loaded = loadRuleFile(large);
    assert.equal(loaded.ok, false);
    assert.match(loaded.ok ? '' : (loaded.errors[0] ?? ''), /^rule source too large: 300\.1 KiB \(307,273 bytes\)/);
    assert.equal(loadRuleFile(large, 1024 * 1024).ok, true, 'the limit is configurable');
    const fine = join(dir, 'fine.lua');
    writeFileSync(fine, '-- café\n' + OK);
    assert.equal(loadRuleFile(fine).ok, true);

    const fromEditor = luaRuleFromSource('-- ' + 'x'.repeat(300 * 1024) + '\n' + OK, 'editor.lua', 'editor');
    assert.equal(fromEditor.ok, false);

    const executor = new LuaExecutor();
    const compiled = executor.compile('-- ' + 'x'.repeat(300 * 1024) + '\n' + OK, 'big.lua');
    assert.equal(compiled.ok, false);
    assert.deepEqual(compiled.ok ? null : compiled.error.code, 'syntax-error');
    assert.equal(new LuaExecutor({ maxSourceBytes: 1024 * 1024 }).compile('-- ' + 'x'.repeat(300 * 1024) + '\n' + OK, 'big.lua').ok, true);
  });
});
