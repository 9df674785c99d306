// Issue 10.10: no error of the core, built by any constructor or factory, carries a
// credential: not in its message, String(err), JSON.stringify(err), its stack, nor in the
// log lines of the request that produced it. Real HTTP to fake servers on 127.0.0.1.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { ComputeClient } from '../../../../src/core/api/compute';
import { ApiError, ApiErrorKind, redactText, redactUrl } from '../../../../src/core/api/errors';
import { AuthError, AuthErrorKind, authenticate, Credentials } from '../../../../src/core/api/identity';
import { PagingError, PagingProblem } from '../../../../src/core/api/paging';
import { TokenManager } from '../../../../src/core/api/tokenManager';
import { CreateAbandonedError } from '../../../../src/core/flows/createKeyPair';
import { KeyFileError, KeyFileErrorCode } from '../../../../src/core/keys/keyFiles';
import { PublicKeyError } from '../../../../src/core/keys/publicKey';
import { WireError } from '../../../../src/core/keys/sshWire';
import { FakeServer, sendJson, startFakeServer } from '../../helpers/fakeServer';
import { testHttp } from '../../helpers/env';
import { startConnectProxy } from '../../../support/connectProxy';
import { errorViews } from '../../helpers/errorViews';

const PASSWORD = 'PW-S3CRET-1';
const QUERY_TOKEN = 'TOK-S3CRET-2';
const QUERY_AUTH = 'TOK-S3CRET-3';
const MESSAGE_TOKEN = 'TOK-S3CRET-4';
const FERNET = 'gAAAAABnS3CRETfernetTOKENvalue0123456789abcdef';
const SECRETS = [PASSWORD, QUERY_TOKEN, QUERY_AUTH, MESSAGE_TOKEN, FERNET];

/** A URL with user info, a `token` and an `X-Auth-Token` query value. */
const secretUrl = (origin = 'http://127.0.0.1:1') =>
  `${origin.replace('//', `//alice:${PASSWORD}@`)}/v2.1/os-keypairs?token=${QUERY_TOKEN}&X-Auth-Token=${QUERY_AUTH}`;
/** A message quoting credentials the way servers and libraries do. */
const SECRET_MESSAGE =
  `rejected X-Auth-Token: ${MESSAGE_TOKEN} for ${secretUrl('https://cloud.example')}, ` +
  `body {"password": "${PASSWORD}"}, token=${MESSAGE_TOKEN} and ${FERNET}`;

/** Every place an error's text can go. */
function assertClean(what: string, err: unknown, lines: string[] = []): void {
  assert.ok(err instanceof Error, `${what}: an Error`);
  const views = errorViews(err, lines);
  for (const [where, text] of Object.entries(views)) {
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${what}: ${where} holds ${secret}: ${text}`);
  }
}

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => err,
  );
}

describe('no credential in any error of the core (issue 10.10)', () => {
  let fake: FakeServer | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  describe('constructors', () => {
    const kinds: ApiErrorKind[] = [
      'bad-request',
      'bad-response',
      'timeout',
      'tls',
      'server-error',
      'invalid-endpoint',
      'proxy-auth',
      'proxy-refused',
    ];
    for (const kind of kinds) {
      it(`ApiError '${kind}' with a secret URL, server message, code and proxy`, () => {
        const url = secretUrl();
        const proxy = `alice:${PASSWORD}@proxy.example:3128`;
        const err = new ApiError({
          kind,
          method: 'GET',
          url,
          serverMessage: SECRET_MESSAGE,
          code: SECRET_MESSAGE,
          proxy,
          proxyCredentialsSent: true,
        });
        assertClean(kind, err);
        assert.match(err.url, /^http:\/\/\*\*\*@127\.0\.0\.1:1\/v2\.1\/os-keypairs\?token=\*\*\*&X-Auth-Token=\*\*\*$/);
        assert.equal(err.proxy, 'proxy.example:3128');
      });
    }

    it('PagingError, for each problem', () => {
      const problems: PagingProblem[] = ['page-repeated', 'marker-stuck', 'too-many-pages', 'too-many-items'];
      for (const problem of problems) {
        assertClean(problem, new PagingError(problem, { method: 'GET', url: secretUrl() }, 3, 9));
      }
    });

    it('AuthError, for each kind', () => {
      const kinds: AuthErrorKind[] = [
        'bad-credentials',
        'mfa-required',
        'disabled',
        'no-compute',
        'bad-response',
        'signed-out',
        'storage-unavailable',
      ];
      for (const kind of kinds) assertClean(kind, new AuthError(kind, SECRET_MESSAGE));
    });

    it('KeyFileError (its cause quoting a secret), PublicKeyError, WireError', () => {
      const codes: KeyFileErrorCode[] = ['exists', 'not-directory', 'permission', 'no-space', 'read-only', 'io'];
      for (const code of codes) assertClean(code, new KeyFileError(code, '/tmp/x/key', new Error(SECRET_MESSAGE)));
      assertClean('PublicKeyError', new PublicKeyError(SECRET_MESSAGE));
      assertClean('WireError', new WireError(SECRET_MESSAGE));
    });

    it('CreateAbandonedError around each typed reason', () => {
      const reasons = [
        new ApiError({ kind: 'timeout', method: 'POST', url: secretUrl(), serverMessage: SECRET_MESSAGE }),
        new KeyFileError('io', '/tmp/x/key', new Error(SECRET_MESSAGE)),
      ];
      for (const reason of reasons) assertClean(reason.name, new CreateAbandonedError('key', reason, 'unknown'));
    });

    it('redactText keeps what is no secret', () => {
      const text = 'POST https://h.example/v3/auth/tokens: 500 (the token expired; check the password.)';
      assert.equal(redactText(text), text);
      assert.equal(
        redactUrl('https://u:p@h.example/a?marker=x&api_key=k#access_token=t'),
        'https://***@h.example/a?marker=x&api_key=***#***',
      );
    });
  });

  describe('factories: real requests that fail', () => {
    it('ComputeClient: an answer without the promised fields (badResponse), on list and create', async () => {
      fake = await startFakeServer((_req, res) => sendJson(res, 200, { nothing: true }));
      const http = testHttp({ retries: 0 });
      const c = new ComputeClient({
        endpoint: `${fake.url.replace('//', `//alice:${PASSWORD}@`)}/v2.1`,
        http,
        auth: { canRenew: false, token: async () => MESSAGE_TOKEN },
        microversion: '2.35',
      });
      const listed = await failureOf(c.listAll());
      assert.equal((listed as ApiError).kind, 'bad-response');
      assertClean('list', listed, http.lines);
      const created = await failureOf(c.create('k'));
      assert.equal((created as ApiError).code, 'missing name');
      assertClean('create', created, http.lines);
    });

    it('HttpClient: a status error quoting the token, refused, invalid and timed-out requests', async function () {
      this.timeout(10_000);
      fake = await startFakeServer((req, res) => {
        if (req.url?.includes('stall')) return; // never answers
        sendJson(res, 400, { badRequest: { code: 400, message: SECRET_MESSAGE } });
      });
      const http = testHttp({ retries: 0, deadlineMs: 500 });
      const headers = { 'x-auth-token': MESSAGE_TOKEN };
      const bad = await failureOf(http.request({ method: 'GET', url: secretUrl(fake.url), headers }));
      assert.equal((bad as ApiError).kind, 'bad-request');
      assertClean('400', bad, http.lines);

      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const refused = await failureOf(http.request({ method: 'GET', url: secretUrl(`http://127.0.0.1:${port}`) }));
      assert.equal((refused as ApiError).kind, 'connection-refused');
      assertClean('refused', refused, http.lines);

      const invalid = await failureOf(http.request({ method: 'GET', url: secretUrl('ftp://127.0.0.1:1') }));
      assert.equal((invalid as ApiError).kind, 'invalid-endpoint');
      assertClean('invalid', invalid, http.lines);

      const stalled = await failureOf(http.request({ method: 'GET', url: `${secretUrl(fake.url)}&stall=1` }));
      assert.equal((stalled as ApiError).kind, 'timeout');
      assertClean('timeout', stalled, http.lines);
    });

    it('HttpClient: a proxy that refuses the credentials of http.proxy, and one that refuses the tunnel', async () => {
      fake = await startFakeServer((_req, res) => sendJson(res, 200, {}));
      const header = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
      const cases = [
        { kind: 'proxy-auth', proxyPassword: 'other', connectStatus: undefined },
        { kind: 'proxy-refused', proxyPassword: PASSWORD, connectStatus: 403 },
      ];
      for (const { kind, proxyPassword, connectStatus } of cases) {
        const proxy = await startConnectProxy({
          credentials: { user: 'alice', password: proxyPassword },
          connectStatus,
        });
        try {
          const inUrl = testHttp({ retries: 0, proxy: { url: proxy.url.replace('//', `//alice:${PASSWORD}@`) } });
          const viaHeader = testHttp({ retries: 0, proxy: { url: proxy.url }, proxyAuthorization: header });
          for (const http of [inUrl, viaHeader]) {
            const err = await failureOf(http.request({ method: 'GET', url: secretUrl(fake.url) }));
            assert.equal((err as ApiError).kind, kind);
            assertClean(kind, err, http.lines);
            for (const text of http.lines) assert.ok(!text.includes(header.slice(6)), text);
            await http.close();
          }
        } finally {
          await proxy.close();
        }
      }
    });

    it('sign-in: a non-JSON answer, and a cancelled wait for the shared sign-in', async () => {
      fake = await startFakeServer((req, res) => {
        if (req.url?.includes('slow')) return; // never answers
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>not JSON</html>');
      });
      const http = testHttp({ retries: 0, deadlineMs: 2000 });
      const authUrl = `${fake.url.replace('//', `//alice:${PASSWORD}@`)}/identity?token=${QUERY_TOKEN}`;
      const creds: Credentials = {
        provider: 'keystone',
        authUrl,
        applicationCredentialId: 'id',
        applicationCredentialSecret: MESSAGE_TOKEN,
      };
      const notJson = await failureOf(authenticate(http, creds));
      assert.ok(notJson instanceof AuthError);
      assertClean('not JSON', notJson, http.lines);

      const slow: Credentials = { ...creds, authUrl: `${authUrl}&slow=1` };
      const tokens = new TokenManager({ http, credentials: async () => slow });
      const abort = new AbortController();
      const waiting = failureOf(tokens.token({ signal: abort.signal }));
      abort.abort();
      const cancelled = await waiting;
      assert.equal((cancelled as ApiError).kind, 'cancelled');
      assertClean('cancelled', cancelled, http.lines);
      await failureOf(tokens.session()); // let the shared sign-in end (deadline) before the server closes
    });
  });
});
