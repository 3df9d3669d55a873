import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LuaExecutor } from '../../core/src/executor/lua-executor';
import { loadRuleFile, luaRuleFromSource } from '../../core/src/rules-folder/rule-file';
import { decodeRuleSource, ruleSourceProblem } from '../../core/src/rules-folder/rule-source';

const OK = 'return { decision = "autonomous", confidence = 1, reasoning = "ok" }\n';
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('rule source: size limit and strict UTF-8', () => {
  it('refuses invalid UTF-8 with the byte offset and keeps valid text as it is', () => {
    const refused = decodeRuleSource(bytes('-- ok\nreturn "', [0xe9], '"'));
    assert.deepEqual(refused, { ok: false, error: 'not valid UTF-8: byte 14 (0-based) does not start or continue a UTF-8 character; save the file as UTF-8' });
    assert.deepEqual(decodeRuleSource(bytes('-- é\n')), { ok: true, text: '-- é\n' });
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
    assert.deepEqual(loadRuleFile(latin1), { ok: false, errors: ['not valid UTF-8: byte 6 (0-based) does not start or continue a UTF-8 character; save the file as UTF-8'] });
    const pattern = join(dir, 'bad.rule.json');
    writeFileSync(pattern, Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff]), Buffer.from('"}')]));
    assert.deepEqual(loadRuleFile(pattern), { ok: false, errors: ['not valid UTF-8: byte 10 (0-based) does not start or continue a UTF-8 character; save the file as UTF-8'] });
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
