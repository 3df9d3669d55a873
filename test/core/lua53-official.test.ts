import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runPort } from './lua53-official';
import { OFFICIAL_DIFFERENCES, PORTS } from './lua53-official-ports';
import { requireLua53 } from './lua53-oracle';

/**
 * Lua 5.3.6's official tests (strings.lua, pm.lua, math.lua, sort.lua; see
 * test/core/lua53-official/LICENSE) through our executor and through lua5.3,
 * assertion by assertion (test/core/lua53-official.ts explains the port). Every
 * difference must be listed with its documented reason; docs/lua-conformance.md
 * shows the counts.
 */
describe('Lua 5.3.6 official tests against lua5.3', () => {
  const totals = { agree: 0, differ: 0, unreached: 0, skipped: 0 };
  for (const port of PORTS) {
    it(`${port.file}: every assertion agrees with lua5.3 or differs as documented`, () => {
      requireLua53();
      const result = runPort(port);
      const counts = { agree: 0, differ: 0, unreached: 0 };
      const unexplained: string[] = [];
      const differing = new Set<string>();
      for (const site of result.sites) {
        counts[site.verdict]++;
        const line = site.site.split(':').slice(0, 2).join(':');
        if (site.verdict !== 'differ') continue;
        differing.add(line);
        if (!OFFICIAL_DIFFERENCES[line]) unexplained.push(`${site.site}\n  ours:   ${site.ours}\n  lua5.3: ${site.lua53}`);
      }
      const stale = Object.keys(OFFICIAL_DIFFERENCES).filter((line) => line.startsWith(port.file + ':') && !differing.has(line));
      totals.agree += counts.agree;
      totals.differ += counts.differ;
      totals.unreached += counts.unreached;
      totals.skipped += result.skipped;
      console.log(`${port.file}: ${counts.agree} agree, ${counts.differ} differ (documented), ${counts.unreached} reached by neither, ${result.skipped} skipped`);
      assert.deepEqual(unexplained, [], 'differences without a documented reason');
      assert.deepEqual(stale, [], 'listed as differing but now agree: remove them from OFFICIAL_DIFFERENCES and the docs');
      assert.ok(counts.agree > 30, `${port.file}: only ${counts.agree} assertions agree`);
    });
  }
  it('totals', () => {
    console.log(`official tests: ${totals.agree} agree, ${totals.differ} differ (documented), ${totals.unreached} reached by neither, ${totals.skipped} skipped`);
  });
});
