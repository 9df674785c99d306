// Unit tests of the emulator's fault injection, control API and CLI, over real HTTP.
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { Emulator, Fault, startEmulator } from '../emulator/server';
import { RawHttpError, rawRequest } from '../emulator/rawhttp';
import { exactly, must } from '../support/must';

const H = { 'X-Auth-Token': 'sandbox-token' };
const H22 = { ...H, 'OpenStack-API-Version': 'compute 2.2' };

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function expectError(p: Promise<unknown>): Promise<RawHttpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RawHttpError, String(e));
    return e;
  }
  assert.fail('expected the request to fail');
}

describe('emulator: faults, control API, CLI', function () {
  this.timeout(30000);
  let emu: Emulator;
  let kp: string;
  const create = (name: string, headers: Record<string, string> = H, timeoutMs?: number) =>
    rawRequest('POST', kp, { headers, body: { keypair: { name } }, timeoutMs });
  const names = () =>
    emu
      .keypairs()
      .map((k) => k.name)
      .sort();

  before(async () => {
    emu = await startEmulator();
    kp = `${emu.computeUrl}/os-keypairs`;
  });
  after(() => emu.close());
  beforeEach(() => {
    emu.reset();
    emu.setOptions({ latencyMs: 0 });
  });

  describe('status faults', () => {
    it("'before' answers instead and does not perform the action", async () => {
      emu.addFault({ method: 'POST', path: '/os-keypairs', status: 503 });
      const r = await create('b1');
      assert.equal(r.status, 503);
      assert.deepEqual(r.json(), { serviceUnavailable: { code: 503, message: 'Service Unavailable' } });
      assert.deepEqual(names(), []);
      assert.equal((await create('b1')).status, 200); // times defaults to 1
      assert.deepEqual(names(), ['b1']);
    });

    it("'after' performs the action, then answers the fault", async () => {
      emu.addFault({
        method: 'POST',
        path: '/os-keypairs',
        status: 500,
        when: 'after',
        body: '{"oops":1}',
        headers: { 'X-Fault': 'yes' },
      });
      const r = await create('a1');
      assert.equal(r.status, 500);
      assert.equal(r.body, '{"oops":1}');
      assert.equal(r.headers['x-fault'], 'yes');
      assert.deepEqual(names(), ['a1']);
      emu.addFault({ method: 'DELETE', status: 504, when: 'after' });
      assert.equal((await rawRequest('DELETE', `${kp}/a1`, { headers: H })).status, 504);
      assert.deepEqual(names(), []);
    });

    it('matching: method, substring path, RegExp path, times, Infinity, clearFaults', async () => {
      emu.addFault({ method: 'GET', path: /\/os-keypairs\/[^/]+$/, status: 418, times: 2 });
      assert.equal((await rawRequest('GET', kp, { headers: H })).status, 200);
      assert.equal((await rawRequest('GET', `${kp}/x`, { headers: H })).status, 418);
      assert.equal((await rawRequest('GET', `${kp}/x`, { headers: H })).status, 418);
      assert.equal((await rawRequest('GET', `${kp}/x`, { headers: H })).status, 404);
      emu.addFault({ path: '/v2.0/tokens', status: 500, times: Infinity });
      for (let i = 0; i < 5; i++) {
        assert.equal((await rawRequest('POST', `${emu.identityUrl}/tokens`, { body: {} })).status, 500);
      }
      emu.clearFaults();
      assert.equal((await rawRequest('POST', `${emu.identityUrl}/tokens`, { body: {} })).status, 400);
      // 413 overLimit with Retry-After, as older Nova / Rackspace document for quota
      emu.addFault({
        method: 'POST',
        path: '/os-keypairs',
        status: 413,
        headers: { 'Retry-After': '0' },
        body: JSON.stringify({
          overLimit: { code: 413, message: 'Quota exceeded, too many key pairs.', retryAfter: '0' },
        }),
      });
      const r = await create('ol');
      assert.equal(r.status, 413);
      assert.equal(r.headers['retry-after'], '0');
      assert.equal(r.json().overLimit.code, 413);
    });

    it('a fault with only delayMs/headers modifies the real answer', async () => {
      emu.addFault({ path: '/os-keypairs', delayMs: 300, headers: { 'X-Extra': '1' } });
      const t = Date.now();
      const r = await create('slow');
      assert.ok(Date.now() - t >= 280);
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-extra'], '1');
      assert.deepEqual(names(), ['slow']);
    });

    it('latencyMs delays every answer', async () => {
      emu.setOptions({ latencyMs: 250 });
      const t = Date.now();
      await rawRequest('GET', kp, { headers: H });
      assert.ok(Date.now() - t >= 230);
    });
  });

  describe('fault kinds', () => {
    it('stall-before-headers: no answer at all (client times out)', async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'stall-before-headers' });
      const e = await expectError(create('s1', H, 400));
      assert.equal(e.phase, 'timeout-before-headers');
      assert.deepEqual(names(), []);
      emu.addFault({ path: '/os-keypairs', kind: 'stall-before-headers', when: 'after' });
      await expectError(create('s2', H, 400));
      await waitFor(() => names().includes('s2')); // key generation may outlast the client's timeout
      assert.deepEqual(names(), ['s2']);
    });

    it('stall-after-headers: status and headers arrive, the body never does', async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'stall-after-headers', when: 'after' });
      const r = await rawRequest('POST', kp, { headers: H22, body: { keypair: { name: 's3' } }, headersOnly: true });
      assert.equal(r.status, 201);
      assert.deepEqual(names(), ['s3']);
      emu.addFault({ path: '/os-keypairs', kind: 'stall-after-headers' });
      const e = await expectError(create('s4', H, 500));
      assert.equal(e.phase, 'timeout-body');
      assert.equal(e.status, 200);
      assert.deepEqual(names(), ['s3']);
    });

    it('reset-before-headers: connection reset, no status', async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'reset-before-headers' });
      const e = await expectError(create('r1'));
      assert.equal(e.phase, 'before-headers');
      assert.deepEqual(names(), []);
      emu.addFault({ path: '/os-keypairs', kind: 'reset-before-headers', when: 'after' });
      await expectError(create('r2'));
      assert.deepEqual(names(), ['r2']);
    });

    it('reset-mid-body: status arrives, then the connection resets mid-body', async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'reset-mid-body', when: 'after' });
      const e = await expectError(create('m1', H22));
      assert.equal(e.phase, 'body');
      assert.equal(e.status, 201);
      assert.ok((e.partialBody ?? '').startsWith('{"keypair"'), e.partialBody);
      assert.deepEqual(names(), ['m1']);
      emu.addFault({ path: '/os-keypairs', kind: 'reset-mid-body' });
      await expectError(create('m2'));
      assert.deepEqual(names(), ['m1']);
    });

    it('malformed-json: success status, unparseable body', async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'malformed-json', when: 'after' });
      const r = await create('j1', H22);
      assert.equal(r.status, 201);
      assert.throws(() => JSON.parse(r.body));
      assert.deepEqual(names(), ['j1']);
      emu.addFault({ method: 'GET', kind: 'malformed-json' });
      const l = await rawRequest('GET', kp, { headers: H });
      assert.equal(l.status, 200);
      assert.throws(() => JSON.parse(l.body));
    });

    it('oversized-body: valid JSON of the requested size', async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'oversized-body', sizeBytes: 3 * 1024 * 1024, when: 'after' });
      const r = await create('o1');
      assert.equal(r.status, 200);
      assert.ok(r.body.length >= 3 * 1024 * 1024 - 16, String(r.body.length));
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
      assert.equal(r.json().keypair.name, 'o1');
      emu.addFault({ method: 'GET', kind: 'oversized-body' });
      const l = await rawRequest('GET', kp, { headers: H });
      assert.ok(l.body.length >= 16 * 1024 * 1024 - 16);
    });

    it("missing-field: drops keypair.<field> ('after' still creates)", async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'missing-field', field: 'private_key', when: 'after' });
      let r = await create('f1');
      assert.equal(r.status, 200);
      assert.equal(r.json().keypair.private_key, undefined);
      assert.ok(r.json().keypair.public_key);
      assert.deepEqual(names(), ['f1']);
      emu.addFault({ path: '/os-keypairs', kind: 'missing-field', field: 'fingerprint' });
      r = await create('f2');
      assert.equal(r.status, 200);
      assert.equal(r.json().keypair.fingerprint, undefined);
      assert.ok(r.json().keypair.private_key);
      assert.deepEqual(names(), ['f1']); // 'before': dry run, nothing stored
      emu.addFault({ method: 'GET', kind: 'missing-field', field: 'public_key' });
      r = await rawRequest('GET', kp, { headers: H });
      assert.equal(r.json().keypairs[0].keypair.public_key, undefined);
    });

    it('wrong-fingerprint: answer fingerprint differs from the real one', async () => {
      emu.addFault({ path: '/os-keypairs', kind: 'wrong-fingerprint', when: 'after' });
      const r = await create('w1');
      const real = must(emu.keypairs()[0], 'the pair').fingerprint;
      assert.match(r.json().keypair.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      assert.notEqual(r.json().keypair.fingerprint, real);
      emu.addFault({ method: 'GET', path: '/os-keypairs/w1', kind: 'wrong-fingerprint' });
      const s = await rawRequest('GET', `${kp}/w1`, { headers: H });
      assert.notEqual(s.json().keypair.fingerprint, real);
    });

    it('addFault rejects unknown kinds', () => {
      assert.throws(() => emu.addFault({ kind: 'nope' } as unknown as Fault));
    });

    it('close() ends stalled connections', async () => {
      const other = await startEmulator();
      other.addFault({ kind: 'stall-before-headers', times: Infinity });
      const p = expectError(rawRequest('GET', `${other.computeUrl}/os-keypairs`, { headers: H, timeoutMs: 5000 }));
      await new Promise((r) => setTimeout(r, 100));
      const t = Date.now();
      await other.close();
      const e = await p;
      assert.equal(e.phase, 'before-headers');
      assert.ok(Date.now() - t < 2000);
    });
  });

  describe('control API', () => {
    const ctl = (method: string, p: string, body?: unknown) =>
      rawRequest(method, `${emu.url}/_emulator/${p}`, { body: body as object });

    it('state, requests, reset', async () => {
      await create('c1');
      await rawRequest('POST', `${emu.rackspaceComputeUrl(undefined, 'ORD')}/os-keypairs`, {
        headers: H,
        body: { keypair: { name: 'c2' } },
      });
      const s = (await ctl('GET', 'state')).json();
      const uid = must(emu.keypairs()[0], 'the pair').user_id;
      assert.deepEqual(
        s.keypairs[uid]['v2.1'].map((k: { name: string }) => k.name),
        ['c1'],
      );
      assert.deepEqual(
        s.keypairs[uid].ORD.map((k: { name: string }) => k.name),
        ['c2'],
      );
      assert.equal(s.keypairCount, 2);
      assert.equal(s.requestCount, 2);
      assert.equal(s.computeUrl, emu.computeUrl);
      const reqs = (await ctl('GET', 'requests')).json().requests;
      assert.deepEqual(
        reqs.map((r: { status: number }) => r.status),
        [200, 200],
      );
      assert.equal(emu.requests.length, 2); // control calls are not logged
      const [first] = exactly(emu.requests, 2, 'requests');
      assert.equal(first.method, 'POST');
      assert.equal(first.path, '/v2.1/os-keypairs');
      assert.equal(JSON.parse(first.body).keypair.name, 'c1');
      assert.equal((await ctl('POST', 'reset')).status, 200);
      const s2 = (await ctl('GET', 'state')).json();
      assert.equal(s2.keypairCount, 0);
      assert.equal(s2.requestCount, 0);
    });

    it('faults over HTTP (pathRegex, Infinity), DELETE faults', async () => {
      let r = await ctl('POST', 'faults', {
        pathRegex: '/os-keypairs$',
        method: 'POST',
        status: 500,
        times: 'Infinity',
        when: 'after',
      });
      assert.equal(r.status, 201);
      assert.equal((await create('h1')).status, 500);
      assert.equal((await create('h2')).status, 500);
      assert.deepEqual(names(), ['h1', 'h2']);
      const st = (await ctl('GET', 'state')).json();
      assert.equal(st.faults[0].pathRegex, new RegExp('/os-keypairs$').source);
      assert.equal(st.faults[0].remaining, 'Infinity');
      assert.equal((await ctl('DELETE', 'faults')).status, 200);
      assert.equal((await create('h3')).status, 200);
      r = await ctl('POST', 'faults', { kind: 'reset-mid-body', path: '/os-keypairs', field: 3 });
      assert.equal(r.status, 400);
      r = await ctl('POST', 'faults', [
        { kind: 'missing-field', field: 'fingerprint', method: 'GET' },
        { status: 502, method: 'GET' },
      ]);
      assert.equal(r.status, 201);
      assert.equal((await rawRequest('GET', kp, { headers: H })).json().keypairs[0].keypair.fingerprint, undefined);
      assert.equal((await rawRequest('GET', kp, { headers: H })).status, 502);
    });

    it('options (quota, maxMicroversion) and expire-tokens', async () => {
      const r = await ctl('POST', 'options', { quota: 1, maxMicroversion: '2.50' });
      assert.equal(r.status, 200);
      assert.equal(r.json().quota, 1);
      assert.ok(!r.body.includes('demo-api-key'));
      assert.equal((await create('q1')).status, 200);
      assert.equal((await create('q2')).status, 403);
      assert.equal(
        (await rawRequest('GET', kp, { headers: { ...H, 'OpenStack-API-Version': 'compute 2.51' } })).status,
        406,
      );
      assert.equal((await ctl('POST', 'options', { maxMicroversion: 'bogus' })).status, 400);
      await ctl('POST', 'options', { quota: 100, maxMicroversion: '2.93' });

      const auth = await rawRequest('POST', `${emu.identityUrl}/tokens`, {
        body: { auth: { 'RAX-KSKEY:apiKeyCredentials': { username: 'demo', apiKey: 'demo-api-key' } } },
      });
      const tok = auth.json().access.token.id;
      assert.equal((await rawRequest('GET', kp, { headers: { 'X-Auth-Token': tok } })).status, 200);
      assert.equal((await ctl('POST', 'expire-tokens')).status, 200);
      assert.equal((await rawRequest('GET', kp, { headers: { 'X-Auth-Token': tok } })).status, 401);
    });

    it('seed over HTTP; unknown control route 404', async () => {
      const r = await ctl('POST', 'seed', { count: 30, prefix: 'x-', region: 'iad' });
      assert.equal(r.json().added, 30);
      assert.equal(emu.keypairs(undefined, 'IAD').length, 30);
      assert.equal((await ctl('GET', 'nope')).status, 404);
    });
  });

  describe('CLI', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
    });

    it('prints one JSON line first, serves, and exits 0 on SIGTERM', async () => {
      const cli = path.resolve(__dirname, '../emulator/cli.js');
      const proc = spawn(
        process.execPath,
        [
          cli,
          '--port',
          '0',
          '--token',
          'cli-tok',
          '--seed',
          '7',
          '--quota',
          '9',
          '--max-microversion',
          '2.80',
          '--latency',
          '1',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = proc;
      let out = '';
      const first = await new Promise<string>((resolve, reject) => {
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        proc.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const urls = JSON.parse(first);
      assert.match(urls.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(urls.computeUrl, `${urls.url}/v2.1`);
      assert.equal(urls.identityUrl, `${urls.url}/v2.0`);
      assert.equal(urls.keystoneUrl, `${urls.url}/identity`);
      const l = await rawRequest('GET', `${urls.computeUrl}/os-keypairs`, { headers: { 'X-Auth-Token': 'cli-tok' } });
      assert.equal(l.json().keypairs.length, 7);
      assert.equal((await rawRequest('GET', urls.computeUrl)).json().version.version, '2.80');
      assert.equal((await rawRequest('GET', `${urls.computeUrl}/os-keypairs`, { headers: H })).status, 401);
      const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      proc.kill('SIGTERM');
      assert.equal(await exit, 0);
      assert.ok(!out.includes('cli-tok'));
    });
  });
});
