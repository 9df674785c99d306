// The one login-user guess of Connect and Rotate: a server's image hints read over real HTTP
// from the emulator, and the account's provider (Rackspace logs in as root).
import * as assert from 'node:assert/strict';
import { ApiError } from '../../../../src/core/api/errors';
import { getImageLoginHints } from '../../../../src/core/api/servers';
import { guessServerLoginUser, isRackspaceProvider, ReadImageHints } from '../../../../src/core/servers/loginUser';
import { compute, rejection, useEmulator } from '../../helpers/env';

describe('guessServerLoginUser (Connect and Rotate)', function () {
  this.timeout(30000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const reader =
    (url: string): ReadImageHints =>
    (imageId, signal) =>
      getImageLoginHints(compute(url), imageId, { signal });
  const imageReads = () => ctx.emu.requests.filter((r) => r.path.includes('/images/')).length;

  it('reads the image once and guesses from its os_distro (keystone account)', async () => {
    const s = await ctx.emu.createServer({ name: 'web', image: { osDistro: 'debian' } });
    const guess = await guessServerLoginUser(s, { provider: 'keystone', readHints: reader(ctx.emu.computeUrl) });
    assert.deepEqual(guess, { user: 'debian', source: 'os_distro', reason: "from the image's os_distro: debian" });
    assert.equal(imageReads(), 1);
  });

  it('every Rackspace sign-in logs in as root, even when the image says nothing', async () => {
    for (const provider of ['rackspace-us', 'rackspace-uk', 'rackspace-custom']) {
      assert.equal(isRackspaceProvider(provider), true, provider);
      const guess = await guessServerLoginUser({}, { provider, readHints: reader(ctx.emu.computeUrl) });
      assert.deepEqual(guess, { user: 'root', source: 'rackspace', reason: 'Rackspace images log in as root' });
    }
    assert.equal(isRackspaceProvider('keystone'), false);
    assert.equal(isRackspaceProvider('openstack-config'), false);
    assert.equal(isRackspaceProvider(undefined), false);
    assert.equal(imageReads(), 0, 'no image id: nothing is read');
  });

  it("a Rackspace image's os_admin_user still wins over root", async () => {
    const s = await ctx.emu.createServer({ name: 'ops', image: { osDistro: 'ubuntu', osAdminUser: 'ops' } });
    const guess = await guessServerLoginUser(s, { provider: 'rackspace-us', readHints: reader(ctx.emu.computeUrl) });
    assert.equal(guess?.user, 'ops');
  });

  it('an unknown image: no guess off Rackspace (the user is asked)', async () => {
    const guess = await guessServerLoginUser(
      { imageId: 'no-such-image' },
      { provider: 'keystone', readHints: reader(ctx.emu.computeUrl) },
    );
    assert.equal(guess, undefined);
    assert.equal(imageReads(), 1);
  });

  it('a read that fails is a guess without hints, not an error', async () => {
    const s = await ctx.emu.createServer({ name: 'web', image: { osDistro: 'ubuntu' } });
    ctx.emu.addFault({ path: '/images/', status: 500, times: 10 });
    const c = compute(ctx.emu.computeUrl);
    // A reader that throws on the server's error (getImageLoginHints itself answers undefined).
    const failing: ReadImageHints = async (id, signal) => {
      await c.getJson(`/images/${id}`, { signal, item: true });
      throw new Error('not reached');
    };
    assert.equal(await guessServerLoginUser(s, { provider: 'keystone', readHints: failing }), undefined);
    const rax = await guessServerLoginUser(s, { provider: 'rackspace-uk', readHints: failing });
    assert.equal(rax?.user, 'root');
  });

  it('a cancel is thrown, not turned into a guess', async () => {
    const s = await ctx.emu.createServer({ name: 'slow' });
    ctx.emu.addFault({ path: '/images/', kind: 'stall-before-headers' });
    const ac = new AbortController();
    const p = guessServerLoginUser(s, {
      provider: 'rackspace-us',
      readHints: reader(ctx.emu.computeUrl),
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(p, ApiError);
    assert.equal(err.kind, 'cancelled');
  });
});
