// Issue 21, "The network goes around VS Code": in VS Code the client sends through the
// extension host's global fetch, which VS Code patches (proxy resolution, proxy
// authentication, OS certificates), with its own undici Agent as the dispatcher. Here the
// fetch is Node's own (what VS Code's patch hands the request to), recorded on the way: what
// the client keeps of its own (one keep-alive dispatcher, deadline, body cap, error kinds,
// redaction) must hold on this route too; and the Agent must carry `ca` exactly when the user
// named certificates (VS Code reads it from the Agent's options and would use it instead of
// the OS store).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dispatcher } from 'undici';
import { ApiError } from '../../../../src/core/api/errors';
import { FetchLike } from '../../../../src/core/api/http';
import { fetchReadsOurCa, networkRoute } from '../../../../src/core/api/route';
import { closedPort } from '../../helpers/net';
import { rejection, testHttp, TOKEN, useEmulator } from '../../helpers/env';

/** A fetch that records each call's dispatcher and hands the request to Node's fetch. */
function recordingFetch(): FetchLike & { dispatchers: Dispatcher[]; urls: string[] } {
  const dispatchers: Dispatcher[] = [];
  const urls: string[] = [];
  const f: FetchLike = (url, init) => {
    dispatchers.push(init.dispatcher);
    urls.push(url);
    return fetch(url, init as unknown as RequestInit);
  };
  return Object.assign(f, { dispatchers, urls });
}

/** The `connect` options of an undici Agent, where VS Code's fetch patch reads `ca` from. */
function agentConnectOptions(d: Dispatcher): { ca?: unknown } | undefined {
  const key = Object.getOwnPropertySymbols(d).find((s) => s.description === 'options');
  return key ? (d as unknown as Record<symbol, { connect?: { ca?: unknown } }>)[key]?.connect : undefined;
}

describe("HTTP through VS Code's fetch (issue 21)", () => {
  const ctx = useEmulator();
  const list = () => `${ctx.emu.computeUrl}/os-keypairs`;
  const auth = { 'x-auth-token': TOKEN };
  const failure = (p: Promise<unknown>) => rejection(p, ApiError);

  it("sends every request through the given fetch, with the client's one keep-alive Agent", async () => {
    const f = recordingFetch();
    const http = testHttp({ fetch: f });
    for (let i = 0; i < 3; i++)
      assert.equal((await http.request({ method: 'GET', url: list(), headers: auth })).status, 200);
    await http.request({ method: 'POST', url: list(), headers: auth, json: { keypair: { name: 'via-fetch' } } });
    assert.deepEqual(f.urls, [list(), list(), list(), list()]);
    assert.equal(new Set(f.dispatchers).size, 1, 'one dispatcher for all requests');
    assert.equal(agentConnectOptions(f.dispatchers[0]!)?.ca, undefined, 'no ca: VS Code adds the OS certificates');
    const listed = (await http.request({ method: 'GET', url: list(), headers: auth })).body as {
      keypairs: { keypair: { name: string } }[];
    };
    assert.deepEqual(
      listed.keypairs.map((k) => k.keypair.name),
      ['via-fetch'],
    );
    await http.close();
  });

  it('hands VS Code the named certificates (keypairs.caCertificates) in the Agent it reads them from', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skp-ca-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ed25519',
        '-nodes',
        '-subj',
        '/CN=Test CA',
        '-days',
        '1',
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    const pem = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8').trim();
    const f = recordingFetch();
    const http = testHttp({ fetch: f, caCertificates: [pem] });
    await http.request({ method: 'GET', url: list(), headers: auth });
    const ca = agentConnectOptions(f.dispatchers[0]!)?.ca;
    assert.ok(Array.isArray(ca) && ca.includes(pem), "the named certificate is in the Agent's ca");
    assert.ok(ca.length > 1, "with Node's roots: giving ca replaces the default store");
    await http.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the deadline, the body cap, the error kinds and the token out of the log', async () => {
    let http = testHttp({ fetch: recordingFetch(), retries: 0, deadlineMs: 400 });
    ctx.emu.addFault({ method: 'POST', kind: 'stall-before-headers' });
    const late = await failure(http.request({ method: 'POST', url: list(), headers: auth, json: {} }));
    assert.equal(late.kind, 'timeout');
    assert.equal(late.ambiguous, true);
    const lines = [...http.lines];
    await http.close();
    // The rest with a deadline that a loaded machine cannot reach first (the cap must answer, not the clock).
    http = testHttp({ fetch: recordingFetch(), retries: 0, deadlineMs: 30_000 });
    ctx.emu.addFault({ method: 'GET', kind: 'oversized-body', path: '/os-keypairs' });
    assert.equal(
      (await failure(http.request({ method: 'GET', url: list(), headers: auth }))).kind,
      'response-too-large',
    );
    const missing = await failure(http.request({ method: 'GET', url: `${list()}/nope`, headers: auth, item: true }));
    assert.equal(missing.kind, 'not-found');
    const port = await closedPort();
    const refused = await failure(
      http.request({ method: 'GET', url: `http://127.0.0.1:${port}/v2.1/x`, headers: auth }),
    );
    assert.equal(refused.kind, 'connection-refused');
    assert.ok(lines.length + http.lines.length >= 4);
    for (const line of [...lines, ...http.lines]) assert.ok(!line.includes(TOKEN), line);
    await http.close();
  });

  it("reads a 407 in the words of VS Code's proxy agent as a proxy-authentication error", async () => {
    const f: FetchLike = () =>
      Promise.reject(
        new TypeError('fetch failed', { cause: new Error('Proxy response (407) ?.== 200 when HTTP Tunneling') }),
      );
    const err = await failure(
      testHttp({ fetch: f, retries: 0 }).request({ method: 'GET', url: list(), headers: auth }),
    );
    assert.equal(err.kind, 'proxy-auth');
  });
});

describe('which way requests leave (networkRoute)', () => {
  const base = { proxyUrl: '', proxyAuthorization: false, proxySupport: 'override', fetchAdditionalSupport: true };

  it("goes through VS Code's fetch by default, and with a proxy VS Code can use as it is", () => {
    assert.equal(networkRoute(base), 'vscode');
    assert.equal(networkRoute({ ...base, proxyUrl: 'http://proxy:3128' }), 'vscode');
    assert.equal(networkRoute({ ...base, proxySupport: 'fallback', proxyUrl: 'http://proxy:3128' }), 'vscode');
  });

  it('uses its own dispatcher for proxy credentials in settings, which the extension host does not send', () => {
    assert.equal(networkRoute({ ...base, proxyUrl: 'http://proxy:3128', proxyAuthorization: true }), 'own');
    assert.equal(networkRoute({ ...base, proxyUrl: 'http://u:p@proxy:3128' }), 'own');
    assert.equal(networkRoute({ ...base, proxyUrl: 'http://proxy:3128', fetchAdditionalSupport: false }), 'own');
  });

  it('sends direct through VS Code when proxy support is off, credentials or not', () => {
    assert.equal(networkRoute({ ...base, proxySupport: 'off', proxyUrl: 'http://u:p@proxy:3128' }), 'vscode');
  });

  it("named certificates go through VS Code's fetch only where it keeps our Agent's ca (1.139 on), else on our own dispatcher", () => {
    const named = { ...base, namedCertificates: true };
    assert.equal(networkRoute({ ...named, vscodeVersion: '1.139.1' }), 'vscode');
    assert.equal(networkRoute({ ...named, vscodeVersion: '1.140.0-insider' }), 'vscode');
    assert.equal(networkRoute({ ...named, vscodeVersion: '2.0.0' }), 'vscode');
    // 1.96 (the floor suite's): its fetch reads ca only from Agents of its own undici.
    assert.equal(networkRoute({ ...named, vscodeVersion: '1.96.0' }), 'own');
    assert.equal(networkRoute({ ...named, vscodeVersion: '1.96.0', proxySupport: 'off' }), 'own');
    assert.equal(networkRoute({ ...named, vscodeVersion: '' }), 'own');
    assert.equal(networkRoute({ ...base, vscodeVersion: '1.96.0' }), 'vscode', 'no certificates named: as before');
    assert.equal(fetchReadsOurCa('1.138.9'), false);
    assert.equal(fetchReadsOurCa('not a version'), false);
  });
});
