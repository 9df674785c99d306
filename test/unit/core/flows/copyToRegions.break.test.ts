import * as assert from 'node:assert/strict';
import { copyToRegions, otherComputeRegions, readOtherRegions } from '../../../../src/core/flows/copyToRegions';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { compute, useEmulator } from '../../helpers/env';
import { keyData, useRackspaceRegions } from '../../helpers/regions';

describe('Copy to Regions, broken on purpose (emulated Rackspace regions)', () => {
  const { ctx, target, inRegion } = useRackspaceRegions();
  const ours = generateEd25519('deploy');
  const pair = { name: 'deploy', publicKey: ours.publicKey };
  const data = keyData(ours.publicKey);

  it('a 409 because another window copied this very key meanwhile is "already there", not "another key pair"', async () => {
    ctx.emu.addFault({ method: 'POST', path: '/iad/', otherClient: { name: 'deploy', publicKey: ours.publicKey } });
    const results = await copyToRegions(['IAD'].map(target), pair);
    assert.deepEqual(
      results.map((r) => [r.region, r.outcome.kind]),
      [['IAD', 'already-there']],
    );
    assert.deepEqual(inRegion('IAD'), [['deploy', data]]);
  });

  it('after a 409 by another key, the marks name that key as another key (its fingerprint read)', async () => {
    const theirs = generateEd25519('theirs');
    ctx.emu.addFault({ method: 'POST', path: '/iad/', otherClient: { name: 'deploy', publicKey: theirs.publicKey } });
    const regions = await readOtherRegions(['IAD'].map(target));
    const results = await copyToRegions(['IAD'].map(target), pair);
    assert.equal(results[0]?.outcome.kind, 'name-taken');
    regions.recordCopy(pair, results);
    const marks = regions.of(pair);
    assert.deepEqual(marks.sameKey, []);
    assert.equal(marks.sameNameOtherKey.length, 1);
    assert.notEqual(marks.sameNameOtherKey[0]?.fingerprint, '', 'the fingerprint of the pair there is read and named');
  });

  it('two windows copying at once: one copies, the other finds it there; nothing is overwritten or called taken', async () => {
    const [a, b] = await Promise.all([
      copyToRegions(['ORD', 'IAD', 'LON'].map(target), pair),
      copyToRegions(['LON', 'IAD', 'ORD'].map(target), pair),
    ]);
    const all = [...(a ?? []), ...(b ?? [])];
    for (const region of ['ORD', 'IAD', 'LON']) {
      const kinds = all
        .filter((r) => r.region === region)
        .map((r) => r.outcome.kind)
        .sort();
      assert.deepEqual(kinds, ['already-there', 'copied'], `${region}: ${kinds.join(', ')}`);
      assert.deepEqual(inRegion(region), [['deploy', data]]);
    }
  });

  it('an import whose answer is lost after the region made the pair is reported copied, not failed', async () => {
    ctx.emu.addFault({ method: 'POST', path: '/ord/', kind: 'reset-before-headers', when: 'after' });
    const results = await copyToRegions(['DFW', 'ORD', 'IAD'].map(target), pair);
    assert.deepEqual(inRegion('ORD'), [['deploy', data]], 'the pair is in ORD');
    assert.deepEqual(
      results.map((r) => [r.region, r.outcome.kind]),
      [
        ['DFW', 'copied'],
        ['ORD', 'copied'],
        ['IAD', 'copied'],
      ],
    );
  });

  it('a region that fails after the first import: the others go on, the failure is named, nothing else written', async () => {
    ctx.emu.addFault({ method: 'POST', path: '/ord/', status: 500, times: Infinity });
    const results = await copyToRegions(['DFW', 'ORD', 'IAD'].map(target), pair);
    assert.deepEqual(
      results.map((r) => [r.region, r.outcome.kind]),
      [
        ['DFW', 'copied'],
        ['ORD', 'failed'],
        ['IAD', 'copied'],
      ],
    );
    assert.deepEqual(inRegion('ORD'), []);
  });

  it('the same key under another name there: copied under our name, the other pair untouched', async () => {
    await target('IAD').compute.create('ci key', { publicKey: ours.publicKey });
    const results = await copyToRegions(['IAD'].map(target), pair);
    assert.equal(results[0]?.outcome.kind, 'copied');
    assert.deepEqual(inRegion('IAD'), [
      ['ci key', data],
      ['deploy', data],
    ]);
  });
});

describe('Copy to Regions where Nova refuses ed25519', () => {
  const ctx = useEmulator({ regions: ['DFW', 'ORD'], refuseKeyTypes: ['ssh-ed25519'] });
  it('the region is named as refusing ed25519 keys (not a bare "rejected"), nothing created', async () => {
    const ours = generateEd25519('deploy');
    const t = { region: 'ORD', compute: compute(ctx.emu.rackspaceComputeUrl('123456', 'ORD')) };
    const results = await copyToRegions([t], { name: 'deploy', publicKey: ours.publicKey });
    assert.deepEqual(results[0]?.outcome, { kind: 'key-type-refused', keyType: 'ssh-ed25519' });
    assert.deepEqual(ctx.emu.keypairs(undefined, 'ORD'), []);
  });
});

describe('Check Other Regions marks after another window deletes', () => {
  const ctx = useEmulator({ regions: ['DFW', 'ORD'] });
  it('the marks are what was read (not re-read on their own) and carry when they were read', async () => {
    const ours = generateEd25519('deploy');
    const pair = { name: 'deploy', publicKey: ours.publicKey };
    const ord = compute(ctx.emu.rackspaceComputeUrl('123456', 'ORD'));
    await ord.create('deploy', { publicKey: ours.publicKey });
    const before = Date.now();
    const regions = await readOtherRegions([{ region: 'ORD', compute: ord }]);
    const after = Date.now();
    // Another window deletes the copy in ORD.
    await ord.delete('deploy');
    assert.deepEqual(
      regions.of(pair).sameKey,
      [{ region: 'ORD', names: ['deploy'] }],
      'read when asked, not on its own',
    );
    const at = regions.readAt.getTime();
    assert.ok(at >= before - 1 && at <= after + 1, 'the read time is kept, for the view to say "checked at …"');
  });
});

describe('a catalog that lists one Compute endpoint under two region names', () => {
  const ctx = useEmulator({ regions: ['DFW', 'ORD'] });
  it('the other spelling of this region is not "another region": no pair is marked "also in dfw"', async () => {
    const dfwUrl = ctx.emu.rackspaceComputeUrl('123456', 'DFW');
    const catalog = [
      { region: 'DFW', url: dfwUrl },
      { region: 'dfw', url: `${dfwUrl}/` },
      { region: 'ORD', url: ctx.emu.rackspaceComputeUrl('123456', 'ORD') },
    ];
    const others = otherComputeRegions(catalog, 'DFW');
    assert.deepEqual(
      others.map((r) => r.region),
      ['ORD'],
    );
    const ours = generateEd25519('deploy');
    const dfw = compute(dfwUrl);
    await dfw.create('deploy', { publicKey: ours.publicKey });
    const regions = await readOtherRegions(others.map((r) => ({ region: r.region, compute: compute(r.url) })));
    assert.deepEqual(regions.of({ name: 'deploy', publicKey: ours.publicKey }).sameKey, []);
  });
});

describe('Copy to Regions of a pair whose listed public key is empty or unreadable', () => {
  const ctx = useEmulator({ regions: ['DFW', 'ORD'] });
  it('nothing is sent (Nova would generate a new key under the name); each region says why', async () => {
    const t = { region: 'ORD', compute: compute(ctx.emu.rackspaceComputeUrl('123456', 'ORD')) };
    for (const publicKey of ['', 'not a key', 'ssh-ed25519']) {
      const results = await copyToRegions([t], { name: 'deploy', publicKey });
      const outcome = results[0]?.outcome;
      assert.equal(outcome?.kind, 'failed');
      assert.match(String(outcome?.kind === 'failed' && (outcome.error as Error).message), /cannot be read/);
    }
    assert.deepEqual(
      ctx.emu.requests.filter((q) => q.method === 'POST'),
      [],
    );
    assert.deepEqual(ctx.emu.keypairs(undefined, 'ORD'), []);
  });
});
