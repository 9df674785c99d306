// Unit tests of the local Nova os-keypairs emulator (compute side), over real HTTP.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Emulator, startEmulator } from '../emulator/server';
import { RawResponse, rawRequest } from '../emulator/rawhttp';
import { exactly, group, must } from '../support/must';

const TOKEN = 'sandbox-token';
const SAFE_20 = '_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SAFE_292 = '@._- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function mv(v?: string): Record<string, string> {
  const h: Record<string, string> = { 'X-Auth-Token': TOKEN };
  if (v) h['OpenStack-API-Version'] = `compute ${v}`;
  return h;
}

let tmpDir: string;
function sshKeygen(type: string, bits?: number): { pub: string; md5: string } {
  const file = path.join(tmpDir, `k-${type}-${bits ?? 0}-${Math.random().toString(36).slice(2)}`);
  const args = ['-q', '-t', type, '-N', '', '-C', 'test@example', '-f', file];
  if (bits) args.push('-b', String(bits));
  execFileSync('ssh-keygen', args);
  const pub = fs.readFileSync(file + '.pub', 'utf8').trim();
  return { pub, md5: md5Of(file + '.pub') };
}
function md5Of(pubFile: string): string {
  const out = execFileSync('ssh-keygen', ['-E', 'md5', '-lf', pubFile], { encoding: 'utf8' });
  return group(/MD5:([0-9a-f:]+)/, out);
}

describe('emulator: Nova compute os-keypairs', function () {
  this.timeout(20000);
  let emu: Emulator;
  let kp: string;

  const create = (name: string, v?: string, extra: Record<string, unknown> = {}): Promise<RawResponse> =>
    rawRequest('POST', `${kp}`, { headers: mv(v), body: { keypair: { name, ...extra } } });

  before(async () => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-test-'));
    emu = await startEmulator();
    kp = `${emu.computeUrl}/os-keypairs`;
  });
  after(async () => {
    await emu.close();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    emu.reset();
    emu.setOptions({ quota: 100, maxMicroversion: '2.93', latencyMs: 0 });
  });

  describe('version documents and microversions', () => {
    it('GET / lists v2.1 with min_version and version', async () => {
      const r = await rawRequest('GET', `${emu.url}/`);
      assert.equal(r.status, 200);
      const v21 = r.json().versions.find((v: { id: string }) => v.id === 'v2.1');
      assert.equal(v21.min_version, '2.1');
      assert.equal(v21.version, '2.93');
    });

    it('GET /v2.1 and /v2.1/ answer the version document (no token needed)', async () => {
      for (const u of [emu.computeUrl, `${emu.computeUrl}/`]) {
        const r = await rawRequest('GET', u);
        assert.equal(r.status, 200);
        assert.equal(r.json().version.id, 'v2.1');
        assert.equal(r.json().version.min_version, '2.1');
        assert.equal(r.json().version.version, '2.93');
      }
      emu.setOptions({ maxMicroversion: '2.60' });
      assert.equal((await rawRequest('GET', emu.computeUrl)).json().version.version, '2.60');
    });

    it('echoes OpenStack-API-Version, the legacy header and Vary', async () => {
      let r = await rawRequest('GET', kp, { headers: mv() });
      assert.equal(r.headers['openstack-api-version'], 'compute 2.1');
      assert.equal(r.headers['x-openstack-nova-api-version'], '2.1');
      assert.match(String(r.headers.vary), /OpenStack-API-Version/);
      r = await rawRequest('GET', kp, { headers: mv('latest') });
      assert.equal(r.headers['openstack-api-version'], 'compute 2.93');
      r = await rawRequest('GET', kp, { headers: { 'X-Auth-Token': TOKEN, 'X-OpenStack-Nova-API-Version': '2.35' } });
      assert.equal(r.headers['openstack-api-version'], 'compute 2.35');
      r = await rawRequest('GET', kp, { headers: { ...mv(), 'OpenStack-API-Version': 'volume 3.0, compute 2.10' } });
      assert.equal(r.headers['openstack-api-version'], 'compute 2.10');
    });

    it('406 for an unsupported microversion, 400 for a malformed one', async () => {
      let r = await rawRequest('GET', kp, { headers: mv('2.94') });
      assert.equal(r.status, 406);
      assert.equal(
        r.json().computeFault.message,
        'Version 2.94 is not supported by the API. Minimum is 2.1 and maximum is 2.93.',
      );
      assert.equal((await rawRequest('GET', kp, { headers: mv('2.0') })).status, 406);
      assert.equal((await rawRequest('GET', kp, { headers: mv('3.0') })).status, 406);
      emu.setOptions({ maxMicroversion: '2.10' });
      assert.equal((await create('x', '2.11')).status, 406);
      assert.equal(emu.keypairs().length, 0);
      assert.equal(
        (await rawRequest('GET', kp, { headers: mv('latest') })).headers['openstack-api-version'],
        'compute 2.10',
      );
      r = await rawRequest('GET', kp, { headers: mv('2.abc') });
      assert.equal(r.status, 400);
      assert.match(r.json().badRequest.message, /is of invalid format/);
    });
  });

  describe('create', () => {
    it('no microversion header: 200, private key, no type', async () => {
      const r = await create('plain');
      assert.equal(r.status, 200);
      const k = r.json().keypair;
      assert.deepEqual(Object.keys(k).sort(), ['fingerprint', 'name', 'private_key', 'public_key', 'user_id']);
      assert.equal(k.name, 'plain');
      assert.match(k.public_key, /^ssh-rsa AAAA[A-Za-z0-9+/=]+ Generated-by-Nova$/);
      assert.match(k.private_key, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----END RSA PRIVATE KEY-----\n$/);
      assert.match(k.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      const stored = emu.keypairs();
      const [only] = exactly(stored, 1, 'stored pair');
      assert.equal(only.public_key, k.public_key);
      assert.equal(only.user_id, k.user_id);
      assert.equal(only.type, 'ssh');
    });

    it('generated private key matches the public key and fingerprint (ssh-keygen)', async () => {
      const k = (await create('verify', '2.2')).json().keypair;
      const file = path.join(tmpDir, 'gen');
      fs.writeFileSync(file, k.private_key, { mode: 0o600 });
      fs.chmodSync(file, 0o600);
      const derived = execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
      assert.equal(derived.split(' ').slice(0, 2).join(' '), k.public_key.split(' ').slice(0, 2).join(' '));
      fs.writeFileSync(file + '.pub', k.public_key + '\n');
      assert.equal(md5Of(file + '.pub'), k.fingerprint);
      const bits = execFileSync('ssh-keygen', ['-lf', file + '.pub'], { encoding: 'utf8' });
      assert.match(bits, /^2048 /);
    });

    it('2.2: 201 with type ssh', async () => {
      const r = await create('typed', '2.2');
      assert.equal(r.status, 201);
      assert.equal(r.json().keypair.type, 'ssh');
      assert.ok(r.json().keypair.private_key);
    });

    it('2.92: name only is 400; with public_key 201 without private_key', async () => {
      let r = await create('nokey', '2.92');
      assert.equal(r.status, 400);
      assert.equal(
        r.json().badRequest.message,
        "Invalid input for field/attribute keypair. Value: {'name': 'nokey'}. 'public_key' is a required property",
      );
      const ed = sshKeygen('ed25519');
      r = await create('imported', '2.92', { public_key: ed.pub });
      assert.equal(r.status, 201);
      const k = r.json().keypair;
      assert.equal(k.private_key, undefined);
      assert.equal(k.public_key, ed.pub);
      assert.equal(k.fingerprint, ed.md5);
      assert.equal(k.type, 'ssh');
    });

    it('imports rsa, ecdsa (256/384/521) and ed25519 OpenSSH lines with ssh-keygen fingerprints', async () => {
      const keys = [
        sshKeygen('rsa', 2048),
        sshKeygen('ecdsa', 256),
        sshKeygen('ecdsa', 384),
        sshKeygen('ecdsa', 521),
        sshKeygen('ed25519'),
      ];
      let i = 0;
      for (const key of keys) {
        const r = await create(`imp-${i++}`, '2.10', { public_key: key.pub });
        assert.equal(r.status, 201, r.body);
        assert.equal(r.json().keypair.fingerprint, key.md5);
      }
      assert.equal(emu.keypairs().length, keys.length);
    });

    it('invalid public_key: 400 failed to generate fingerprint', async () => {
      const ed = sshKeygen('ed25519');
      const b64 = must(ed.pub.split(' ')[1], 'the key data');
      const rsa = sshKeygen('rsa', 2048);
      const bad = [
        'not a key',
        'ssh-rsa',
        'ssh-rsa !!!notbase64',
        `ssh-rsa ${b64}`, // inner type is ssh-ed25519
        `ssh-dsa ${b64}`,
        `ssh-ed25519 ${b64.slice(0, -8)}`,
        ` ${ed.pub}`,
        `ecdsa-sha2-nistp256 ${rsa.pub.split(' ')[1]}`,
      ];
      for (const pk of bad) {
        const r = await create('bad', undefined, { public_key: pk });
        assert.equal(r.status, 400, pk);
        assert.equal(r.json().badRequest.message, 'Keypair data is invalid: failed to generate fingerprint');
      }
      assert.equal(emu.keypairs().length, 0);
    });

    it('Rackspace-style /v2/{tenant}: create 200 without type, ignores microversion headers', async () => {
      const base = `${emu.rackspaceComputeUrl()}/os-keypairs`;
      const r = await rawRequest('POST', base, { headers: mv('9.99'), body: { keypair: { name: 'rax' } } });
      assert.equal(r.status, 200);
      assert.equal(r.json().keypair.type, undefined);
      assert.ok(r.json().keypair.private_key);
      assert.equal(r.headers['openstack-api-version'], undefined);
      const list = await rawRequest('GET', base, { headers: mv('2.2') });
      assert.equal(list.status, 200);
      assert.equal(list.json().keypairs[0].keypair.type, undefined);
      // default URL is the user's default region (DFW); other regions are separate
      assert.equal(emu.keypairs(undefined, 'DFW').length, 1);
      const dfw = await rawRequest('GET', `${emu.rackspaceComputeUrl(undefined, 'DFW')}/os-keypairs`, {
        headers: mv(),
      });
      assert.equal(dfw.json().keypairs.length, 1);
      const ord = await rawRequest('GET', `${emu.rackspaceComputeUrl(undefined, 'ORD')}/os-keypairs`, {
        headers: mv(),
      });
      assert.equal(ord.json().keypairs.length, 0);
      const nova = await rawRequest('GET', kp, { headers: mv() });
      assert.equal(nova.json().keypairs.length, 0);
      const del = await rawRequest('DELETE', `${base}/rax`, { headers: mv('2.2') });
      assert.equal(del.status, 202);
      assert.equal(emu.keypairs().length, 0);
      const unknownRegion = await rawRequest('GET', `${emu.url}/syd/v2/123456/os-keypairs`, { headers: mv() });
      assert.equal(unknownRegion.status, 404);
    });

    it('duplicate name: 409 conflictingRequest', async () => {
      assert.equal((await create('dup')).status, 200);
      const r = await create('dup');
      assert.equal(r.status, 409);
      assert.deepEqual(r.json(), { conflictingRequest: { code: 409, message: "Key pair 'dup' already exists." } });
      const ed = sshKeygen('ed25519');
      assert.equal((await create('dup', '2.92', { public_key: ed.pub })).status, 409);
    });

    it('concurrent creates of one name: exactly one wins', async () => {
      const rs = await Promise.all([create('race'), create('race'), create('race')]);
      assert.deepEqual(rs.map((r) => r.status).sort(), [200, 409, 409]);
      assert.equal(emu.keypairs().length, 1);
    });

    it('name rules: length, whitespace, characters', async () => {
      const ed = sshKeygen('ed25519');
      assert.equal((await create('a'.repeat(255), undefined, { public_key: ed.pub })).status, 200);
      let r = await create('b'.repeat(256));
      assert.equal(r.status, 400);
      assert.equal(
        r.json().badRequest.message,
        `Invalid input for field/attribute name. Value: ${'b'.repeat(256)}. '${'b'.repeat(256)}' is too long`,
      );
      r = await create('');
      assert.equal(r.status, 400);
      assert.equal(r.json().badRequest.message, "Invalid input for field/attribute name. Value: . '' is too short");
      const ws =
        "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";
      for (const n of [' lead', 'trail ', '   ', '\tx']) {
        r = await create(n);
        assert.equal(r.status, 400, JSON.stringify(n));
        assert.equal(r.json().badRequest.message, ws);
      }
      assert.equal((await create('inner space ok', undefined, { public_key: ed.pub })).status, 200);
      for (const n of ['a/b', 'café', 'a@b', 'a.b']) {
        r = await create(n, '2.91');
        assert.equal(r.status, 400, n);
        assert.equal(
          r.json().badRequest.message,
          `An invalid 'name' value was provided. The name must be: Only expected characters: [${SAFE_20}]`,
        );
      }
      assert.equal((await create('user@host.example', '2.92', { public_key: ed.pub })).status, 201);
      r = await create('a/b', '2.92', { public_key: ed.pub });
      assert.equal(
        r.json().badRequest.message,
        `An invalid 'name' value was provided. The name must be: Only expected characters: [${SAFE_292}]`,
      );
      r = await create(5 as unknown as string);
      assert.equal(
        r.json().badRequest.message,
        "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'",
      );
      assert.deepEqual(
        emu
          .keypairs()
          .map((k) => k.name)
          .sort(),
        ['a'.repeat(255), 'inner space ok', 'user@host.example'].sort(),
      );
    });

    it('body errors: none, malformed, no wrapper, extra fields, type', async () => {
      const post = (body: string | undefined, v?: string) =>
        rawRequest('POST', kp, { headers: { ...mv(v), 'Content-Type': 'application/json' }, body });
      let r = await post(undefined);
      assert.equal(r.status, 400);
      assert.equal(r.json().badRequest.message, "None is not of type 'object'");
      r = await post('{"keypair": ');
      assert.equal(r.json().badRequest.message, 'Malformed request body');
      r = await post('{"name":"x"}');
      assert.equal(r.json().badRequest.message, "'keypair' is a required property");
      r = await post('{"keypair":{"name":"x","type":"ssh"}}');
      assert.equal(r.status, 400);
      assert.match(r.json().badRequest.message, /Additional properties are not allowed \('type' was unexpected\)/);
      r = await post('{"keypair":{"name":"x","type":"foo"}}', '2.2');
      assert.equal(r.status, 400);
      assert.match(r.json().badRequest.message, /'foo' is not one of \['ssh', 'x509'\]/);
      r = await post('{"keypair":{"name":"x","type":"x509"}}', '2.2');
      assert.equal(r.status, 400);
      assert.match(r.json().badRequest.message, /not supported by emulator/);
      r = await post('{"keypair":{"name":"x","user_id":"someone-else"}}', '2.10');
      assert.equal(r.status, 403);
      assert.equal(emu.keypairs().length, 0);
    });

    it('415 for a form Content-Type', async () => {
      const r = await rawRequest('POST', kp, {
        headers: { ...mv(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'keypair[name]=x',
      });
      assert.equal(r.status, 415);
      assert.deepEqual(r.json(), { badMediaType: { code: 415, message: 'Unsupported Content-Type' } });
      assert.equal(emu.keypairs().length, 0);
    });

    it('quota: 403 forbidden once the user has `quota` pairs', async () => {
      emu.setOptions({ quota: 2 });
      const ed = sshKeygen('ed25519');
      assert.equal((await create('q1', undefined, { public_key: ed.pub })).status, 200);
      assert.equal((await create('q2', undefined, { public_key: ed.pub })).status, 200);
      const r = await create('q3', undefined, { public_key: ed.pub });
      assert.equal(r.status, 403);
      assert.deepEqual(r.json(), { forbidden: { code: 403, message: 'Quota exceeded, too many key pairs.' } });
      assert.equal((await create('q4')).status, 403);
      const lim = await rawRequest('GET', `${emu.computeUrl}/limits`, { headers: mv() });
      assert.equal(lim.json().limits.absolute.maxTotalKeypairs, 2);
    });
  });

  describe('list, show, delete', () => {
    it('list per microversion', async () => {
      const ed = sshKeygen('ed25519');
      await create('k1', undefined, { public_key: ed.pub });
      let r = await rawRequest('GET', kp, { headers: mv() });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), {
        keypairs: [{ keypair: { name: 'k1', public_key: ed.pub, fingerprint: ed.md5 } }],
      });
      r = await rawRequest('GET', kp, { headers: mv('2.2') });
      assert.equal(r.json().keypairs[0].keypair.type, 'ssh');
      assert.equal(r.json().keypairs_links, undefined);
    });

    it('show adds user_id, created_at, deleted, id ...', async () => {
      const created = (await create('shown', '2.2')).json().keypair;
      let r = await rawRequest('GET', `${kp}/shown`, { headers: mv() });
      assert.equal(r.status, 200);
      const k = r.json().keypair;
      for (const f of [
        'user_id',
        'created_at',
        'deleted',
        'deleted_at',
        'id',
        'updated_at',
        'name',
        'public_key',
        'fingerprint',
      ]) {
        assert.ok(f in k, f);
      }
      assert.equal(k.type, undefined);
      assert.equal(k.deleted, false);
      assert.equal(k.fingerprint, created.fingerprint);
      assert.match(k.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      r = await rawRequest('GET', `${kp}/shown`, { headers: mv('2.2') });
      assert.equal(r.json().keypair.type, 'ssh');
    });

    it('names with spaces and @ are URL-decoded', async () => {
      const ed = sshKeygen('ed25519');
      await create('my key', undefined, { public_key: ed.pub });
      await create('me@host.x', '2.92', { public_key: ed.pub });
      assert.equal((await rawRequest('GET', `${kp}/my%20key`, { headers: mv() })).json().keypair.name, 'my key');
      assert.equal((await rawRequest('GET', `${kp}/me%40host.x`, { headers: mv() })).status, 200);
    });

    it('delete: 202 at 2.1, 204 at 2.2+, empty body; 404 when missing', async () => {
      await create('d1');
      await create('d2');
      let r = await rawRequest('DELETE', `${kp}/d1`, { headers: mv() });
      assert.equal(r.status, 202);
      assert.equal(r.body, '');
      r = await rawRequest('DELETE', `${kp}/d2`, { headers: mv('2.2') });
      assert.equal(r.status, 204);
      assert.equal(r.body, '');
      assert.equal(emu.keypairs().length, 0);
      assert.deepEqual((await rawRequest('GET', kp, { headers: mv() })).json(), { keypairs: [] });
      for (const m of ['GET', 'DELETE']) {
        r = await rawRequest(m, `${kp}/d1`, { headers: mv('2.2') });
        assert.equal(r.status, 404);
        assert.match(r.json().itemNotFound.message, /^Keypair d1 not found for user [0-9a-f]{32}$/);
      }
    });

    it('project id in the /v2.1 path is accepted', async () => {
      await create('p1');
      const r = await rawRequest('GET', `${emu.computeUrl}/123456/os-keypairs`, { headers: mv() });
      assert.equal(r.json().keypairs.length, 1);
    });
  });

  describe('pagination (2.35)', () => {
    it('limit/marker and keypairs_links; ignored before 2.35', async () => {
      emu.seed(25, { prefix: 'p-' });
      let r = await rawRequest('GET', `${kp}?limit=10`, { headers: mv('2.35') });
      assert.equal(r.status, 200);
      let body = r.json();
      assert.equal(body.keypairs.length, 10);
      assert.equal(body.keypairs[0].keypair.name, 'p-00001');
      assert.deepEqual(body.keypairs_links, [{ rel: 'next', href: `${kp}?limit=10&marker=p-00010` }]);
      const names: string[] = [];
      let next: string | undefined = `${kp}?limit=10`;
      while (next) {
        body = (await rawRequest('GET', next, { headers: mv('2.35') })).json();
        names.push(...body.keypairs.map((k: { keypair: { name: string } }) => k.keypair.name));
        next = body.keypairs_links?.[0]?.href;
      }
      assert.equal(names.length, 25);
      assert.equal(new Set(names).size, 25);
      r = await rawRequest('GET', `${kp}?limit=5&marker=p-00020`, { headers: mv('2.35') });
      assert.deepEqual(
        r.json().keypairs.map((k: { keypair: { name: string } }) => k.keypair.name),
        ['p-00021', 'p-00022', 'p-00023', 'p-00024', 'p-00025'],
      );
      // exactly-full last page still carries a next link; the page after it is empty
      assert.ok(r.json().keypairs_links);
      r = await rawRequest('GET', `${kp}?limit=5&marker=p-00025`, { headers: mv('2.35') });
      assert.deepEqual(r.json(), { keypairs: [] });
      r = await rawRequest('GET', `${kp}?limit=10`, { headers: mv('2.34') });
      assert.equal(r.json().keypairs.length, 25);
      assert.equal(r.json().keypairs_links, undefined);
      r = await rawRequest('GET', `${kp}?marker=nope`, { headers: mv('2.35') });
      assert.equal(r.status, 400);
      assert.equal(r.json().badRequest.message, 'Marker nope could not be found.');
      r = await rawRequest('GET', `${kp}?limit=-1`, { headers: mv('2.35') });
      assert.equal(r.status, 400);
    });

    it('10,000 pairs: seeded fast, listed fast; 2.35 caps a page at 1000', async () => {
      let t = Date.now();
      assert.equal(emu.seed(10000), 10000);
      assert.ok(Date.now() - t < 2000, `seed took ${Date.now() - t} ms`);
      t = Date.now();
      let r = await rawRequest('GET', kp, { headers: mv('2.2') });
      assert.equal(r.json().keypairs.length, 10000);
      r = await rawRequest('GET', kp, { headers: mv('2.35') });
      assert.equal(r.json().keypairs.length, 1000);
      assert.match(r.json().keypairs_links[0].href, /marker=seed-01000$/);
      r = await rawRequest('GET', `${kp}?marker=seed-09990`, { headers: mv('2.35') });
      assert.equal(r.json().keypairs.length, 10);
      assert.ok(Date.now() - t < 3000, `listing took ${Date.now() - t} ms`);
      // seeded public keys are valid OpenSSH lines
      const first = must(emu.keypairs()[0], 'a seeded pair');
      const file = path.join(tmpDir, 'seeded.pub');
      fs.writeFileSync(file, first.public_key + '\n');
      assert.equal(md5Of(file), first.fingerprint);
    });
  });

  describe('routing and auth', () => {
    it('unknown routes and methods: 404 (HTML, or JSON with Accept)', async () => {
      let r = await rawRequest('PUT', kp, { headers: mv(), body: {} });
      assert.equal(r.status, 404);
      assert.match(String(r.headers['content-type']), /text\/html/);
      for (const m of ['PATCH', 'DELETE']) assert.equal((await rawRequest(m, kp, { headers: mv() })).status, 404);
      assert.equal((await rawRequest('POST', `${kp}/x`, { headers: mv(), body: {} })).status, 404);
      r = await rawRequest('GET', `${emu.computeUrl}/os-hypervisors`, {
        headers: { ...mv(), Accept: 'application/json' },
      });
      assert.equal(r.status, 404);
      assert.deepEqual(r.json(), { itemNotFound: { code: 404, message: 'The resource could not be found.' } });
      assert.equal((await rawRequest('GET', `${emu.url}/nothing/here`)).status, 404);
    });

    it('401 without or with a bad token (Keystone style on /v2.1, Rackspace style on /v2)', async () => {
      for (const headers of [{}, { 'X-Auth-Token': 'bogus' }] as Record<string, string>[]) {
        let r = await rawRequest('GET', kp, { headers });
        assert.equal(r.status, 401);
        assert.deepEqual(r.json(), {
          error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
        });
        assert.equal(r.headers['www-authenticate'], `Keystone uri="${emu.keystoneUrl}/v3"`);
        r = await rawRequest('POST', `${emu.rackspaceComputeUrl()}/os-keypairs`, {
          headers,
          body: { keypair: { name: 'x' } },
        });
        assert.equal(r.status, 401);
        assert.equal(r.json().unauthorized.code, 401);
      }
      assert.equal(emu.keypairs().length, 0);
    });

    it('extra static tokens via options', async () => {
      emu.setOptions({ tokens: ['t1', 't2'] });
      try {
        assert.equal((await rawRequest('GET', kp, { headers: { 'X-Auth-Token': 't2' } })).status, 200);
        assert.equal((await rawRequest('GET', kp, { headers: { 'X-Auth-Token': TOKEN } })).status, 401);
      } finally {
        emu.setOptions({ tokens: [TOKEN] });
      }
    });

    it('setOptions rejects an invalid maxMicroversion', () => {
      assert.throws(() => emu.setOptions({ maxMicroversion: '2.0' }));
      assert.throws(() => emu.setOptions({ maxMicroversion: 'x' }));
    });
  });
});
