import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { Agent } from 'undici';
import { ApiError, redactUrl } from '../../../../src/core/api/errors';
import { HttpClient } from '../../../../src/core/api/http';
import { startConnectProxy } from '../../../support/connectProxy';
import { rejection, tempDir, testHttp, TOKEN, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';
import { closedPort } from '../../helpers/net';

const failure = (p: Promise<unknown>) => rejection(p, ApiError);

describe('HttpClient', () => {
  const ctx = useEmulator();
  const list = () => `${ctx.emu.computeUrl}/os-keypairs`;
  const auth = { 'x-auth-token': TOKEN };

  it('maps each error status to its kind, with the server message', async () => {
    const cases: Array<[number, string, string?]> = [
      [400, 'bad-request'],
      [401, 'unauthorized'],
      [403, 'forbidden'],
      [404, 'endpoint-not-found'],
      [405, 'method-not-allowed'],
      [406, 'not-acceptable'],
      [409, 'conflict'],
      [413, 'rate-limited'],
      [415, 'unsupported-media-type'],
      [429, 'rate-limited'],
      [500, 'server-error'],
      [502, 'server-error'],
      [503, 'unavailable'],
      [418, 'unexpected-status'],
    ];
    const client = testHttp({ retries: 0 });
    for (const [status, kind] of cases) {
      ctx.emu.addFault({ method: 'POST', status });
      const err = await failure(
        client.request({ method: 'POST', url: list(), headers: auth, json: { keypair: { name: 'x' } } }),
      );
      assert.equal(err.kind, kind, `status ${status}`);
      assert.equal(err.status, status);
      assert.equal(err.ambiguous, status >= 500, `ambiguous for ${status}`);
    }
  });

  it('reads Retry-After and tells a quota 413 from a rate limit', async () => {
    const client = testHttp({ retries: 0 });
    ctx.emu.addFault({ method: 'POST', status: 413, headers: { 'retry-after': '120' } });
    const limited = await failure(client.request({ method: 'POST', url: list(), headers: auth, json: {} }));
    assert.equal(limited.kind, 'rate-limited');
    assert.equal(limited.retryAfterSeconds, 120);
    ctx.emu.addFault({
      method: 'POST',
      status: 413,
      body: '{"overLimit":{"code":413,"message":"Quota exceeded, too many key pairs."}}',
    });
    const quota = await failure(client.request({ method: 'POST', url: list(), headers: auth, json: {} }));
    assert.equal(quota.kind, 'quota');
    assert.equal(quota.serverMessage, 'Quota exceeded, too many key pairs.');
  });

  it('retries GET on 503 with backoff, honouring Retry-After, and never retries POST', async () => {
    const client = testHttp({ retries: 2 });
    ctx.emu.addFault({ method: 'GET', path: '/os-keypairs', status: 503, headers: { 'retry-after': '0' }, times: 2 });
    const res = await client.request({ method: 'GET', url: list(), headers: auth });
    assert.equal(res.status, 200);
    assert.deepEqual(
      ctx.emu.requests.filter((r) => r.path.endsWith('/os-keypairs')).map((r) => r.status),
      [503, 503, 200],
    );
    assert.equal(client.lines.filter((l) => / retry \d in /.test(l)).length, 2);

    ctx.emu.reset();
    ctx.emu.addFault({ method: 'POST', status: 503 });
    await failure(client.request({ method: 'POST', url: list(), headers: auth, json: { keypair: { name: 'once' } } }));
    assert.equal(ctx.emu.requests.filter((r) => r.method === 'POST').length, 1);
  });

  it('gives up retrying after the bounded number of attempts', async () => {
    const client = testHttp({ retries: 2 });
    ctx.emu.addFault({ method: 'GET', path: '/os-keypairs', status: 503, times: Infinity });
    const err = await failure(client.request({ method: 'GET', url: list(), headers: auth }));
    assert.equal(err.kind, 'unavailable');
    assert.equal(ctx.emu.requests.filter((r) => r.path.endsWith('/os-keypairs')).length, 3);
  });

  it('times out a server that stalls before the headers (ambiguous)', async () => {
    const client = testHttp({ headersTimeoutMs: 300, retries: 0 });
    ctx.emu.addFault({ method: 'POST', kind: 'stall-before-headers' });
    const err = await failure(client.request({ method: 'POST', url: list(), headers: auth, json: {} }));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.ambiguous, true);
  });

  it('times out a server that stalls after the headers', async () => {
    const client = testHttp({ bodyTimeoutMs: 300, retries: 0 });
    ctx.emu.addFault({ method: 'GET', kind: 'stall-after-headers', path: '/os-keypairs' });
    const err = await failure(client.request({ method: 'GET', url: list(), headers: auth }));
    assert.equal(err.kind, 'timeout');
  });

  it('reports a connection reset mid-body as lost (ambiguous)', async () => {
    const client = testHttp({ retries: 0 });
    ctx.emu.addFault({ method: 'POST', kind: 'reset-mid-body', when: 'after' });
    const err = await failure(
      client.request({ method: 'POST', url: list(), headers: auth, json: { keypair: { name: 'reset' } } }),
    );
    assert.equal(err.kind, 'connection-lost');
    assert.equal(err.ambiguous, true);
  });

  it('refuses a non-JSON 2xx and a body over 1 MB', async () => {
    const client = testHttp({ retries: 0 });
    ctx.emu.addFault({ method: 'GET', kind: 'malformed-json', path: '/os-keypairs' });
    const bad = await failure(client.request({ method: 'GET', url: list(), headers: auth }));
    assert.equal(bad.kind, 'bad-response');
    ctx.emu.addFault({ method: 'GET', kind: 'oversized-body', path: '/os-keypairs' });
    const big = await failure(client.request({ method: 'GET', url: list(), headers: auth }));
    assert.equal(big.kind, 'response-too-large');
  });

  it('reports connection refused without ambiguity', async () => {
    const port = await closedPort();
    const err = await failure(
      testHttp().request({ method: 'POST', url: `http://127.0.0.1:${port}/v2.1/os-keypairs`, json: {} }),
    );
    assert.equal(err.kind, 'connection-refused');
    assert.equal(err.ambiguous, false);
  });

  it('reports a name that does not resolve as a DNS failure (resolver stubbed, no network)', async () => {
    const dispatcher = new Agent({
      connect: {
        lookup: ((_host: string, _opts: unknown, cb: (err: Error) => void) =>
          cb(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }))) as never,
      },
    });
    const client = new HttpClient({ dispatcher, retries: 0 });
    const err = await failure(
      client.request({ method: 'GET', url: 'https://compute.example.invalid/v2.1/os-keypairs' }),
    );
    assert.equal(err.kind, 'dns');
    await dispatcher.close();
  });

  it('rejects an untrusted certificate with a TLS error and never ignores it', async () => {
    const dir = tempDir();
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const srv = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (_req, res) =>
      res.end('{}'),
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(srv.address() as net.AddressInfo).port}/v2.1/os-keypairs`;
    try {
      const err = await failure(testHttp({ retries: 0 }).request({ method: 'GET', url }));
      assert.equal(err.kind, 'tls');
      assert.equal(err.ambiguous, false);
      assert.match(err.code!, /SELF_SIGNED|CERT/);
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });

  it('cancels a request in flight', async () => {
    const client = testHttp({ retries: 0 });
    ctx.emu.addFault({ method: 'POST', kind: 'stall-before-headers' });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const err = await failure(
      client.request({ method: 'POST', url: list(), headers: auth, json: {}, signal: abort.signal }),
    );
    assert.equal(err.kind, 'cancelled');
    assert.equal(err.ambiguous, true);
  });

  it('goes through the configured proxy, and around it for noProxy hosts', async () => {
    const proxy = await startConnectProxy();
    const proxyUrl = proxy.url;
    const seen = proxy.tunnels;
    try {
      const via = testHttp({ proxy: { url: proxyUrl } });
      assert.equal((await via.request({ method: 'GET', url: list(), headers: auth })).status, 200);
      assert.deepEqual(seen, [new URL(list()).host]);
      const around = testHttp({ proxy: { url: proxyUrl, noProxy: ['127.0.0.1'] } });
      assert.equal((await around.request({ method: 'GET', url: list(), headers: auth })).status, 200);
      assert.equal(seen.length, 1, 'noProxy host went direct');
      await Promise.all([via.close(), around.close()]);
    } finally {
      await proxy.close();
    }
  });

  it('logs one line per request with method, URL, status and ms, and no token', async () => {
    const client = testHttp();
    await client.request({ method: 'GET', url: `${list()}?token=abc`, headers: auth });
    assert.equal(client.lines.length, 1);
    assert.match(
      must(client.lines[0], 'the log line'),
      /^GET http:\/\/127\.0\.0\.1:\d+\/v2\.1\/os-keypairs\?token=\*\*\* 200 \d+ ms$/,
    );
    assert.ok(!client.lines.join('\n').includes(TOKEN));
    assert.ok(!client.lines.join('\n').includes('abc'));
  });

  it('redacts user info and secret query values in URLs', () => {
    assert.equal(
      redactUrl('https://user:pw@h.example/p?apiKey=1&limit=5'),
      'https://***@h.example/p?apiKey=***&limit=5',
    );
    assert.equal(redactUrl('not a url'), '<invalid URL>');
  });

  it('refuses a URL that is not http(s)', async () => {
    const err = await failure(testHttp().request({ method: 'GET', url: 'ftp://h.example/x' }));
    assert.equal(err.kind, 'invalid-endpoint');
  });
});
