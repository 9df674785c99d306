import * as assert from 'node:assert/strict';
import { copyToRegions, readOtherRegions, regionStates, RegionTarget } from '../../../../src/core/flows/copyToRegions';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { compute, useEmulator } from '../../helpers/env';
import { keyData, useRackspaceRegions } from '../../helpers/regions';

describe('Copy to Regions (emulated Rackspace regions)', () => {
  const { ctx, target, inRegion } = useRackspaceRegions();

  const ours = generateEd25519('deploy');
  const pair = { name: 'deploy', publicKey: ours.publicKey };
  const data = keyData(ours.publicKey);

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

describe('Other regions: where each pair also is (emulated Rackspace regions)', () => {
  const ctx = useEmulator({ regions: ['DFW', 'ORD', 'IAD', 'LON', 'SYD'] });
  const target = (region: string): RegionTarget => ({
    region,
    compute: compute(ctx.emu.rackspaceComputeUrl('123456', region)),
  });
  const others = ['ORD', 'IAD', 'LON', 'SYD'];

  it('marks each pair of this region by public key and by name, and names the region that could not be read', async () => {
    const deploy = generateEd25519('deploy');
    const ci = generateEd25519('ci');
    const lonely = generateEd25519('lonely');
    const dfw = target('DFW').compute;
    await dfw.create('deploy', { publicKey: deploy.publicKey });
    await dfw.create('ci', { publicKey: ci.publicKey });
    await dfw.create('lonely', { publicKey: lonely.publicKey });
    // ORD: the same pair, and a different key named "ci".
    await target('ORD').compute.create('deploy', { publicKey: deploy.publicKey });
    const otherCi = await target('ORD').compute.create('ci', { publicKey: generateEd25519('x').publicKey });
    // IAD: deploy's key under another name (and under its own).
    await target('IAD').compute.create('deploy-copy', { publicKey: deploy.publicKey });
    await target('IAD').compute.create('deploy', { publicKey: deploy.publicKey });
    // LON: answers 503 to every read.
    ctx.emu.addFault({ method: 'GET', path: '/lon/', status: 503, times: Infinity });

    const here = await dfw.listAll();
    const before = ctx.emu.requests.length;
    const regions = await readOtherRegions(others.map(target));
    const marks = Object.fromEntries(here.map((p) => [p.name, regions.of(p)]));

    assert.deepEqual(regions.regions, ['ORD', 'IAD', 'SYD']);
    assert.deepEqual(
      regions.failed.map((f) => f.region),
      ['LON'],
    );
    assert.deepEqual(marks.deploy, {
      sameKey: [
        { region: 'ORD', names: ['deploy'] },
        { region: 'IAD', names: ['deploy', 'deploy-copy'] },
      ],
      sameNameOtherKey: [],
      unread: ['LON'],
    });
    assert.deepEqual(marks.ci, {
      sameKey: [],
      sameNameOtherKey: [{ region: 'ORD', fingerprint: otherCi.fingerprint }],
      unread: ['LON'],
    });
    assert.deepEqual(marks.lonely, { sameKey: [], sameNameOtherKey: [], unread: ['LON'] });
    const sent = ctx.emu.requests.slice(before);
    assert.deepEqual(
      sent.filter((r) => r.method !== 'GET'),
      [],
      'nothing written',
    );
    const reads = sent.filter((r) => r.path.includes('/os-keypairs')).map((r) => r.path.split('?')[0]);
    assert.deepEqual(
      [...new Set(reads)].sort(),
      others.map((r) => `/${r.toLowerCase()}/v2/123456/os-keypairs`).sort(),
      'the key pairs of each other region, not of the current one',
    );
  });

  it('a copy recorded updates the marks without reading again; a name taken stays a different key', async () => {
    const deploy = generateEd25519('deploy');
    const pair = { name: 'deploy', publicKey: deploy.publicKey };
    await target('IAD').compute.create('deploy', { publicKey: generateEd25519('other').publicKey });
    const regions = await readOtherRegions(['ORD', 'IAD'].map(target));
    assert.deepEqual(regions.of(pair).sameKey, []);

    const results = await copyToRegions(['ORD', 'IAD'].map(target), pair);
    const before = ctx.emu.requests.length;
    regions.recordCopy(pair, results);
    const after = regions.of(pair);
    assert.deepEqual(after.sameKey, [{ region: 'ORD', names: ['deploy'] }]);
    assert.deepEqual(
      after.sameNameOtherKey.map((m) => m.region),
      ['IAD'],
    );
    assert.equal(ctx.emu.requests.length, before, 'no request to update the marks');
    // What a new read finds is what the recorded copy says.
    assert.deepEqual((await readOtherRegions(['ORD', 'IAD'].map(target))).of(pair), after);
  });
});
