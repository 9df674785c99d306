/**
 * VS Code's proxy settings reach the extension's HTTP client: with `http.proxy` set,
 * requests tunnel through it (CONNECT); hosts in `http.noProxy` go direct.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ConnectProxy, startConnectProxy } from '../../support/connectProxy';
import { emulator, TOKEN, useRecorder } from './harness';

describe('http.proxy in the extension host', () => {
  const rec = useRecorder();
  let proxy: ConnectProxy;
  const httpSettings = () => vscode.workspace.getConfiguration('http');

  before(async () => {
    proxy = await startConnectProxy();
  });

  after(async () => {
    await httpSettings().update('proxy', undefined, vscode.ConfigurationTarget.Global);
    await httpSettings().update('noProxy', undefined, vscode.ConfigurationTarget.Global);
    await proxy.close();
  });

  beforeEach(async () => {
    proxy.tunnels.length = 0;
    await rec.setToken(TOKEN);
  });

  it('tunnels the Compute requests through http.proxy', async () => {
    await httpSettings().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    assert.ok(await rec.create('via proxy'), 'created through the proxy');
    const emulatorHost = new URL(vscode.workspace.getConfiguration('keypairs').get<string>('endpoint')!).host;
    assert.ok(proxy.tunnels.includes(emulatorHost), `tunnels: ${JSON.stringify(proxy.tunnels)}`);
    assert.deepEqual(await emulator.names(), ['via proxy']);
  });

  it('goes direct to hosts in http.noProxy', async () => {
    await httpSettings().update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    await httpSettings().update('noProxy', ['127.0.0.1'], vscode.ConfigurationTarget.Global);
    assert.ok(await rec.create('direct'));
    assert.deepEqual(proxy.tunnels, []);
  });
});
