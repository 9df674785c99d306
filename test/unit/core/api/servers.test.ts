// listServers and getImageLoginHints against the emulator over real HTTP, including a server
// that ignores the marker, one whose list never ends, malformed entries and a foreign next link.
import * as assert from 'node:assert/strict';
import { ApiError } from '../../../../src/core/api/errors';
import { getImageLoginHints, listServers, normalizeServer } from '../../../../src/core/api/servers';
import { guessLoginUser } from '../../../../src/core/servers/loginUser';
import { compute, rejection, useEmulator } from '../../helpers/env';
import { exactly, must } from '../../../support/must';

describe('servers client against the emulator', function () {
  this.timeout(30000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });

  describe('listServers', () => {
    it('reads every page with limit/marker and keeps the server order', async () => {
      for (let i = 0; i < 7; i++) await ctx.emu.createServer({ name: `s${i}`, keyName: 'k' });
      const c = compute(ctx.emu.computeUrl);
      const list = await listServers(c, { pageSize: 3 });
      assert.deepEqual(
        list.servers.map((s) => s.name),
        ['s6', 's5', 's4', 's3', 's2', 's1', 's0'],
      );
      assert.equal(list.pages, 3);
      assert.equal(list.skipped, 0);
      assert.equal(list.incomplete, undefined);
      const gets = ctx.emu.requests.filter((r) => r.path.endsWith('/servers/detail'));
      assert.equal(gets.length, 3);
    });

    it('normalises both shapes: addresses best first, key_name, status, image, flavor', async () => {
      ctx.emu.seed(1, { prefix: 'deploy-' });
      await ctx.emu.createServer({ name: 'os', keyName: 'deploy-00001', image: 'volume' });
      const os = must((await listServers(compute(ctx.emu.computeUrl))).servers[0], 'the server "os"');
      assert.equal(os.keyName, 'deploy-00001');
      assert.equal(os.status, 'ACTIVE');
      assert.equal(os.bootedFromVolume, true);
      assert.equal(os.imageId, undefined);
      assert.deepEqual(os.flavor, { id: undefined, name: 'm1.small' }, 'negotiated 2.92: flavor by name');
      assert.deepEqual(
        os.addresses.map((a) => a.rank),
        ['floating', 'fixed', 'fixed'],
      );

      await ctx.emu.createServer({ name: 'rax', region: 'DFW' });
      const rax = must((await listServers(compute(ctx.emu.rackspaceComputeUrl()))).servers[0], 'the server "rax"');
      assert.equal(rax.keyName, null);
      assert.ok(rax.imageId);
      assert.equal(rax.bootedFromVolume, false);
      assert.deepEqual(
        rax.addresses.map((a) => [a.rank, a.network]),
        [
          ['public-ipv4', 'accessIPv4'],
          ['ipv6', 'accessIPv6'],
          ['fixed', 'private'],
        ],
        'accessIPv4/6 and the same public addresses appear once',
      );
    });

    it('a server that ignores the marker: stops at the repeated page, keeps what it read', async () => {
      for (let i = 0; i < 4; i++) await ctx.emu.createServer({ name: `l${i}` });
      ctx.emu.setServerFaults({ loopingMarker: true });
      const list = await listServers(compute(ctx.emu.computeUrl), { pageSize: 2 });
      assert.equal(list.incomplete, 'page-repeated');
      assert.deepEqual(
        list.servers.map((s) => s.name),
        ['l3', 'l2'],
      );
      assert.equal(list.pages, 2);
    });

    it('a next marker that does not move: stops with marker-stuck, keeps both pages', async () => {
      const page = (id: string) =>
        JSON.stringify({
          servers: [{ id, name: id, status: 'ACTIVE', key_name: 'k' }],
          servers_links: [{ rel: 'next', href: `${ctx.emu.computeUrl}/servers/detail?limit=1&marker=same` }],
        });
      ctx.emu.addFault({ path: '/servers/detail', status: 200, body: page('a') });
      ctx.emu.addFault({ path: '/servers/detail', status: 200, body: page('b') });
      const list = await listServers(compute(ctx.emu.computeUrl), { pageSize: 1 });
      assert.equal(list.incomplete, 'marker-stuck');
      assert.deepEqual(
        list.servers.map((s) => s.id),
        ['a', 'b'],
      );
      assert.equal(ctx.emu.requests.filter((r) => r.path.endsWith('/servers/detail')).length, 2);
    });

    it('a list that never ends: stops at maxServers and says so', async () => {
      ctx.emu.setServerFaults({ endlessPages: true });
      const list = await listServers(compute(ctx.emu.computeUrl), { pageSize: 50, maxServers: 120 });
      assert.equal(list.incomplete, 'too-many');
      assert.equal(list.servers.length, 120);
      assert.equal(new Set(list.servers.map((s) => s.id)).size, 120);
      assert.equal(list.pages, 3);
    });

    it('a list that never ends: stops at maxPages and says so', async () => {
      ctx.emu.setServerFaults({ endlessPages: true });
      const list = await listServers(compute(ctx.emu.computeUrl), { pageSize: 10, maxPages: 5 });
      assert.equal(list.incomplete, 'too-many');
      assert.equal(list.pages, 5);
      assert.equal(list.servers.length, 50);
      assert.equal(ctx.emu.requests.filter((r) => r.path.endsWith('/servers/detail')).length, 5);
    });

    it('malformed entries are skipped and counted; odd fields never throw', async () => {
      await ctx.emu.createServer({ name: 'good', keyName: 'k' });
      await ctx.emu.createServer({
        name: 'bad',
        keyName: 'k',
        override: { addresses: 'oops', name: '**bold**\n[click](http://evil.invalid)\u202e', status: 42, metadata: [] },
      });
      await ctx.emu.createServer({ name: 'none', override: { addresses: undefined, key_name: 7, image: 5 } });
      ctx.emu.setServerFaults({ extraEntries: [null, 42, 'x', [], { name: 'no id' }, { id: '' }, { id: 'a/b' }] });
      const list = await listServers(compute(ctx.emu.computeUrl));
      assert.equal(list.skipped, 7);
      assert.equal(list.servers.length, 3);
      const [none, bad, good] = exactly(list.servers, 3, 'servers');
      assert.equal(good.addresses.length, 3);
      assert.deepEqual(bad.addresses, []);
      assert.equal(bad.name, '**bold** [click](http://evil.invalid)', 'no newline or bidi override left');
      assert.equal(bad.status, 'UNKNOWN');
      assert.deepEqual(bad.metadata, {});
      assert.deepEqual(none.addresses, []);
      assert.equal(none.keyName, null);
      assert.equal(none.imageId, undefined);
    });

    it('never follows a next link to another host: only its marker is used', async () => {
      for (let i = 0; i < 3; i++) await ctx.emu.createServer({ name: `f${i}` });
      ctx.emu.setServerFaults({ foreignNextOrigin: 'http://127.0.0.2:9' });
      const list = await listServers(compute(ctx.emu.computeUrl), { pageSize: 2 });
      assert.deepEqual(
        list.servers.map((s) => s.name),
        ['f2', 'f1', 'f0'],
      );
      assert.equal(ctx.emu.requests.filter((r) => r.path === '/v2.1/servers/detail').length, 2);
    });

    it('a body without servers is a bad-response error', async () => {
      ctx.emu.addFault({ path: '/servers/detail', status: 200, body: '{"nope": []}' });
      const err = await rejection(listServers(compute(ctx.emu.computeUrl)), ApiError);
      assert.equal(err.kind, 'bad-response');
    });

    it('10,000 servers: a page over the 1 MiB answer cap is asked again at half the size; grouped by key', async () => {
      ctx.emu.seed(3, { prefix: 'g-' });
      for (let i = 0; i < 10_000; i++) {
        await ctx.emu.createServer({ name: `n${i}`, keyName: i % 10 === 9 ? null : `g-0000${(i % 3) + 1}` });
      }
      const started = Date.now();
      const list = await listServers(compute(ctx.emu.computeUrl), { pageSize: 1000 });
      const ms = Date.now() - started;
      assert.equal(list.servers.length, 10_000);
      assert.equal(new Set(list.servers.map((s) => s.id)).size, 10_000);
      assert.equal(list.pages, 21, '20 full pages of 500 and the empty one after the last full page');
      const limits = ctx.emu.requests.filter((r) => r.path.endsWith('/servers/detail'));
      assert.equal(limits.length, 22, 'one answer too large (1000 × ~1.5 KB), then pages of 500');
      assert.ok(ms < 15_000, `listed in ${ms} ms`);
      const { groupServersByKey } = await import('../../../../src/core/servers/group');
      const grouped = groupServersByKey(list.servers);
      assert.equal(grouped.withoutKey.length, 1000);
      assert.equal(
        [...grouped.byKey.values()].reduce((n, l) => n + l.length, 0),
        9000,
      );
    });
  });

  describe('normalizeServer', () => {
    it('uses the id as the name when the name is missing; rejects an entry without a usable id', () => {
      assert.equal(normalizeServer({ id: 'abc' })?.name, 'abc');
      assert.equal(normalizeServer({ id: 'a b' }), undefined);
      assert.equal(normalizeServer({ id: 5 }), undefined);
      assert.equal(normalizeServer(undefined), undefined);
    });
  });

  describe('getImageLoginHints', () => {
    it('reads the image proxy at 2.35 although the client speaks 2.92', async () => {
      const s = await ctx.emu.createServer({ name: 'u', image: { osDistro: 'ubuntu' } });
      const hints = await getImageLoginHints(compute(ctx.emu.computeUrl), s.imageId!);
      assert.equal(hints?.osDistro, 'ubuntu');
      assert.equal(guessLoginUser(hints)?.user, 'ubuntu');
      const get = ctx.emu.requests.find((r) => r.path.includes('/images/'))!;
      assert.equal(get.headers['openstack-api-version'], 'compute 2.35');
      assert.equal(get.status, 200);
    });

    it('uses the server microversion when it is below 2.36', async () => {
      ctx.emu.setOptions({ maxMicroversion: '2.20' });
      const s = await ctx.emu.createServer({ name: 'r', image: { osDistro: 'rocky', osAdminUser: 'ops' } });
      const hints = await getImageLoginHints(compute(ctx.emu.computeUrl), s.imageId!);
      assert.deepEqual([hints?.osDistro, hints?.osAdminUser], ['rocky', 'ops']);
      const get = ctx.emu.requests.find((r) => r.path.includes('/images/'))!;
      assert.equal(get.headers['openstack-api-version'], 'compute 2.20');
    });

    it('Rackspace: no microversion; org.openstack__1__os_distro → root', async () => {
      const s = await ctx.emu.createServer({ name: 'x', region: 'DFW', image: { osDistro: 'debian' } });
      const hints = await getImageLoginHints(compute(ctx.emu.rackspaceComputeUrl()), s.imageId!);
      assert.equal(hints?.rackspaceDistro, 'org.debian');
      const guess = guessLoginUser(hints);
      assert.equal(guess?.user, 'root');
      assert.match(guess?.reason ?? '', /org\.debian/);
      const get = ctx.emu.requests.find((r) => r.path.includes('/images/'))!;
      assert.equal(get.headers['openstack-api-version'], undefined);
    });

    it('reads the Image service when its URL is given, without a compute microversion', async () => {
      const s = await ctx.emu.createServer({ name: 'g', image: { osDistro: 'almalinux' } });
      const options = { imageServiceUrl: ctx.emu.imageUrl };
      const hints = await getImageLoginHints(compute(ctx.emu.computeUrl), s.imageId!, options);
      assert.equal(hints?.osDistro, 'almalinux');
      assert.equal(hints?.name, 'AlmaLinux 9');
      assert.deepEqual(
        ctx.emu.requests.map((r) => r.path).filter((p) => p.includes('images')),
        [`/image/v2/images/${s.imageId}`],
      );
    });

    it('falls back to the image proxy when the Image service fails', async () => {
      const s = await ctx.emu.createServer({ name: 'g', image: { osDistro: 'fedora' } });
      ctx.emu.addFault({ path: '/image/v2/images/', status: 503, times: 5 });
      const options = { imageServiceUrl: ctx.emu.imageUrl };
      const hints = await getImageLoginHints(compute(ctx.emu.computeUrl), s.imageId!, options);
      assert.equal(hints?.osDistro, 'fedora');
    });

    it('unknown image, or no proxy and no Image service: undefined (the UI asks)', async () => {
      const c = compute(ctx.emu.computeUrl);
      assert.equal(await getImageLoginHints(c, 'no-such-image'), undefined);
      assert.equal(await getImageLoginHints(c, '../../os-keypairs'), undefined, 'an id that is a path is never sent');
      assert.equal(ctx.emu.requests.filter((r) => r.path.includes('os-keypairs')).length, 0);
    });

    it('a cancel is thrown, not turned into "no hints"', async () => {
      const s = await ctx.emu.createServer({ name: 'c' });
      const ac = new AbortController();
      ctx.emu.addFault({ path: '/images/', kind: 'stall-before-headers' });
      const p = getImageLoginHints(compute(ctx.emu.computeUrl), s.imageId!, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      const err = await rejection(p, ApiError);
      assert.equal(err.kind, 'cancelled');
    });
  });
});
