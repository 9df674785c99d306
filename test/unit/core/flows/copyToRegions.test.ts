import * as assert from 'node:assert/strict';
import { copyToRegions, regionStates, RegionTarget } from '../../../../src/core/flows/copyToRegions';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { compute, useEmulator } from '../../helpers/env';

describe('Copy to Regions (emulated Rackspace regions)', () => {
  const ctx = useEmulator({ regions: ['DFW', 'ORD', 'IAD', 'LON'] });
  const target = (region: string): RegionTarget => ({
    region,
    compute: compute(ctx.emu.rackspaceComputeUrl('123456', region)),
  });
  const inRegion = (region: string) =>
    ctx.emu
      .keypairs(undefined, region)
      .map((k) => [k.name, k.public_key.split(' ').slice(0, 2).join(' ')])
      .sort();

  const ours = generateEd25519('deploy');
  const pair = { name: 'deploy', publicKey: ours.publicKey };
  const data = ours.publicKey.split(' ').slice(0, 2).join(' ');

  it('reads what each region holds: free, the same pair, another key under the name, the key under another name', async () => {
    const other = generateEd25519('other');
    await target('DFW').compute.create('deploy', { publicKey: ours.publicKey });
    await target('ORD').compute.create('deploy', { publicKey: other.publicKey });
    await target('IAD').compute.create('ci key', { publicKey: ours.publicKey });
    const states = await regionStates(['DFW', 'ORD', 'IAD', 'LON'].map(target), pair);
    assert.deepEqual(
      states.map((s) => [s.region, s.holding.kind]),
      [
        ['DFW', 'same'],
        ['ORD', 'name-taken'],
        ['IAD', 'key-elsewhere'],
        ['LON', 'free'],
      ],
    );
    const iad = states[2]?.holding;
    assert.deepEqual(iad?.kind === 'key-elsewhere' && iad.names, ['ci key']);
  });

  it('copies where the name is free, leaves a different pair of that name untouched, reports each region', async () => {
    const other = generateEd25519('other');
    await target('DFW').compute.create('deploy', { publicKey: ours.publicKey });
    await target('ORD').compute.create('deploy', { publicKey: other.publicKey });
    const before = inRegion('ORD');
    const results = await copyToRegions(['DFW', 'ORD', 'IAD'].map(target), pair);
    assert.deepEqual(
      results.map((r) => [r.region, r.outcome.kind]),
      [
        ['DFW', 'already-there'],
        ['ORD', 'name-taken'],
        ['IAD', 'copied'],
      ],
    );
    assert.deepEqual(inRegion('ORD'), before, 'the other pair in ORD is untouched');
    assert.deepEqual(inRegion('IAD'), [['deploy', data]]);
    assert.deepEqual(inRegion('DFW'), [['deploy', data]], 'no second import in DFW');
    const writes = ctx.emu.requests.filter((r) => r.method !== 'GET' && /\/(ord|dfw)\//.test(r.path));
    assert.equal(writes.length, 2, 'only the two set-up imports wrote to DFW and ORD');
  });

  it('a name taken between the look and the import (409) is reported as taken, and one failing region does not stop the others', async () => {
    ctx.emu.addFault({ method: 'POST', path: '/iad/', otherClient: { name: 'deploy' } });
    ctx.emu.addFault({ method: 'GET', path: '/lon/', status: 503, times: Infinity });
    const results = await copyToRegions(['IAD', 'LON', 'ORD'].map(target), pair);
    assert.deepEqual(
      results.map((r) => [r.region, r.outcome.kind]),
      [
        ['IAD', 'name-taken'],
        ['LON', 'failed'],
        ['ORD', 'copied'],
      ],
    );
    assert.notDeepEqual(inRegion('IAD'), [['deploy', data]], "the other client's pair stays");
  });
});
