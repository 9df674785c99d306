// Grouping servers under their key pair (one pass over the list read once per refresh).
import * as assert from 'node:assert/strict';
import { groupServersByKey, serversOfKey } from '../../../../src/core/servers/group';

interface S {
  id: string;
  keyName: string | null;
}

describe('servers grouped by key pair', () => {
  it('groups by exact key_name, keeps list order, separates servers without a key', () => {
    const servers: S[] = [
      { id: '1', keyName: 'deploy' },
      { id: '2', keyName: null },
      { id: '3', keyName: 'Deploy' },
      { id: '4', keyName: 'deploy' },
      { id: '5', keyName: 'deploy ' },
    ];
    const g = groupServersByKey(servers);
    assert.deepEqual(
      serversOfKey(g, 'deploy').map((s) => s.id),
      ['1', '4'],
    );
    assert.deepEqual(
      serversOfKey(g, 'Deploy').map((s) => s.id),
      ['3'],
    );
    assert.deepEqual(
      serversOfKey(g, 'deploy ').map((s) => s.id),
      ['5'],
    );
    assert.deepEqual(serversOfKey(g, 'other'), []);
    assert.deepEqual(
      g.withoutKey.map((s) => s.id),
      ['2'],
    );
  });

  it('key names that are Object.prototype members are ordinary keys', () => {
    const g = groupServersByKey<S>([
      { id: 'a', keyName: '__proto__' },
      { id: 'b', keyName: 'constructor' },
    ]);
    assert.deepEqual(
      serversOfKey(g, '__proto__').map((s) => s.id),
      ['a'],
    );
    assert.deepEqual(serversOfKey(g, 'toString'), []);
  });

  it('10,000 servers over 1,000 key pairs: every server in exactly one group, fast', () => {
    const servers: S[] = Array.from({ length: 10_000 }, (_v, i) => ({
      id: String(i),
      keyName: i % 11 === 0 ? null : `k${i % 1000}`,
    }));
    const started = process.hrtime.bigint();
    const g = groupServersByKey(servers);
    const lookups = Array.from({ length: 1000 }, (_v, i) => serversOfKey(g, `k${i}`).length);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(lookups.reduce((a, b) => a + b, 0) + g.withoutKey.length, 10_000);
    assert.equal(g.withoutKey.length, 910);
    assert.ok(ms < 200, `grouped and looked up in ${ms.toFixed(1)} ms`);
  });
});
