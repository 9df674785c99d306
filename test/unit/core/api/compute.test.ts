import * as assert from 'node:assert/strict';
import { ApiError } from '../../../../src/core/api/errors';
import { compareVersions } from '../../../../src/core/base/microversion';
import { TokenSource, versionedRoot } from '../../../../src/core/api/compute';
import { compute, rejection, testHttp, TOKEN, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';

describe('ComputeClient against the emulator', () => {
  const ctx = useEmulator({ maxMicroversion: '2.93' });

  describe('microversions', () => {
    it('discovers the range from the versioned root and speaks at most 2.92', async () => {
      const c = compute(ctx.emu.computeUrl);
      assert.deepEqual(await c.version(), { microversion: '2.92' });
    });

    it('speaks the server maximum when it is lower', async () => {
      ctx.emu.setOptions({ maxMicroversion: '2.10' });
      const c = compute(ctx.emu.computeUrl);
      assert.deepEqual(await c.version(), { microversion: '2.10' });
      const created = await c.create('mv-check');
      assert.equal(created.type, 'ssh');
      const post = ctx.emu.requests.find((r) => r.method === 'POST')!;
      assert.equal(post.headers['openstack-api-version'], 'compute 2.10');
      assert.equal(post.status, 201);
    });

    it('uses no microversion on Rackspace-style endpoints', async () => {
      const c = compute(ctx.emu.rackspaceComputeUrl());
      assert.deepEqual(await c.version(), {});
      const created = await c.create('rax');
      assert.ok(created.privateKey?.startsWith('-----BEGIN RSA PRIVATE KEY-----'));
      const post = ctx.emu.requests.find((r) => r.method === 'POST')!;
      assert.equal(post.status, 200);
      assert.equal(post.headers['openstack-api-version'], undefined);
    });

    it('finds the versioned root of endpoints with a project id', () => {
      assert.equal(versionedRoot('https://nova.example/v2.1/abc123/'), 'https://nova.example/v2.1');
      assert.equal(
        versionedRoot('https://dfw.servers.api.rackspacecloud.com/v2/123456'),
        'https://dfw.servers.api.rackspacecloud.com/v2',
      );
      assert.equal(versionedRoot('https://cloud.example:8774/compute/v2.1'), 'https://cloud.example:8774/compute/v2.1');
    });

    it('compares microversions numerically', () => {
      assert.ok(compareVersions('2.10', '2.9') > 0);
      assert.ok(compareVersions('2.92', '2.92') === 0);
      assert.ok(compareVersions('2.35', '2.100') < 0);
    });
  });

  describe('key pairs', () => {
    it('creates a server-generated pair at 2.1 (200, private key, no type)', async () => {
      const c = compute(ctx.emu.computeUrl, { microversion: '' });
      const kp = await c.create('web server');
      assert.equal(kp.name, 'web server');
      assert.match(kp.publicKey, /^ssh-rsa AAAA/);
      assert.match(kp.fingerprint, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
      assert.equal(kp.type, undefined);
      assert.ok(kp.privateKey?.includes('PRIVATE KEY'));
      assert.deepEqual(
        ctx.emu.keypairs().map((k) => k.name),
        ['web server'],
      );
    });

    it('imports a public key and returns no private key', async () => {
      const c = compute(ctx.emu.computeUrl, { microversion: '2.92' });
      const pub = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test';
      const kp = await c.create('imported', { publicKey: pub });
      assert.equal(kp.privateKey, undefined);
      assert.equal(kp.type, 'ssh');
      assert.equal(must(ctx.emu.keypairs()[0], 'the pair on the server').public_key, pub);
    });

    it('lists all pairs across 2.35 pages', async () => {
      ctx.emu.seed(2500);
      const http = testHttp();
      const c = compute(ctx.emu.computeUrl, { http });
      const all = await c.listAll({ pageSize: 1000 });
      assert.equal(all.length, 2500);
      assert.equal(new Set(all.map((k) => k.name)).size, 2500);
      const gets = ctx.emu.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/os-keypairs'));
      assert.equal(gets.length, 3, 'three pages of at most 1000');
    });

    it('lists everything in one answer where there is no pagination', async () => {
      ctx.emu.seed(1200);
      const c = compute(ctx.emu.computeUrl, { microversion: '2.2' });
      const page = await c.listPage({ limit: 1000 });
      assert.equal(page.keyPairs.length, 1200);
      assert.equal(page.next, undefined);
    });

    it('gets one pair, undefined when missing; names with spaces are encoded', async () => {
      const c = compute(ctx.emu.computeUrl, { microversion: '2.10' });
      await c.create('my key', {
        publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x',
      });
      const got = await c.get('my key');
      assert.equal(got?.name, 'my key');
      assert.ok(got?.createdAt);
      assert.equal(await c.get('nope'), undefined);
    });

    for (const [mv, status] of [
      ['', 202],
      ['2.2', 204],
    ] as const) {
      it(`deletes at ${mv || '2.1'} (${status}) and reports a missing pair as already gone`, async () => {
        const c = compute(ctx.emu.computeUrl, { microversion: mv });
        await c.create('to-delete');
        assert.equal(await c.delete('to-delete'), true);
        assert.equal(ctx.emu.requests.find((r) => r.method === 'DELETE')?.status, status);
        assert.deepEqual(ctx.emu.keypairs(), []);
        assert.equal(await c.delete('to-delete'), false);
      });
    }
  });

  describe('errors', () => {
    async function rejects(p: Promise<unknown>, expected: Partial<ApiError>): Promise<ApiError> {
      const err = await rejection(p, ApiError);
      for (const [k, v] of Object.entries(expected)) assert.equal((err as never)[k], v, `${k}`);
      return err;
    }

    it('409 for a taken name carries the server message', async () => {
      const c = compute(ctx.emu.computeUrl, { microversion: '2.10' });
      await c.create('dup');
      await rejects(c.create('dup'), {
        kind: 'conflict',
        status: 409,
        serverMessage: "Key pair 'dup' already exists.",
      });
    });

    it('400 for a bad name carries the server message', async () => {
      const c = compute(ctx.emu.computeUrl, { microversion: '' });
      const err = await rejects(c.create('bad/name'), { kind: 'bad-request', status: 400 });
      assert.match(err.serverMessage!, /invalid 'name'/);
    });

    it('403 quota is told apart from other 403s', async () => {
      ctx.emu.setOptions({ quota: 1 });
      const c = compute(ctx.emu.computeUrl, { microversion: '2.10' });
      await c.create('one');
      await rejects(c.create('two'), { kind: 'quota', status: 403 });
      ctx.emu.addFault({
        method: 'POST',
        status: 403,
        body: '{"forbidden":{"code":403,"message":"Policy does not allow it."}}',
      });
      await rejects(c.create('three'), { kind: 'forbidden' });
    });

    it('401 with a fixed token is not retried', async () => {
      const c = compute(ctx.emu.computeUrl, { auth: { canRenew: false, token: async () => 'wrong' } });
      await rejects(c.create('x'), { kind: 'unauthorized', status: 401 });
      assert.equal(ctx.emu.requests.filter((r) => r.method === 'POST').length, 1);
    });

    it('401 with a renewable token renews once and retries once', async () => {
      const asked: Array<string | undefined> = [];
      const auth: TokenSource = {
        canRenew: true,
        token: async (o) => {
          asked.push(o?.rejected);
          return o?.rejected ? TOKEN : 'stale';
        },
      };
      const c = compute(ctx.emu.computeUrl, { auth, microversion: '2.10' });
      await c.create('renewed');
      assert.deepEqual(asked, [undefined, 'stale']);
      const posts = ctx.emu.requests.filter((r) => r.method === 'POST').map((r) => r.status);
      assert.deepEqual(posts, [401, 201]);
      // A second rejection is final: no loop.
      const never: TokenSource = { canRenew: true, token: async () => 'always-wrong' };
      await rejects(compute(ctx.emu.computeUrl, { auth: never }).create('y'), { kind: 'unauthorized' });
    });

    it('404 from a wrong endpoint is an endpoint problem', async () => {
      const c = compute(`${ctx.emu.url}/not-compute/v2.1`);
      await rejects(c.listAll(), { kind: 'endpoint-not-found', status: 404 });
    });

    it('a 200 without required fields is a bad response, ambiguous for POST', async () => {
      const c = compute(ctx.emu.computeUrl, { microversion: '2.10' });
      ctx.emu.addFault({ method: 'POST', when: 'after', kind: 'missing-field', field: 'private_key' });
      await rejects(c.create('no-private'), { kind: 'bad-response', ambiguous: true, code: 'missing private_key' });
      ctx.emu.addFault({ method: 'GET', when: 'after', kind: 'missing-field', field: 'public_key' });
      await rejects(c.get('no-private'), { kind: 'bad-response', ambiguous: false });
    });
  });
});
