/**
 * VS Code's proxy settings reach the extension's HTTP client: with `http.proxy` set,
 * requests tunnel through it (CONNECT); hosts in `http.noProxy` go direct.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { CreateKeyPairResult } from '../../../src/flows/createKeyPair';
import { emulator, Recorder, TOKEN, whenLoaded } from './harness';

describe('http.proxy in the extension host', () => {
  const rec = new Recorder();
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  let proxy: http.Server;
  let proxyUrl: string;
  const http_ = () => vscode.workspace.getConfiguration('http');

  before(async () => {
    await rec.install();
    // A proxy on 127.0.0.1: records each CONNECT tunnel's target and relays bytes. Plain
    // (absolute-URL) requests, as VS Code's own proxy support may send, are forwarded.
    proxy = http.createServer((req, res) => {
      const target = new URL(req.url!);
      const up = http.request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode!, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url!);
      const [host, port] = req.url!.split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  });

  after(async () => {
    await http_().update('proxy', undefined, vscode.ConfigurationTarget.Global);
    await http_().update('noProxy', undefined, vscode.ConfigurationTarget.Global);
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => proxy.close(r));
    await rec.uninstall();
  });

  beforeEach(async () => {
    await emulator.reset();
    rec.reset();
    tunnels.length = 0;
    rec.answerPrompt = (p) => (p.kind === 'input' && p.options.password ? TOKEN : undefined);
    await vscode.commands.executeCommand('keypairs.setToken');
    rec.answerPrompt = () => undefined;
  });

  async function create(name: string): Promise<CreateKeyPairResult | undefined> {
    const running = vscode.commands.executeCommand<CreateKeyPairResult | undefined>('keypairs.create');
    const box = await rec.nextNameInput();
    await whenLoaded(box);
    box.typed(name);
    box.accept();
    return running;
  }

  it('tunnels the Compute requests through http.proxy', async () => {
    await http_().update('proxy', proxyUrl, vscode.ConfigurationTarget.Global);
    const created = await create('via proxy');
    assert.ok(created, 'created through the proxy');
    const emulatorHost = new URL(vscode.workspace.getConfiguration('keypairs').get<string>('endpoint')!).host;
    assert.ok(tunnels.includes(emulatorHost), `tunnels: ${JSON.stringify(tunnels)}`);
    assert.deepEqual(await emulator.names(), ['via proxy']);
  });

  it('goes direct to hosts in http.noProxy', async () => {
    await http_().update('proxy', proxyUrl, vscode.ConfigurationTarget.Global);
    await http_().update('noProxy', ['127.0.0.1'], vscode.ConfigurationTarget.Global);
    assert.ok(await create('direct'));
    assert.deepEqual(tunnels, []);
  });
});
