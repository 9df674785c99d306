// Issue 10.11: credentials and tokens never go over plain http:// to a host that is not
// loopback unless an injected approver says yes; without one, or when it declines, the call
// fails with 'insecure-transport' before a byte is sent. A resolver stub makes a name that is
// not loopback-looking (`localtest.invalid`) reach a real server on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { Agent } from 'undici';
import { ComputeClient } from '../../../../src/core/api/compute';
import { ApiError } from '../../../../src/core/api/errors';
import { HttpClient, HttpClientOptions, isLoopbackHost, needsPlainHttpConsent } from '../../../../src/core/api/http';
import { Credentials } from '../../../../src/core/api/identity';
import { TokenManager } from '../../../../src/core/api/tokenManager';
import { describeError } from '../../../../src/core/wording/errorText';
import { FakeServer, sendJson, startFakeServer } from '../../helpers/fakeServer';
import { rejection } from '../../helpers/env';
import { must } from '../../../support/must';

const LOOKS_REMOTE = 'localtest.invalid';

describe('plain http (issue 10.11)', () => {
  it('asks for every http:// host but loopback', () => {
    const asks: Record<string, boolean> = {
      'http://10.0.0.5/v2.1': true,
      'http://example.com/v2.1': true,
      'http://192.168.1.10:8774/v2.1': true,
      'http://[fe80::1]/': true,
      'http://127.example.com/': true,
      'http://localhost.example.com/': true,
      'http://127.0.0.1:8774/v2.1': false,
      'http://127.1.2.3/': false,
      'http://127.1/': false,
      'http://[::1]:5000/v3': false,
      'http://[::ffff:127.0.0.1]/': false,
      'http://localhost:8774/': false,
      'http://LOCALHOST./': false,
      'https://example.com/v2.1': false,
      'https://10.0.0.5/': false,
    };
    for (const [url, expected] of Object.entries(asks)) {
      assert.equal(needsPlainHttpConsent(new URL(url)), expected, url);
    }
    assert.equal(isLoopbackHost('127.255.255.254'), true);
    assert.equal(isLoopbackHost('128.0.0.1'), false);
  });

  describe('a server on 127.0.0.1 reached as http://localtest.invalid', () => {
    let fake: FakeServer;
    let dispatcher: Agent;
    let base: string;
    beforeEach(async () => {
      fake = await startFakeServer((req, res) =>
        req.url?.endsWith('/auth/tokens')
          ? sendJson(res, 401, { error: { code: 401, message: 'no' } })
          : sendJson(res, 200, { keypairs: [], version: { version: '2.90', min_version: '2.1' } }),
      );
      base = `http://${LOOKS_REMOTE}:${new URL(fake.url).port}`;
      dispatcher = new Agent({
        connect: {
          // Every name is 127.0.0.1 (net.connect asks with `all: true` for a list).
          lookup: ((_host: string, opts: { all?: boolean }, cb: (err: null, ...answer: unknown[]) => void) =>
            opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never,
        },
      });
    });
    afterEach(async () => {
      await dispatcher.close();
      await fake.close();
    });

    const asked: string[] = [];
    const client = (answer?: boolean, options: HttpClientOptions = {}) => {
      asked.length = 0;
      const confirmPlainHttp =
        answer === undefined
          ? undefined
          : async (origin: string) => {
              asked.push(origin);
              return answer;
            };
      return new HttpClient({ dispatcher, retries: 0, confirmPlainHttp, ...options });
    };
    const auth = { canRenew: false, token: async () => 'tok' };
    const withToken = (http: HttpClient) =>
      new ComputeClient({ endpoint: `${base}/v2.1`, http, auth, microversion: '2.35' });

    it('refuses to send a token without an approver, and the server gets no request', async () => {
      const err = await rejection(withToken(client()).listAll(), ApiError);
      assert.equal(err.kind, 'insecure-transport');
      assert.equal(err.ambiguous, false);
      assert.equal(fake.requests.length, 0);
      assert.equal(
        describeError(err).message,
        `Nothing was sent to ${LOOKS_REMOTE}:${new URL(fake.url).port}: ` +
          'it is reached over plain http://, which would send ' +
          'your token unencrypted for anyone on the network to read. Use an https:// address in "keypairs.endpoint".',
      );
    });

    it('refuses when the approver declines; asks with the origin', async () => {
      const err = await rejection(withToken(client(false)).listAll(), ApiError);
      assert.equal(err.kind, 'insecure-transport');
      assert.deepEqual(asked, [base]);
      assert.equal(fake.requests.length, 0);
    });

    it('sends when the approver agrees', async () => {
      assert.deepEqual(await withToken(client(true)).listAll(), []);
      assert.deepEqual(asked, [base]);
      assert.equal(fake.requests.length, 1);
      assert.equal(must(fake.requests[0], 'the request').headers['x-auth-token'], 'tok');
    });

    it('does not ask for a request without credentials (the public version document)', async () => {
      const c = new ComputeClient({ endpoint: `${base}/v2.1`, http: client(false), auth });
      assert.equal((await c.version()).microversion, '2.90');
      assert.deepEqual(asked, []);
      assert.equal(fake.requests.length, 1);
    });

    it('refuses to send sign-in credentials (identity URL) before any byte', async () => {
      const creds: Credentials = {
        provider: 'keystone',
        authUrl: base,
        applicationCredentialId: 'id',
        applicationCredentialSecret: 's3cr3t',
      };
      const tokens = new TokenManager({ http: client(false), credentials: async () => creds });
      const err = await rejection(tokens.token(), ApiError);
      assert.equal(err.kind, 'insecure-transport');
      assert.equal(fake.requests.length, 0);
      assert.match(describeError(err).message, /which would send your password, API key or secret unencrypted/);
    });

    it('asks no question for 127.0.0.1 itself', async () => {
      const c = new ComputeClient({
        endpoint: `${fake.url}/v2.1`,
        http: client(false),
        auth: { canRenew: false, token: async () => 'tok' },
        microversion: '2.35',
      });
      assert.deepEqual(await c.listAll(), []);
      assert.deepEqual(asked, []);
    });
  });
});
