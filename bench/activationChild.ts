/**
 * One activation, in a fresh process (run by bench/run.ts): loads the production bundle
 * `dist/extension.js` with the `vscode` stand-in and runs `activate()`, timing both, and
 * watches for anything heavy happening meanwhile:
 * - a socket connecting (net.Socket.prototype.connect is wrapped; TLS connects go through it);
 * - undici being loaded: it is built into dist/undici.js, which dist/extension.js requires
 *   only when HttpClient creates its dispatcher (undici first, then the dispatcher), so
 *   "dist/undici.js not in require.cache" means no dispatcher was made. As a second,
 *   independent sign: undici requires `node:diagnostics_channel`, which no code of the
 *   extension's own does; every require made by a file in dist/ is recorded;
 * - key generation (crypto.generateKeyPair / generateKeyPairSync wrapped), a server being
 *   started (http/net createServer) or a process spawned (child_process wrapped).
 * It also lists the JavaScript files of dist/ that are loaded (in require.cache) when activate()
 * returns, with their sizes: what activation had to read and compile.
 * With `--control`, after measuring it makes the Key Pairs view load from a closed
 * 127.0.0.1 port, to show that these detectors do see the HTTP client when it starts.
 * Prints one JSON line.
 */
import childProcess = require('node:child_process');
import crypto = require('node:crypto');
import http = require('node:http');
import Module = require('node:module');
import net = require('node:net');
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createVscodeStub, installVscodeStub } from './vscodeStub';

const bundleArg = process.argv.slice(2).find((a) => !a.startsWith('--'));
const bundle = path.resolve(bundleArg ?? path.join(__dirname, '..', '..', 'dist', 'extension.js'));
const undiciChunk = path.join(path.dirname(bundle), 'undici.js');
const control = process.argv.includes('--control');

const events: Record<string, number> = {};
const seen = (what: string) => {
  events[what] = (events[what] ?? 0) + 1;
};
function spy<T extends object>(target: T, key: keyof T & string, label: string): void {
  const original = target[key] as unknown as (...a: unknown[]) => unknown;
  (target as Record<string, unknown>)[key] = function (this: unknown, ...a: unknown[]) {
    seen(label);
    return original.apply(this, a);
  };
}
spy(net.Socket.prototype, 'connect', 'socket.connect');
spy(crypto, 'generateKeyPair', 'crypto.generateKeyPair');
spy(crypto, 'generateKeyPairSync', 'crypto.generateKeyPairSync');
spy(http, 'createServer', 'http.createServer');
spy(net, 'createServer', 'net.createServer');
for (const fn of ['spawn', 'execFile', 'exec', 'fork'] as const) spy(childProcess, fn, `child_process.${fn}`);

// Every module the bundle requires (builtins included), in order.
const required: string[] = [];
const originalRequire = Module.prototype.require;
Module.prototype.require = function (this: NodeModule, id: string) {
  if (path.dirname(this.filename) === path.dirname(bundle)) required.push(id);
  return originalRequire.call(this, id);
} as typeof Module.prototype.require;

const stub = createVscodeStub();
installVscodeStub(stub);
const context = stub.context();

/** The files of dist/ loaded so far, with their sizes in bytes. */
const loadedFromDist = () =>
  Object.keys(require.cache)
    .filter((f) => path.dirname(f) === path.dirname(bundle))
    .map((f) => ({ file: path.basename(f), bytes: fs.statSync(f).size }));

const snapshot = () => ({
  events: { ...events },
  undiciLoaded: undiciChunk in require.cache,
  diagnosticsChannelRequired: required.includes('node:diagnostics_channel') || required.includes('diagnostics_channel'),
  required: [...new Set(required)],
  calls: { ...stub.record.calls },
  loaded: loadedFromDist(),
});

async function main(): Promise<void> {
  const t0 = performance.now();

  const ext = require(bundle) as { activate(ctx: unknown): unknown };
  const t1 = performance.now();
  ext.activate(context);
  const t2 = performance.now();
  const atActivation = snapshot();
  // What activate() started in the background (e.g. the Accounts menu refresh) settles.
  await new Promise((r) => setTimeout(r, 100));
  const settled = snapshot();

  let controlResult: unknown;
  if (control) controlResult = await runControl();

  process.stdout.write(
    JSON.stringify({
      requireMs: t1 - t0,
      activateMs: t2 - t1,
      totalMs: t2 - t0,
      commands: stub.record.commands.size,
      atActivation,
      settled,
      control: controlResult,
    }) + '\n',
  );
  for (const d of context.subscriptions) d.dispose();
}

/** The view asks for its children with an endpoint set: the HTTP client must start now. */
async function runControl(): Promise<unknown> {
  const closed = net.createServer;
  const port = await new Promise<number>((resolve) => {
    const s = closed().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  delete events['net.createServer'];
  stub.settings['keypairs.endpoint'] = `http://127.0.0.1:${port}/v2.1`;
  process.env.KEYPAIRS_API_TOKEN = 'control-token';
  const provider = stub.record.treeProviders.get('keypairs.list');
  try {
    await provider?.getChildren();
  } catch {
    // Connection refused is expected.
  }
  await new Promise((r) => setTimeout(r, 200));
  return snapshot();
}

main().catch((err: unknown) => {
  process.stdout.write(JSON.stringify({ error: err instanceof Error ? err.stack : String(err) }) + '\n');
  process.exitCode = 1;
});
