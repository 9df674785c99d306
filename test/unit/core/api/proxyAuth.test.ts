// Issue 13, "Networks people really have": a proxy that asks for credentials. VS Code's
// `http.proxy` may be `http://user:pass@host:port`, or `http.proxyAuthorization` holds the
// header value. The credentials must reach the proxy (Proxy-Authorization: Basic …); a 407
// must become a typed error the user can act on; the password must never be in the message,
// the error or the log. Real HTTP: the emulator and a real CONNECT proxy on 127.0.0.1.
import * as assert from 'node:assert/strict';
import { ApiError } from '../../../../src/core/api/errors';
import { describeError } from '../../../../src/core/wording/errorText';
import { ConnectProxy, startConnectProxy } from '../../../support/connectProxy';
import { rejection, testHttp, TOKEN, useEmulator } from '../../helpers/env';
import { errorViews } from '../../helpers/errorViews';

const USER = 'proxy-user';
/** Holds the characters that must be percent-encoded in a URL's user info. */
const PASSWORD = 'pr0xy:P@ss/w0rd%S3CRET';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** `http://user:password@127.0.0.1:port`, the user info percent-encoded as VS Code's setting holds it. */
const withCredentials = (proxyUrl: string, user: string, password: string) =>
  proxyUrl.replace('//', `//${encodeURIComponent(user)}:${encodeURIComponent(password)}@`);

/** Every text of a failure a user or a log reader can see. */
function visibleTexts(err: ApiError, lines: string[]): Record<string, string> {
  return errorViews(err, lines);
}

function assertNoPassword(err: ApiError, lines: string[]): void {
  const encoded = encodeURIComponent(PASSWORD);
  const secrets = [PASSWORD, encoded, 'S3CRET', basic(USER, PASSWORD).slice(6)];
  for (const [where, text] of Object.entries(visibleTexts(err, lines))) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${where} holds ${secret}: ${text}`);
  }
}

describe('proxy authentication (issue 13)', () => {
  const ctx = useEmulator();
  const list = () => `${ctx.emu.computeUrl}/os-keypairs`;
  const auth = { 'x-auth-token': TOKEN };
  let proxy: ConnectProxy;
  const hostPort = () => new URL(proxy.url).host;

  beforeEach(async () => {
    proxy = await startConnectProxy({ credentials: { user: USER, password: PASSWORD } });
  });
  afterEach(() => proxy.close());

  it('sends the user and password of the http.proxy URL as Basic Proxy-Authorization on CONNECT', async () => {
    const http = testHttp({ proxy: { url: withCredentials(proxy.url, USER, PASSWORD) } });
    const res = await http.request({ method: 'GET', url: list(), headers: auth });
    assert.equal(res.status, 200);
    assert.deepEqual(proxy.tunnels, [new URL(list()).host], 'the request went through the proxy');
    assert.deepEqual(proxy.authorizations, [basic(USER, PASSWORD)], 'decoded user and password');
    assert.equal(proxy.refused, 0);
    for (const line of http.lines) assert.ok(!line.includes(encodeURIComponent(PASSWORD)) && !line.includes('S3CRET'));
    await http.close();
  });

  it('sends them on the CONNECT for an https:// target too (before any TLS)', async () => {
    const http = testHttp({ retries: 0, proxy: { url: withCredentials(proxy.url, USER, PASSWORD) } });
    // The emulator speaks plain HTTP: the tunnel opens, then TLS fails behind it.
    const target = list().replace('http://', 'https://');
    const err = await rejection(http.request({ method: 'GET', url: target, headers: auth }), ApiError);
    assert.notEqual(err.kind, 'proxy-auth');
    assert.deepEqual(proxy.tunnels, [new URL(target).host]);
    assert.deepEqual(proxy.authorizations, [basic(USER, PASSWORD)]);
    await http.close();
  });

  it('sends http.proxyAuthorization as the Proxy-Authorization header', async () => {
    const header = basic(USER, PASSWORD);
    const http = testHttp({ proxy: { url: proxy.url }, proxyAuthorization: header });
    assert.equal((await http.request({ method: 'GET', url: list(), headers: auth })).status, 200);
    assert.deepEqual(proxy.authorizations, [header]);
    await http.close();
  });

  it('a proxy asking for credentials none were given for: proxy-auth, worded with the proxy and the settings', async () => {
    const http = testHttp({ proxy: { url: proxy.url } });
    const err = await rejection(http.request({ method: 'GET', url: list(), headers: auth }), ApiError);
    assert.equal(err.kind, 'proxy-auth');
    assert.equal(err.status, 407);
    assert.equal(err.proxy, hostPort());
    assert.equal(err.proxyCredentialsSent, false);
    assert.equal(err.ambiguous, false, 'nothing reached the server');
    assert.deepEqual(proxy.authorizations, [undefined]);
    assert.deepEqual(proxy.tunnels, [], 'no tunnel was opened');
    const { message, actions } = describeError(err);
    assert.equal(
      message,
      `The proxy at ${hostPort()} asks for credentials (407); nothing was sent to ${new URL(list()).host}. ` +
        'Set them in the "http.proxy" setting (http://user:password@host:port) or in "http.proxyAuthorization".',
    );
    assert.deepEqual(actions, ['Open Proxy Setting']);
    assert.ok(
      http.lines.some((l) => l.includes(`proxy ${hostPort()} 407`)),
      http.lines.join('\n'),
    );
    await http.close();
  });

  it('wrong credentials: proxy-auth that says they were refused, and no password anywhere', async () => {
    const http = testHttp({ proxy: { url: withCredentials(proxy.url, USER, `${PASSWORD}-wrong`) } });
    // A POST too: it is not retried, and the 407 must not read as the user's cancel.
    for (const method of ['GET', 'POST'] as const) {
      const err = await rejection(
        http.request({ method, url: list(), headers: auth, json: method === 'POST' ? {} : undefined }),
        ApiError,
      );
      assert.equal(err.kind, 'proxy-auth', method);
      assert.equal(err.proxyCredentialsSent, true);
      assert.equal(
        describeError(err).message,
        `The proxy at ${hostPort()} refused the credentials it was given (407); nothing was sent to ` +
          `${new URL(list()).host}. Check the user and password in the "http.proxy" setting or "http.proxyAuthorization".`,
      );
      assertNoPassword(err, http.lines);
    }
    assert.equal(proxy.refused, 2, 'one attempt each: a 407 is not retried');
    assert.deepEqual(proxy.tunnels, []);
    await http.close();
  });

  it('a proxy that will not open the tunnel (403): proxy-refused, not a silent cancel', async () => {
    await proxy.close();
    proxy = await startConnectProxy({ credentials: { user: USER, password: PASSWORD }, connectStatus: 403 });
    const http = testHttp({ proxy: { url: withCredentials(proxy.url, USER, PASSWORD) } });
    const err = await rejection(http.request({ method: 'GET', url: list(), headers: auth }), ApiError);
    assert.equal(err.kind, 'proxy-refused');
    assert.equal(err.status, 403);
    assert.equal(err.proxy, hostPort());
    assert.equal(
      describeError(err).message,
      `The proxy at ${hostPort()} did not connect to ${new URL(list()).host} (it answered 403). ` +
        'Check the "http.proxy" and "http.noProxy" settings, or ask your network administrator.',
    );
    assertNoPassword(err, http.lines);
    await http.close();
  });
});
