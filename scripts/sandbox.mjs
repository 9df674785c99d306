// `npm run sandbox`: try the extension without a cloud account. Builds and packages it,
// starts the emulator and a real VS Code (code-server) on 127.0.0.1 with the extension
// installed and pointed at the emulator, in a throw-away HOME, and prints the URL.
// Ctrl+C stops everything it started and removes the throw-away HOME.
//   --port N        code-server's port (default 8080)
//   --emulator-port N  the emulator's port (default: any free one)
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
process.chdir(root);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const step = (what, cmd, args) => {
  console.log(`» ${what}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${what} failed.`);
    process.exit(1);
  }
};

step('Installing the VS Code test host (cached after the first run)', 'bash', ['scripts/setup-test-host.sh']);
step('Compiling', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.']);
step('Packaging the extension', process.execPath, ['scripts/package.mjs']);

const { startEmulator } = require(path.join(root, 'out/test/emulator/server.js'));
const { startCodeServer } = require(path.join(root, 'out/test/support/codeServer.js'));
const pkg = require(path.join(root, 'package.json'));
const SANDBOX_TOKEN = 'sandbox-token';

const { sshdBacking } = require(path.join(root, 'out/test/support/sshdBacking.js'));
const { sshdProblem } = require(path.join(root, 'out/test/support/sshd.js'));

// Servers of the sandbox's own key pairs (`sandbox-*`) are backed by a real sshd each (on a
// 127.x.y.z address, as root), so Connect logs in; the other demo servers are only listed.
const sshdMissing = sshdProblem();
const backing = sshdMissing
  ? undefined
  : sshdBacking({ shouldBack: (s) => s.keyName?.startsWith('sandbox-') ?? false });
const emu = await startEmulator({
  port: arg('--emulator-port', 0),
  tokens: [SANDBOX_TOKEN],
  maxMicroversion: '2.93',
  serverBacking: backing,
});
emu.seed(12, { prefix: 'demo-' });
const home = mkdtempSync(path.join(os.tmpdir(), 'keypairs-sandbox-home-'));
const serversNote = await sandboxServers();

/**
 * Two key pairs whose private keys are in the sandbox HOME's ~/.ssh, a server for each (backed
 * by sshd), their host keys in ~/.ssh/known_hosts, and demo servers for the demo pairs.
 * Needs the emulator's servers (createServer/seedServers); says so when it has none.
 */
async function sandboxServers() {
  if (typeof emu.createServer !== 'function') return '  Servers: this emulator has no servers yet.';
  const sshDir = path.join(home, '.ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  const user = os.userInfo().username;
  const lines = [];
  for (const name of ['sandbox-web', 'sandbox-db']) {
    const file = path.join(sshDir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
    const res = await fetch(`${emu.computeUrl}/os-keypairs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': SANDBOX_TOKEN },
      body: JSON.stringify({ keypair: { name, public_key: readFileSync(`${file}.pub`, 'utf8') } }),
    });
    if (!res.ok) throw new Error(`importing ${name} into the emulator: HTTP ${res.status}`);
    const server = await emu.createServer({
      name: `${name}-1`,
      keyName: name,
      image: { osDistro: 'debian', osAdminUser: user },
    });
    const sshd = backing?.sshdFor(server.id);
    if (sshd) appendFileSync(path.join(sshDir, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    lines.push(`      ${server.name}: key ${file}, ${sshd ? `sshd on ${sshd.address} (user ${user})` : 'no sshd'}`);
  }
  if (typeof emu.seedServers === 'function') await emu.seedServers(8);
  const why = sshdMissing ? `\n      Not backed by sshd: ${sshdMissing}` : '';
  return `  Servers (Connect logs in to the sandbox-* ones):\n${lines.join('\n')}${why}`;
}
const server = await startCodeServer({
  home,
  port: arg('--port', 8080),
  vsix: path.join(root, `${pkg.name}-${pkg.version}.vsix`),
  // The direct mode's token for the emulator; Sign In works too (see below).
  env: { KEYPAIRS_API_TOKEN: SANDBOX_TOKEN },
  userSettings: { 'keypairs.endpoint': emu.computeUrl, 'workbench.startupEditor': 'none' },
});

console.log(`
Server Key Pairs sandbox is running.

  Open  ${server.url}/?folder=${encodeURIComponent(server.folder)}

  VS Code (code-server) with the extension installed, HOME=${home}
  Emulated Compute API   ${emu.computeUrl}   (token: ${SANDBOX_TOKEN}, already set)
  Emulated Rackspace Identity ${emu.identityUrl}
      Key Pairs: Sign In → Rackspace: another Identity URL → that URL → API key →
      user demo, API key demo-api-key
  Emulated Keystone v3   ${emu.keystoneUrl}
      Key Pairs: Sign In → OpenStack → that URL → user demo, password demo-password,
      domains Default, project 123456

${serversNote}

  Try: Ctrl+Shift+P → "Key Pairs: Create Server Key Pair", or click "Key Pair" in the status bar.
  Keys are saved under ${path.join(home, '.ssh')}.

Press Ctrl+C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  await server.stop().catch(() => undefined);
  await emu.close().catch(() => undefined);
  await backing?.stopAll().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
