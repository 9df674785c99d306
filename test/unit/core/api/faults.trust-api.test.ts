// Fault cases of issue 10 for the API layer: a server that ignores `marker` (the list never
// ends), a server that trickles its answer one byte at a time (idle timeouts never fire), and
// an identity service issuing short-lived tokens (renewed before every call). Each case says
// what a user would see: the message (describeError) and how much traffic it took.
// Real HTTP on 127.0.0.1 only: the emulator, or a small fake server for what it cannot do.
import * as assert from 'node:assert/strict';
import type * as http from 'node:http';
import { ComputeClient } from '../../../../src/core/api/compute';
import { ApiError } from '../../../../src/core/api/errors';
import { Credentials } from '../../../../src/core/api/identity';
import { TokenManager } from '../../../../src/core/api/tokenManager';
import { describeError } from '../../../../src/core/wording/errorText';
import { FakeServer, sendJson, startFakeServer } from '../../helpers/fakeServer';
import { compute, rejection, testHttp, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';

/** A page of key pairs as Nova 2.35+ sends it, always claiming there is a next page. */
function novaPage(names: string[], base: string): unknown {
  return {
    keypairs: names.map((name) => ({
      keypair: { name, public_key: `ssh-ed25519 AAAA ${name}`, fingerprint: 'aa:bb', type: 'ssh' },
    })),
    keypairs_links: [{ rel: 'next', href: `${base}/os-keypairs?limit=3&marker=${names[names.length - 1]}` }],
  };
}

/** Stops an endless answer after this many requests, so code without a guard ends (and the test can fail). */
const RUNAWAY = 400;

describe('faults (trust, API layer)', () => {
  let fake: FakeServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  describe('the looping marker: a server that ignores `marker`', () => {
    it('stops at the first repeated page with a clear error, after 2 requests', async () => {
      fake = await startFakeServer((_req, res) => {
        if (fake!.requests.length > RUNAWAY) return sendJson(res, 200, { keypairs: [] });
        sendJson(res, 200, novaPage(['alpha', 'beta', 'gamma'], fake!.url));
      });
      const c = compute(`${fake.url}/v2.1`, { microversion: '2.35' });
      const err = await rejection(c.listAll({ pageSize: 3 }), ApiError);
      assert.equal(fake.requests.length, 2, 'one page, and the same page again');
      assert.equal(err.kind, 'bad-response');
      assert.equal(
        describeError(err).message,
        `127.0.0.1:${new URL(fake.url).port} sent an answer that is not what the Compute API sends ` +
          '(the same page came again: the server ignores "marker"). Is "keypairs.endpoint" right?',
      );
    });

    it('caps a list that never ends (new names on every page) at a bounded number of requests', async () => {
      let n = 0;
      fake = await startFakeServer((_req, res) => {
        if (fake!.requests.length > RUNAWAY) return sendJson(res, 200, { keypairs: [] });
        n++;
        sendJson(res, 200, novaPage([`k${n}-1`, `k${n}-2`, `k${n}-3`], fake!.url));
      });
      const c = compute(`${fake.url}/v2.1`, { microversion: '2.35' });
      const err = await rejection(c.listAll({ pageSize: 3, limits: { maxPages: 50 } }), ApiError);
      assert.equal(fake.requests.length, 50);
      assert.equal(err.kind, 'bad-response');
      assert.match(describeError(err).message, /\(the list did not end after 50 pages\)/);

      fake.requests.length = 0;
      const items = await rejection(c.listAll({ pageSize: 3, limits: { maxItems: 10 } }), ApiError);
      assert.equal(fake.requests.length, 4, '3 pages hold 9 names; the 4th goes over 10');
      assert.match(describeError(items).message, /\(the list holds more than 10 items\)/);
    });

    it('stops when the marker does not move although the names differ', async () => {
      let n = 0;
      fake = await startFakeServer((_req, res) => {
        if (fake!.requests.length > RUNAWAY) return sendJson(res, 200, { keypairs: [] });
        n++;
        // New names each time, but always ending with the same one: the next marker stays put.
        sendJson(res, 200, novaPage([`k${n}-1`, `k${n}-2`, 'zzz'], fake!.url));
      });
      const c = compute(`${fake.url}/v2.1`, { microversion: '2.35' });
      const err = await rejection(c.listAll({ pageSize: 3 }), ApiError);
      assert.equal(fake.requests.length, 2);
      assert.match(
        describeError(err).message,
        /\(the next page starts where the last one did: the server ignores "marker"\)/,
      );
    });
  });

  describe('the trickling server: one byte every 500 ms', () => {
    /** Answers 200 at once, then a JSON body of 20 spaces and `{"keypairs":[]}`, one byte every 500 ms (10 s). */
    const trickle = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const timer = setInterval(() => {
        if (++sent < 20) res.write(' ');
        else {
          clearInterval(timer);
          res.end('{"keypairs":[],"token":{"catalog":[]}}');
        }
      }, 500);
      res.on('close', () => clearInterval(timer));
    };
    const oneSecond = {
      connectTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 1000,
      deadlineMs: 1000,
      retries: 0,
    };

    it('a 1 s deadline ends a call in about 1 s (it took 10 s)', async function () {
      this.timeout(20_000);
      fake = await startFakeServer(trickle);
      const c = new ComputeClient({
        endpoint: `${fake.url}/v2.1`,
        http: testHttp(oneSecond),
        auth: { canRenew: false, token: async () => 'tok' },
        microversion: '2.35',
      });
      const started = Date.now();
      const err = await rejection(c.listAll(), ApiError);
      const took = Date.now() - started;
      assert.equal(err.kind, 'timeout');
      assert.ok(took < 3000, `took ${took} ms`);
      assert.match(describeError(err).message, /did not answer in time/);
    });

    it('the shared sign-in has the same deadline', async function () {
      this.timeout(20_000);
      fake = await startFakeServer(trickle);
      const creds: Credentials = {
        provider: 'keystone',
        authUrl: fake.url,
        applicationCredentialId: 'id',
        applicationCredentialSecret: 's3cr3t',
      };
      const tokens = new TokenManager({ http: testHttp(oneSecond), credentials: async () => creds });
      const started = Date.now();
      const [first, second] = await Promise.allSettled([tokens.token(), tokens.token()]);
      const took = Date.now() - started;
      assert.equal(fake.requests.length, 1, 'one sign-in shared by both callers');
      for (const r of [first, second]) {
        assert.equal(r.status, 'rejected');
        assert.equal((r.reason as ApiError).kind, 'timeout');
      }
      assert.ok(took < 3000, `took ${took} ms`);
    });
  });

  describe('the short-lived token: Keystone issues 60 s tokens', () => {
    const ctx = useEmulator({ tokenTtlSeconds: 60 });

    it('10 calls sign in once; the token is renewed at half its lifetime', async () => {
      const creds: Credentials = {
        provider: 'keystone',
        authUrl: ctx.emu.keystoneUrl,
        username: 'demo',
        password: 'demo-password',
        userDomain: 'Default',
        project: '123456',
        projectDomain: 'Default',
      };
      let now = Date.now();
      const http = testHttp();
      const tokens = new TokenManager({ http, credentials: async () => creds, now: () => now });
      const session = await tokens.session();
      const c = compute(must(session.regions[0], 'a region').url, { http, auth: tokens, microversion: '2.35' });
      const signIns = () =>
        ctx.emu.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/auth/tokens')).length;
      for (let i = 0; i < 10; i++) {
        await c.listAll();
        now += 2000; // 18 s in all: well inside the first half of the token's 60 s
      }
      assert.equal(signIns(), 1);
      now += 15_000; // 33 s after sign-in: past half its lifetime
      await c.listAll();
      assert.equal(signIns(), 2, 'renewed once, 30 s before it expires');
    });
  });
});
