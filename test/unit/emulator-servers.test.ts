// The emulator's servers and images over real HTTP: Nova and Rackspace shapes, microversions,
// paging, the image proxy, the Image service, the control API, the backing hook and the faults.
import * as assert from 'node:assert/strict';
import { rawRequest } from '../emulator/rawhttp';
import { Emulator, EmulatorOptions, ServerBacking, startEmulator } from '../emulator/server';
import { exactly, must } from '../support/must';

const TOKEN = 'sandbox-token';

function mv(v?: string): Record<string, string> {
  const h: Record<string, string> = { 'X-Auth-Token': TOKEN };
  if (v) h['OpenStack-API-Version'] = `compute ${v}`;
  return h;
}

interface Addr {
  addr: string;
  version: number;
  'OS-EXT-IPS:type'?: string;
  'OS-EXT-IPS-MAC:mac_addr'?: string;
}

describe('emulator: servers and images', function () {
  this.timeout(20000);
  let emu: Emulator;
  const backed: Array<{ id: string; name: string; keyName: string | null; publicKey: string | null }> = [];
  const deleted: string[] = [];
  let backingIp: string | undefined;
  const backing: ServerBacking = {
    async serverCreated(server) {
      backed.push(server);
      return backingIp ? { ipv4: backingIp } : undefined;
    },
    async serverDeleted(id) {
      deleted.push(id);
    },
  };

  before(async () => {
    const options: EmulatorOptions = { tokens: [TOKEN], serverBacking: backing };
    emu = await startEmulator(options);
  });
  after(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.reset();
    backed.length = 0;
    deleted.length = 0;
    backingIp = undefined;
  });

  const detail = (base: string, query = '', v?: string) =>
    rawRequest('GET', `${base}/servers/detail${query}`, { headers: mv(v) });

  describe('OpenStack shape (/v2.1)', () => {
    it('lists servers with key_name, status, OS-EXT-IPS fixed/floating addresses and OS-EXT-STS', async () => {
      emu.seed(1, { prefix: 'deploy-' });
      const s = await emu.createServer({ name: 'web-1', keyName: 'deploy-00001' });
      const r = await detail(emu.computeUrl);
      assert.equal(r.status, 200);
      const body = r.json();
      assert.equal(body.servers.length, 1);
      assert.equal(body.servers_links, undefined, 'one page: no next link');
      const srv = body.servers[0];
      assert.equal(srv.id, s.id);
      assert.equal(srv.name, 'web-1');
      assert.equal(srv.status, 'ACTIVE');
      assert.equal(srv.key_name, 'deploy-00001');
      assert.equal(srv.accessIPv4, '');
      assert.equal(srv.accessIPv6, '');
      assert.deepEqual(Object.keys(srv.addresses), ['private']);
      const addrs = srv.addresses.private as Addr[];
      assert.deepEqual(
        addrs.map((a) => [a.version, a['OS-EXT-IPS:type']]),
        [
          [4, 'fixed'],
          [6, 'fixed'],
          [4, 'floating'],
        ],
      );
      for (const a of addrs) assert.match(a['OS-EXT-IPS-MAC:mac_addr'] ?? '', /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      assert.equal(srv['OS-EXT-STS:vm_state'], 'active');
      assert.equal(srv['OS-EXT-STS:power_state'], 1);
      assert.equal(srv['OS-EXT-STS:task_state'], null);
      assert.equal(typeof srv.image.id, 'string');
      assert.deepEqual(srv.metadata, {});
      // The public key of the named pair went to the backing, as cloud-init would install it.
      assert.equal(backed.length, 1);
      assert.equal(must(backed[0], 'the backed server').publicKey, must(emu.keypairs()[0], 'the pair').public_key);
    });

    it('flavor is {id, links} before 2.47 and {original_name, vcpus, ram, disk} from 2.47', async () => {
      await emu.createServer({ name: 'f', flavor: 'm1.medium' });
      const old = (await detail(emu.computeUrl, '', '2.46')).json().servers[0].flavor;
      assert.equal(old.id, '3');
      assert.ok(Array.isArray(old.links));
      assert.equal(old.original_name, undefined);
      const r = await detail(emu.computeUrl, '', '2.47');
      assert.equal(r.headers['openstack-api-version'], 'compute 2.47');
      const fl = r.json().servers[0].flavor;
      assert.equal(fl.id, undefined);
      assert.deepEqual([fl.original_name, fl.vcpus, fl.ram, fl.disk], ['m1.medium', 2, 4096, 40]);
    });

    it('a server booted from a volume has image ""', async () => {
      await emu.createServer({ name: 'vol', image: 'volume' });
      assert.equal((await detail(emu.computeUrl)).json().servers[0].image, '');
    });

    it('GET /servers/{id} shows one server; an unknown id is 404 itemNotFound', async () => {
      const s = await emu.createServer({ name: 'one', keyName: null });
      const r = await rawRequest('GET', `${emu.computeUrl}/servers/${s.id}`, { headers: mv() });
      assert.equal(r.status, 200);
      assert.equal(r.json().server.key_name, null);
      const missing = await rawRequest('GET', `${emu.computeUrl}/servers/nope`, { headers: mv() });
      assert.equal(missing.status, 404);
      assert.match(missing.json().itemNotFound.message, /Instance nope could not be found/);
    });

    it('GET /servers lists id, name and links only', async () => {
      await emu.createServer({ name: 'brief' });
      const r = await rawRequest('GET', `${emu.computeUrl}/servers`, { headers: mv() });
      assert.deepEqual(Object.keys(r.json().servers[0]).sort(), ['id', 'links', 'name']);
    });

    it('without a token: 401; a /v2.1/{project} URL works too', async () => {
      await emu.createServer({ name: 'p' });
      const r = await rawRequest('GET', `${emu.computeUrl}/servers/detail`);
      assert.equal(r.status, 401);
      const p = await rawRequest('GET', `${emu.computeUrl}/123456/servers/detail`, { headers: mv() });
      assert.equal(p.status, 200);
      assert.equal(p.json().servers.length, 1);
    });
  });

  describe('Rackspace shape (/v2/{tenant})', () => {
    it('public/private networks without OS-EXT-IPS fields, accessIPv4/6 set', async () => {
      await emu.createServer({ name: 'rax', region: 'DFW', keyName: 'k' });
      const r = await detail(emu.rackspaceComputeUrl());
      assert.equal(r.status, 200);
      const srv = r.json().servers[0];
      assert.deepEqual(Object.keys(srv.addresses).sort(), ['private', 'public']);
      for (const a of [...srv.addresses.public, ...srv.addresses.private] as Addr[]) {
        assert.equal(a['OS-EXT-IPS:type'], undefined);
        assert.equal(a['OS-EXT-IPS-MAC:mac_addr'], undefined);
      }
      const pub4 = (srv.addresses.public as Addr[]).find((a) => a.version === 4)!;
      const pub6 = (srv.addresses.public as Addr[]).find((a) => a.version === 6)!;
      assert.equal(srv.accessIPv4, pub4.addr);
      assert.equal(srv.accessIPv6, pub6.addr);
      assert.equal(srv.key_name, 'k');
      assert.ok(srv.flavor.id, 'Rackspace has no microversions: flavor by id');
    });

    it('servers are per region: the Nova-style list and ORD do not see DFW servers', async () => {
      await emu.createServer({ name: 'dfw', region: 'dfw' });
      assert.equal((await detail(emu.computeUrl)).json().servers.length, 0);
      assert.equal((await detail(emu.rackspaceComputeUrl(undefined, 'ORD'))).json().servers.length, 0);
      assert.equal((await detail(emu.rackspaceComputeUrl(undefined, 'DFW'))).json().servers.length, 1);
    });

    it('the image proxy carries org.openstack__1__os_distro', async () => {
      const s = await emu.createServer({ name: 'rax', region: 'DFW', image: { osDistro: 'ubuntu' } });
      const r = await rawRequest('GET', `${emu.rackspaceComputeUrl()}/images/${s.imageId}`, { headers: mv() });
      assert.equal(r.status, 200);
      assert.equal(r.json().image.metadata['org.openstack__1__os_distro'], 'org.ubuntu');
      assert.equal(r.json().image.metadata.os_distro, undefined);
    });
  });

  describe('paging', () => {
    it('limit/marker pages newest first with servers_links rel next; the last page has none', async () => {
      for (let i = 0; i < 5; i++) await emu.createServer({ name: `s${i}` });
      const p1 = (await detail(emu.computeUrl, '?limit=2')).json();
      assert.deepEqual(
        p1.servers.map((s: { name: string }) => s.name),
        ['s4', 's3'],
      );
      const next = new URL(p1.servers_links[0].href);
      assert.equal(p1.servers_links[0].rel, 'next');
      assert.equal(next.searchParams.get('marker'), p1.servers[1].id);
      assert.equal(next.searchParams.get('limit'), '2');
      const p2 = (await detail(emu.computeUrl, next.search)).json();
      assert.deepEqual(
        p2.servers.map((s: { name: string }) => s.name),
        ['s2', 's1'],
      );
      const p3 = (await detail(emu.computeUrl, new URL(p2.servers_links[0].href).search)).json();
      assert.deepEqual(
        p3.servers.map((s: { name: string }) => s.name),
        ['s0'],
      );
      assert.equal(p3.servers_links, undefined);
    });

    it('a full page links to the next even when that one is empty (as Nova does)', async () => {
      for (let i = 0; i < 2; i++) await emu.createServer({ name: `s${i}` });
      const p1 = (await detail(emu.computeUrl, '?limit=2')).json();
      assert.equal(p1.servers.length, 2);
      const p2 = (await detail(emu.computeUrl, new URL(p1.servers_links[0].href).search)).json();
      assert.deepEqual(p2, { servers: [] });
    });

    it('an unknown marker is 400; a bad limit is 400; limit is capped at 1000 (max_limit)', async () => {
      assert.equal((await detail(emu.computeUrl, '?marker=nope')).status, 400);
      assert.equal((await detail(emu.computeUrl, '?limit=-1')).status, 400);
      for (let i = 0; i < 1001; i++) await emu.createServer({ name: `m${i}` });
      const p = (await detail(emu.computeUrl, '?limit=5000')).json();
      assert.equal(p.servers.length, 1000);
      assert.equal(new URL(p.servers_links[0].href).searchParams.get('marker'), p.servers[999].id);
      assert.equal((await detail(emu.computeUrl)).json().servers.length, 1000, 'no limit: max_limit');
    });
  });

  describe('images', () => {
    it('the image proxy shows properties under metadata below 2.36 and is 404 from 2.36', async () => {
      const s = await emu.createServer({ name: 'i', image: { osDistro: 'debian', osAdminUser: 'admin' } });
      const ok = await rawRequest('GET', `${emu.computeUrl}/images/${s.imageId}`, { headers: mv('2.35') });
      assert.equal(ok.status, 200);
      assert.equal(ok.json().image.metadata.os_distro, 'debian');
      assert.equal(ok.json().image.metadata.os_admin_user, 'admin');
      assert.equal(ok.json().image.name, 'Debian 12 (Bookworm)');
      const gone = await rawRequest('GET', `${emu.computeUrl}/images/${s.imageId}`, { headers: mv('2.36') });
      assert.equal(gone.status, 404);
    });

    it('the Image service has the properties top-level and is in the Keystone catalog as type image', async () => {
      const s = await emu.createServer({ name: 'g', image: { osDistro: 'fedora' } });
      const auth = await rawRequest('POST', `${emu.keystoneUrl}/v3/auth/tokens`, {
        body: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'demo-password' } },
            },
            scope: { project: { name: '123456', domain: { name: 'Default' } } },
          },
        },
      });
      assert.equal(auth.status, 201);
      const image = auth.json().token.catalog.find((c: { type: string }) => c.type === 'image');
      assert.ok(image, 'catalog has an image service');
      const url = image.endpoints.find((e: { interface: string }) => e.interface === 'public').url;
      assert.equal(url, emu.imageUrl);
      const token = String(auth.headers['x-subject-token']);
      const r = await rawRequest('GET', `${url}/v2/images/${s.imageId}`, { headers: { 'X-Auth-Token': token } });
      assert.equal(r.status, 200);
      assert.equal(r.json().os_distro, 'fedora');
      assert.equal(r.json().id, s.imageId);
      assert.equal((await rawRequest('GET', `${url}/v2/images/${s.imageId}`)).status, 401);
      const missing = await rawRequest('GET', `${url}/v2/images/nope`, { headers: { 'X-Auth-Token': token } });
      assert.equal(missing.status, 404);
    });
  });

  describe('backing hook', () => {
    it('a backed server is reachable at the returned IPv4: floating, or accessIPv4 and public', async () => {
      backingIp = '127.0.0.77';
      const os = await emu.createServer({ name: 'b-os' });
      const rax = await emu.createServer({ name: 'b-rax', region: 'DFW' });
      const osView = (await rawRequest('GET', `${emu.computeUrl}/servers/${os.id}`, { headers: mv() })).json().server;
      const floating = (osView.addresses.private as Addr[]).filter((a) => a['OS-EXT-IPS:type'] === 'floating');
      assert.deepEqual(
        floating.map((a) => a.addr),
        ['127.0.0.77'],
      );
      const raxUrl = `${emu.rackspaceComputeUrl()}/servers/${rax.id}`;
      const raxView = (await rawRequest('GET', raxUrl, { headers: mv() })).json().server;
      assert.equal(raxView.accessIPv4, '127.0.0.77');
      assert.ok((raxView.addresses.public as Addr[]).some((a) => a.addr === '127.0.0.77'));
      assert.deepEqual(
        backed.map((b) => [b.name, b.keyName, b.publicKey]),
        [
          ['b-os', null, null],
          ['b-rax', null, null],
        ],
      );
      assert.equal(await emu.deleteServer(os.id), true);
      assert.deepEqual(deleted, [os.id]);
      assert.equal(await emu.deleteServer(os.id), false);
    });

    it('publicKey is the named pair of the same scope at creation time; a missing pair gives null', async () => {
      emu.seed(1, { prefix: 'dfw-', region: 'DFW' });
      await emu.createServer({ name: 'x', keyName: 'dfw-00001' }); // Nova scope: no such pair there
      await emu.createServer({ name: 'y', keyName: 'dfw-00001', region: 'DFW' });
      const [x, y] = exactly(backed, 2, 'backed servers');
      assert.equal(x.publicKey, null);
      assert.equal(y.publicKey, must(emu.keypairs(undefined, 'DFW')[0], 'the DFW pair').public_key);
    });
  });

  describe('control API', () => {
    it('creates, lists, seeds and deletes servers over HTTP', async () => {
      emu.seed(2, { prefix: 'demo-' });
      const c = await rawRequest('POST', `${emu.url}/_emulator/servers`, {
        body: { name: 'ctl', keyName: 'demo-00001', image: { osDistro: 'rocky' }, status: 'shutoff' },
      });
      assert.equal(c.status, 201);
      const id = c.json().server.id;
      assert.equal((await detail(emu.computeUrl)).json().servers[0].status, 'SHUTOFF');
      const seeded = await rawRequest('POST', `${emu.url}/_emulator/servers/seed`, { body: { count: 9 } });
      assert.equal(seeded.json().added, 9);
      const list = (await rawRequest('GET', `${emu.url}/_emulator/servers`)).json().servers;
      assert.equal(list.length, 10);
      const keyNames = new Set(list.map((s: { keyName: string | null }) => s.keyName));
      assert.deepEqual([...keyNames].sort(), ['demo-00001', 'demo-00002', null].sort());
      const fromVolume = list.filter((s: { imageId?: string }) => s.imageId === undefined);
      assert.equal(fromVolume.length, 1, 'one seeded server boots from a volume');
      assert.equal((await rawRequest('DELETE', `${emu.url}/_emulator/servers/${id}`)).status, 200);
      assert.equal((await rawRequest('DELETE', `${emu.url}/_emulator/servers/${id}`)).status, 404);
      assert.equal((await rawRequest('POST', `${emu.url}/_emulator/servers`, { body: { nope: 1 } })).status, 400);
    });

    it('reset drops servers and tells the backing', async () => {
      const s = await emu.createServer({ name: 'r' });
      emu.reset();
      assert.deepEqual(emu.servers(), []);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(deleted, [s.id]);
    });
  });

  describe('faults', () => {
    it('looping marker: every page is the first one, with a next link', async () => {
      for (let i = 0; i < 3; i++) await emu.createServer({ name: `l${i}` });
      emu.setServerFaults({ loopingMarker: true });
      const p1 = (await detail(emu.computeUrl, '?limit=2')).json();
      const p2 = (await detail(emu.computeUrl, new URL(p1.servers_links[0].href).search)).json();
      assert.deepEqual(p2.servers, p1.servers);
      assert.ok(p2.servers_links);
    });

    it('endless pages: always full, always new ids, always a next link', async () => {
      emu.setServerFaults({ endlessPages: true });
      let query = '?limit=3';
      const ids = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const p = (await detail(emu.computeUrl, query)).json();
        assert.equal(p.servers.length, 3);
        for (const s of p.servers) ids.add(s.id);
        query = new URL(p.servers_links[0].href).search;
      }
      assert.equal(ids.size, 12);
    });

    it('extra raw entries on the first page; per-server overrides (addresses not a list, hostile name)', async () => {
      await emu.createServer({ name: 'bad', override: { addresses: 'oops', name: '**x**\n[link](http://e)' } });
      await emu.createServer({ name: 'none', override: { addresses: undefined } });
      emu.setServerFaults({ extraEntries: [null, 42, { name: 'no id' }] });
      const p = (await detail(emu.computeUrl)).json();
      assert.equal(p.servers.length, 5);
      assert.equal(p.servers[0].addresses, undefined);
      assert.equal(p.servers[1].addresses, 'oops');
      assert.equal(p.servers[1].name, '**x**\n[link](http://e)');
      assert.deepEqual(p.servers.slice(2), [null, 42, { name: 'no id' }]);
    });

    it('foreign next origin: the next link names another host', async () => {
      for (let i = 0; i < 2; i++) await emu.createServer({ name: `f${i}` });
      emu.setServerFaults({ foreignNextOrigin: 'http://attacker.invalid:1' });
      const p = (await detail(emu.computeUrl, '?limit=1')).json();
      assert.match(p.servers_links[0].href, /^http:\/\/attacker\.invalid:1\/v2\.1\/servers\/detail\?/);
    });
  });
});
