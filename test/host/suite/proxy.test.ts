/**
 * VS Code's proxy settings reach the extension's requests. Through VS Code's own handling
 * (issue 21): with `http.proxy` set, requests go through the extension host's global fetch,
 * which VS Code patches and which resolves the proxy; the extension itself reads no proxy
 * setting on that route. Credentials VS Code's extension host does not send
 * (`http.proxyAuthorization`) are sent by the extension's own dispatcher. Hosts in
 * `http.noProxy` go direct.
 *
 * VS Code never proxies 127.0.0.1, so the emulator is named 127.0.0.2 here; the test proxy
 * takes every tunnel to 127.0.0.1.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ConnectProxy, startConnectProxy } from '../../support/connectProxy';
import { emulator, TOKEN, useRecorder } from './harness';

const USER = 'proxy-user';
const PASSWORD = 'pr0xy-S3CRET';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

describe('http.proxy in the extension host', () => {
  const rec = useRecorder();
  let proxy: ConnectProxy;
  let authProxy: ConnectProxy;
  const httpSettings = () => vscode.workspace.getConfiguration('http');
  const keypairs = () => vscode.workspace.getConfiguration('keypairs');
  let endpoint: string;
  /** URLs the extension host's global fetch was called with (the fetch VS Code patched). */
  const fetched: string[] = [];
  let vscodeFetch: typeof fetch;

  /** The emulator under its other loopback name, which VS Code proxies. */
  const useProxiedName = async () => {
    await keypairs().update(
      'endpoint',
      endpoint.replace('//127.0.0.1:', '//127.0.0.2:'),
      vscode.ConfigurationTarget.Global,
    );
    await rec.setToken(TOKEN);
  };

  before(async () => {
    proxy = await startConnectProxy({ relayTo: '127.0.0.1' });
    authProxy = await startConnectProxy({ relayTo: '127.0.0.1', credentials: { user: USER, password: PASSWORD } });
    endpoint = keypairs().get<string>('endpoint')!;
    vscodeFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      return vscodeFetch(input, init);
    };
  });

  after(async () => {
    globalThis.fetch = vscodeFetch;
    for (const key of ['proxy', 'noProxy', 'proxyAuthorization']) {
      await httpSettings().update(key, undefined, vscode.ConfigurationTarget.Global);
    }
    await keypairs().update('endpoint', endpoint, vscode.ConfigurationTarget.Global);
    await proxy.close();
    await authProxy.close();
  });

  beforeEach(async () => {
    for (const p of [proxy, authProxy]) {
      p.tunnels.length = 0;
      p.authorizations.length = 0;
    }
    fetched.length = 0;
    await rec.setToken(TOKEN);
  });

  it("tunnels the Compute requests through a proxy only VS Code's http.proxy names, by VS Code's fetch", async () => {
    await httpSettings().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    await useProxiedName();
    assert.ok(await rec.create('via proxy'), 'created through the proxy');
    const host = new URL(keypairs().get<string>('endpoint')!).host;
    assert.ok(proxy.tunnels.includes(host), `tunnels: ${JSON.stringify(proxy.tunnels)}`);
    assert.ok(
      fetched.some((u) => u.startsWith(`http://${host}/`)),
      `the requests went through the extension host's fetch: ${JSON.stringify(fetched)}`,
    );
    assert.deepEqual(await emulator.names(), ['via proxy']);
  });

  it("answers the proxy's 407 with http.proxyAuthorization", async () => {
    await httpSettings().update('proxy', authProxy.url, vscode.ConfigurationTarget.Global);
    await httpSettings().update('proxyAuthorization', BASIC, vscode.ConfigurationTarget.Global);
    await useProxiedName();
    assert.ok(await rec.create('with credentials'), 'created through the proxy that asks for credentials');
    assert.ok(authProxy.tunnels.length > 0, 'went through the proxy');
    assert.ok(
      authProxy.authorizations.every((a) => a === BASIC),
      JSON.stringify(authProxy.authorizations.length),
    );
    assert.equal(authProxy.refused, 0);
    assert.deepEqual(await emulator.names(), ['with credentials']);
    for (const text of rec.messages.map((m) => m.message)) assert.ok(!text.includes(PASSWORD));
    await httpSettings().update('proxyAuthorization', undefined, vscode.ConfigurationTarget.Global);
  });

  it('goes direct to hosts in http.noProxy', async () => {
    await keypairs().update('endpoint', endpoint, vscode.ConfigurationTarget.Global);
    await rec.setToken(TOKEN);
    await httpSettings().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    await httpSettings().update('noProxy', ['127.0.0.1'], vscode.ConfigurationTarget.Global);
    assert.ok(await rec.create('direct'));
    assert.deepEqual(proxy.tunnels, []);
  });
});
