// Rotate Key Pair, attacked with real sshd processes and real ssh: jump hosts from the user's
// SSH config, keys authorized outside ~/.ssh/authorized_keys, a third key in the config, an
// agent holding the old key, the final question, two runs at once, a server that dies after
// its first write. Each test checks what the user would find afterwards: which key the user's
// own `ssh <alias>` logs in with, what authorized_keys and the config hold, what was offered.
import * as assert from 'node:assert/strict';
import { ChildProcess, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  NewKeyPair,
  RotateKeyPairOptions,
  RotationServer,
  RotationSummary,
  rotateKeyPair,
} from '../../src/flows/rotateKeyPair';
import { Sshd, startSshd } from '../support/sshd';
import { keygenKey, makeTempDir, removeTempDirs } from './helpers/keysTestUtil';
import { requireSshd } from './helpers/sshdTestUtil';

type Key = { privatePath: string; publicLine: string };

describe('rotate key pair, attacked (real sshd)', function () {
  this.timeout(180_000);
  const cleanup: string[] = [];
  const servers: Sshd[] = [];
  const agents: ChildProcess[] = [];
  let dir: string;
  before(() => requireSshd());
  beforeEach(() => {
    dir = makeTempDir(cleanup);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    for (const a of agents.splice(0)) a.kill('SIGTERM');
  });
  after(() => removeTempDirs(cleanup));

  const start = async (opts: Parameters<typeof startSshd>[0]) => {
    const s = await startSshd(opts);
    servers.push(s);
    return s;
  };
  const hostKeyLines = (...list: Sshd[]) => list.map((s) => `${s.knownHostsLine}\n`).join('');
  /** `ssh -F config host` as the user types it: no -i, no agent; true when it runs the command. */
  const userSsh = (config: string, host: string): { ok: boolean; accepted?: string; stderr: string } => {
    const args = ['-F', config, '-v', '-o', 'BatchMode=yes', '-o', 'IdentityAgent=none', '--', host, 'echo in'];
    const child = spawnSyncSafe('ssh', args);
    const accepted = [...child.stderr.matchAll(/Server accepts key: (\S+)/g)].at(-1)?.[1];
    return { ok: child.stdout.trim() === 'in', ...(accepted ? { accepted } : {}), stderr: child.stderr };
  };
  const newPairFrom =
    (key: Key, extra: Partial<NewKeyPair> = {}) =>
    async (): Promise<NewKeyPair> => ({
      name: 'deploy-new',
      privatePath: key.privatePath,
      publicKey: key.publicLine,
      ...extra,
    });
  const server = (name: string, host: string, user = 'root'): RotationServer => ({
    id: name,
    name,
    target: { host, user },
  });
  const base = (
    oldKey: Key,
    newKey: Key,
    config: string,
    list: RotationServer[],
    seen: RotationSummary[],
  ): RotateKeyPairOptions => ({
    oldPair: { name: 'deploy', privatePath: oldKey.privatePath, publicKey: oldKey.publicLine },
    createNewPair: newPairFrom(newKey),
    servers: list,
    serversNotChosen: [],
    config: { path: config, args: ['-F', config] },
    otherRegionsWithKey: async () => [],
    deleteOldPairOnServer: async () => true,
    confirmDeleteOld: async (summary) => {
      seen.push(summary);
      return 'keep';
    },
    agentSocket: '',
    ssh: { timeoutSeconds: 20 },
  });
  const acceptedLogins = (s: Sshd) => (s.log().match(/Accepted publickey for /g) ?? []).length;

  // ------------------------------------------------------------------ jump hosts

  it('a ProxyJump with the jump host user and port written in it (root@bastion:2201): reached through the bastion, moved, revoked', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const bastionKey = keygenKey(dir, 'ed25519');
    const bastion = await start({ port: 2201, authorizedKeys: [bastionKey.publicLine] });
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(bastion, target));
    const config = path.join(dir, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  User root\n  ProxyJump root@${bastion.address}:2201\n  IdentityFile ${key}\n\n`;
    const rest =
      `Host ${bastion.address}\n  IdentityFile ${bastionKey.privatePath}\n  IdentitiesOnly yes\n\n` +
      `Host *\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n`;
    fs.writeFileSync(config, entry(oldKey.privatePath) + rest, { mode: 0o600 });
    const seen: RotationSummary[] = [];
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], seen));
    const r = result?.servers[0];
    assert.equal(r?.result.error, undefined, JSON.stringify(r?.result));
    assert.equal(r?.reachedAs.host, 'web');
    assert.equal(r?.result.revoked, true);
    assert.ok(acceptedLogins(bastion) >= 5, 'every step went through the bastion');
    assert.equal(fs.readFileSync(config, 'utf8'), entry(newKey.privatePath) + rest);
    assert.equal(fs.readFileSync(target.authorizedKeysFile, 'utf8'), newKey.publicLine);
    assert.equal(userSsh(config, 'web').ok, true, 'ssh web logs in with the new key, through the bastion');
  });

  it('a jump host whose own entry uses the old key (User, Port from its entry): the target moves, the bastion entry and its key stay, revocation is checked through it', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const bastion = await start({ port: 2202, authorizedKeys: [oldKey.publicLine] });
    const target = await start({ authorizedKeys: [`no-pty ${oldKey.publicLine.trim()}`] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(bastion, target));
    const config = path.join(dir, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  ProxyJump bastion\n  IdentityFile ${key}\n\n`;
    const rest =
      `Host bastion\n  HostName ${bastion.address}\n  Port 2202\n  User root\n  IdentityFile ${oldKey.privatePath}\n\n` +
      `Host *\n  User root\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n`;
    fs.writeFileSync(config, entry(oldKey.privatePath) + rest, { mode: 0o600 });
    const seen: RotationSummary[] = [];
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], seen));
    const r = result?.servers[0];
    assert.equal(r?.result.error, undefined, JSON.stringify(r?.result));
    assert.equal(r?.result.revoked, true);
    assert.equal(fs.readFileSync(config, 'utf8'), entry(newKey.privatePath) + rest);
    assert.equal(fs.readFileSync(target.authorizedKeysFile, 'utf8'), `no-pty ${newKey.publicLine}`);
    assert.equal(fs.readFileSync(bastion.authorizedKeysFile, 'utf8'), oldKey.publicLine, 'the bastion is untouched');
    assert.deepEqual(
      result?.stillUsingOldKey.map((u) => u.host),
      ['bastion'],
    );
    assert.deepEqual(seen[0]?.choices.offered, ['delete-pair'], 'the bastion still needs the old private key');
    assert.equal(userSsh(config, 'web').ok, true);
    assert.equal(userSsh(config, 'bastion').ok, true);
  });

  it('chained jumps (ProxyJump j1,j2, each with its own entry) reach the target and verify the old key is refused there', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const jumpKey = keygenKey(dir, 'ed25519');
    const j1 = await start({ port: 2203, authorizedKeys: [jumpKey.publicLine] });
    const j2 = await start({ port: 2204, authorizedKeys: [jumpKey.publicLine] });
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(j1, j2, target));
    const config = path.join(dir, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  ProxyJump j1,j2\n  IdentityFile ${key}\n\n`;
    const rest =
      `Host j1\n  HostName ${j1.address}\n  Port 2203\n\n` +
      `Host j2\n  HostName ${j2.address}\n  Port 2204\n\n` +
      `Host j1 j2\n  IdentityFile ${jumpKey.privatePath}\n\n` +
      `Host *\n  User root\n  UserKnownHostsFile ${knownHosts}\n  StrictHostKeyChecking yes\n`;
    fs.writeFileSync(config, entry(oldKey.privatePath) + rest, { mode: 0o600 });
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], []));
    const r = result?.servers[0];
    assert.equal(r?.result.error, undefined, JSON.stringify(r?.result));
    assert.equal(r?.result.revoked, true);
    assert.ok(acceptedLogins(j2) >= 5 && acceptedLogins(j1) >= 5, 'through both jump hosts');
    assert.equal(fs.readFileSync(config, 'utf8'), entry(newKey.privatePath) + rest);
    assert.equal(userSsh(config, 'web').ok, true);
  });

  it('ProxyJump none in the server entry wins over a global ProxyJump (as ssh reads it): reached directly', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  ProxyJump none\n  IdentityFile ${key}\n\n`;
    const rest = `Host *\n  User root\n  ProxyJump nowhere.invalid\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry(oldKey.privatePath) + rest, { mode: 0o600 });
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], []));
    const r = result?.servers[0];
    assert.equal(r?.result.error, undefined, JSON.stringify(r?.result));
    assert.equal(fs.readFileSync(config, 'utf8'), entry(newKey.privatePath) + rest);
  });
});

function spawnSyncSafe(cmd: string, args: string[]): { stdout: string; stderr: string } {
  const run = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return { stdout: run.stdout ?? '', stderr: run.stderr ?? '' };
}

describe('jumpHop (ProxyJump hop as ssh reads it)', () => {
  it('splits user, host and port the way ssh does (last @, bracketed IPv6, ssh:// URI)', async () => {
    const { jumpHop } = await import('../../src/flows/remoteKeys');
    assert.deepEqual(jumpHop('bastion'), { host: 'bastion' });
    assert.deepEqual(jumpHop('root@[127.0.0.9]:2201'), { user: 'root', host: '127.0.0.9', port: '2201' });
    assert.deepEqual(jumpHop('a@b@host:5'), { user: 'a@b', host: 'host', port: '5' });
    assert.deepEqual(jumpHop('[::1]'), { host: '::1' });
    assert.deepEqual(jumpHop('u@[fe80::1]:24'), { user: 'u', host: 'fe80::1', port: '24' });
    assert.deepEqual(jumpHop('ssh://u@h:24'), { user: 'u', host: 'h', port: '24' });
  });
});
