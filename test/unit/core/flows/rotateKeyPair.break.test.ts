// Rotate Key Pair, attacked with real sshd processes and real ssh: jump hosts from the user's
// SSH config, keys authorized outside ~/.ssh/authorized_keys, a third key in the config, an
// agent holding the old key, the final question, two runs at once, a server that dies after
// its first write. Each test checks what the user would find afterwards: which key the user's
// own `ssh <alias>` logs in with, what authorized_keys and the config hold, what was offered.
import * as assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  NewKeyPair,
  RotateKeyPairOptions,
  RotationServer,
  RotationSummary,
  rotateKeyPair,
} from '../../../../src/core/flows/rotateKeyPair';
import { Sshd, startSshd } from '../../../support/sshd';
import { keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { requireSshd } from '../../helpers/sshdTestUtil';

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

  // ------------------------------------------------------------------ authorized elsewhere

  it('the old key also in .ssh/authorized_keys2: reported still accepted, not complete, and no deletion offered', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const keys2 = path.join(dir, 'authorized_keys2');
    fs.writeFileSync(keys2, oldKey.publicLine);
    const target = await start({ authorizedKeys: [oldKey.publicLine], moreAuthorizedKeysFiles: [keys2] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    fs.writeFileSync(
      config,
      `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${oldKey.privatePath}\n  UserKnownHostsFile ${knownHosts}\n`,
      { mode: 0o600 },
    );
    const seen: RotationSummary[] = [];
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], seen));
    const r = result?.servers[0]?.result;
    assert.deepEqual([r?.error?.step, r?.error?.kind], ['revoke', 'still-accepted']);
    assert.equal(r?.revoked, false);
    assert.deepEqual(
      seen[0]?.choices.offered,
      [],
      'nothing of the old pair is offered for deletion while it still logs in',
    );
    assert.match(seen[0]?.choices.withheld.map((w) => w.reasons.join(' ')).join(' ') ?? '', /web/);
  });

  it('the old key only in an AuthorizedKeysFile like /etc/ssh/keys/%u, with from= and no-pty: the server is left as it was (no bare new line) and said to authorize it elsewhere', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const keysDir = path.join(dir, 'etc-ssh-keys');
    fs.mkdirSync(keysDir);
    fs.writeFileSync(path.join(keysDir, 'root'), `from="127.0.0.0/8",no-pty ${oldKey.publicLine}`);
    const target = await start({ moreAuthorizedKeysFiles: [path.join(keysDir, '%u')] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${oldKey.privatePath}\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry, { mode: 0o600 });
    const seen: RotationSummary[] = [];
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], seen));
    const r = result?.servers[0]?.result;
    assert.equal(r?.installed, false, JSON.stringify(r));
    assert.equal(r?.error?.kind, 'still-accepted', JSON.stringify(r));
    assert.match(r?.error?.message ?? '', /authorizes it elsewhere/);
    assert.equal(fs.readFileSync(target.authorizedKeysFile, 'utf8'), '', 'no unrestricted new key was added');
    assert.equal(fs.readFileSync(config, 'utf8'), entry);
    assert.deepEqual(seen[0]?.choices.offered, []);
  });

  // ------------------------------------------------------------------ the keys that are offered

  it('IdentityFile of a third key in the server entry: a new key that does not log in is not "verified" by the third one', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const wrongPub = keygenKey(dir, 'ed25519');
    const third = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [oldKey.publicLine, third.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${third.privatePath}\n  IdentityFile ${oldKey.privatePath}\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry, { mode: 0o600 });
    // A "new pair" whose private file does not match the public key installed: it never logs in.
    const mismatched = { privatePath: newKey.privatePath, publicLine: wrongPub.publicLine };
    const result = await rotateKeyPair(base(oldKey, mismatched, config, [server('web', target.address)], []));
    const r = result?.servers[0]?.result;
    assert.deepEqual([r?.error?.step, r?.error?.kind], ['verify', 'auth-refused'], JSON.stringify(r));
    assert.equal(fs.readFileSync(config, 'utf8'), entry);
    assert.ok(fs.readFileSync(target.authorizedKeysFile, 'utf8').includes(oldKey.publicLine.trim()));
  });

  it('IdentityFile of a third key that the server accepts: "old key refused" is checked with the old key only', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const third = keygenKey(dir, 'ed25519');
    const keys2 = path.join(dir, 'authorized_keys2');
    fs.writeFileSync(keys2, third.publicLine);
    const target = await start({ authorizedKeys: [oldKey.publicLine], moreAuthorizedKeysFiles: [keys2] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${third.privatePath}\n  IdentityFile ${key}\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry(oldKey.privatePath), { mode: 0o600 });
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], []));
    const r = result?.servers[0]?.result;
    assert.equal(r?.error, undefined, JSON.stringify(r));
    assert.equal(r?.revoked, true);
    assert.equal(fs.readFileSync(config, 'utf8'), entry(newKey.privatePath));
    const thirdFp = execFileSync('ssh-keygen', ['-lf', `${third.privatePath}.pub`], { encoding: 'utf8' }).split(' ')[1];
    assert.ok(!target.log().includes(`${thirdFp}`), 'the third key was never offered by the rotation');
  });

  it('an agent (SSH_AUTH_SOCK) holding the old key: still accepted through authorized_keys2 is reported; without it the old key is refused', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const keys2 = path.join(dir, 'authorized_keys2');
    fs.writeFileSync(keys2, oldKey.publicLine);
    const target = await start({ authorizedKeys: [oldKey.publicLine], moreAuthorizedKeysFiles: [keys2] });
    const socket = path.join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    agents.push(agent);
    for (let i = 0; i < 200 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 10));
    execFileSync('ssh-add', [oldKey.privatePath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${oldKey.privatePath}\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry, { mode: 0o600 });
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = socket;
    try {
      const options = base(oldKey, newKey, config, [server('web', target.address)], []);
      delete options.agentSocket;
      const result = await rotateKeyPair(options);
      const r = result?.servers[0]?.result;
      assert.deepEqual([r?.error?.step, r?.error?.kind], ['revoke', 'still-accepted'], JSON.stringify(r));
      // The old key gone from authorized_keys2: the same agent does not make it "accepted".
      fs.writeFileSync(keys2, '');
      fs.writeFileSync(target.authorizedKeysFile, oldKey.publicLine);
      fs.writeFileSync(config, entry);
      const again = await rotateKeyPair(options);
      assert.equal(again?.servers[0]?.result.error, undefined, JSON.stringify(again?.servers[0]?.result));
      assert.equal(again?.servers[0]?.result.revoked, true);
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
  });

  // ------------------------------------------------------------------ what the user's ssh does afterwards

  it('a server whose entry has no IdentityFile while a global IdentityFile names the old key: `ssh web` still logs in afterwards', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    fs.writeFileSync(
      config,
      `Host web\n  HostName ${target.address}\n  User root\n\nHost *\n  IdentityFile ${oldKey.privatePath}\n  UserKnownHostsFile ${knownHosts}\n`,
      { mode: 0o600 },
    );
    assert.equal(userSsh(config, 'web').ok, true, 'before: ssh web logs in');
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], []));
    const r = result?.servers[0]?.result;
    const after = userSsh(config, 'web');
    assert.equal(after.ok, true, `ssh web is locked out; the server was reported as ${JSON.stringify(r)}`);
    assert.notEqual(r?.error, undefined, 'and the server is not reported as rotated');
  });

  it('two entries with the same HostName on different ports (two sshd on one address): only the one rotated moves', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const other = await start({ address: target.address, port: 2205, authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target, other));
    const config = path.join(dir, 'config');
    const webEntry = (key: string) => `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${key}\n\n`;
    const altEntry = `Host web-alt\n  HostName ${target.address}\n  Port 2205\n  User root\n  IdentityFile ${oldKey.privatePath}\n\n`;
    const rest = `Host *\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, webEntry(oldKey.privatePath) + altEntry + rest, { mode: 0o600 });
    const seen: RotationSummary[] = [];
    const result = await rotateKeyPair(base(oldKey, newKey, config, [server('web', target.address)], seen));
    assert.equal(result?.servers[0]?.result.error, undefined, JSON.stringify(result?.servers[0]?.result));
    assert.equal(userSsh(config, 'web').ok, true);
    assert.equal(
      userSsh(config, 'web-alt').ok,
      true,
      'ssh web-alt (another sshd, never given the new key) still logs in',
    );
    assert.equal(fs.readFileSync(config, 'utf8'), webEntry(newKey.privatePath) + altEntry + rest);
    assert.deepEqual(seen[0]?.choices.offered, ['delete-pair']);
  });

  // ------------------------------------------------------------------ the final question

  it("the old key is ssh's default key file (~/.ssh/id_ed25519): its deletion is never offered, even with every server moved", async () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    const generated = keygenKey(dir, 'ed25519');
    const oldPath = path.join(home, '.ssh', 'id_ed25519');
    fs.renameSync(generated.privatePath, oldPath);
    fs.renameSync(`${generated.privatePath}.pub`, `${oldPath}.pub`);
    const oldKey = { privatePath: oldPath, publicLine: generated.publicLine };
    const newKey = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${key}\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry(oldPath), { mode: 0o600 });
    const seen: RotationSummary[] = [];
    const options = { ...base(oldKey, newKey, config, [server('web', target.address)], seen), home };
    options.confirmDeleteOld = async (summary) => {
      seen.push(summary);
      return 'delete-pair-and-private-key';
    };
    const result = await rotateKeyPair(options);
    assert.equal(result?.servers[0]?.result.error, undefined, JSON.stringify(result?.servers[0]?.result));
    assert.deepEqual(seen[0]?.choices.offered, ['delete-pair'], 'ssh offers it to every host that names no key');
    assert.match(seen[0]?.choices.withheld[0]?.reasons.join(' ') ?? '', /default/);
    assert.ok(fs.existsSync(oldPath), 'the default key file is still there');
  });

  // ------------------------------------------------------------------ two runs, and failures after a write

  it('two rotations of the same server and config at once (different new keys): the entry ends on a key that logs in, the old key is refused, and each report is true', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newA = keygenKey(dir, 'ed25519');
    const newB = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    fs.writeFileSync(
      config,
      `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${oldKey.privatePath}\n  UserKnownHostsFile ${knownHosts}\n`,
      { mode: 0o600 },
    );
    const [a, b] = await Promise.all([
      rotateKeyPair(base(oldKey, newA, config, [server('web', target.address)], [])),
      rotateKeyPair(base(oldKey, newB, config, [server('web', target.address)], [])),
    ]);
    const text = fs.readFileSync(config, 'utf8');
    const login = userSsh(config, 'web');
    assert.equal(login.ok, true, `ssh web after two concurrent rotations:\n${text}\n${login.stderr.slice(-400)}`);
    assert.equal(text.includes(oldKey.privatePath), false, 'the entry left the old key');
    assert.equal((await sshRunKey(target, oldKey.privatePath)).ok, false, 'the old key is refused');
    for (const [run, key] of [
      [a, newA],
      [b, newB],
    ] as const) {
      const r = run?.servers[0];
      if (r?.result.error === undefined) {
        // Reported as rotated: its key logs in, and its entry names it (or says it did not move).
        assert.equal((await sshRunKey(target, key.privatePath)).ok, true);
        const moved = r?.configChanges.length ?? 0;
        assert.equal(
          text.includes(key.privatePath),
          moved > 0,
          `${key.privatePath} in the entry: ${JSON.stringify(r)}`,
        );
      }
    }
  });

  it('the connection drops right after authorized_keys was written: the report does not say "not changed", the entry and the old key stay, and the next run finishes', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [`no-pty ${oldKey.publicLine.trim()}`] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${key}\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry(oldKey.privatePath), { mode: 0o600 });
    const flag = path.join(dir, 'dropped');
    const wrapper = path.join(dir, 'ssh-drop');
    fs.writeFileSync(
      wrapper,
      '#!/bin/sh\nssh "$@"\nrc=$?\ncase "$*" in *mktemp*)\n' +
        `  if [ $rc -eq 0 ] && [ ! -e '${flag}' ]; then : > '${flag}'; echo "Connection to web closed by remote host." >&2; exit 255; fi;;\n` +
        'esac\nexit $rc\n',
      { mode: 0o755 },
    );
    const seen: RotationSummary[] = [];
    const options = { ...base(oldKey, newKey, config, [server('web', target.address)], seen) };
    options.ssh = { timeoutSeconds: 20, sshPath: wrapper };
    const result = await rotateKeyPair(options);
    const r = result?.servers[0]?.result;
    assert.ok(fs.existsSync(flag), 'the write ran, then the connection "dropped"');
    assert.equal(r?.error?.step, 'install', JSON.stringify(r));
    assert.match(
      r?.error?.message ?? '',
      /may now hold the new key as well/,
      'the report does not claim the file is unchanged',
    );
    assert.equal(fs.readFileSync(config, 'utf8'), entry(oldKey.privatePath));
    assert.equal(
      fs.readFileSync(target.authorizedKeysFile, 'utf8'),
      `no-pty ${oldKey.publicLine}no-pty ${newKey.publicLine}`,
    );
    assert.deepEqual(seen[0]?.choices.offered, ['delete-pair']);
    assert.deepEqual(
      fs.readdirSync(path.dirname(target.authorizedKeysFile)),
      ['authorized_keys'],
      'no temp file left on the server',
    );
    const again = await rotateKeyPair(options);
    assert.equal(again?.servers[0]?.result.error, undefined, JSON.stringify(again?.servers[0]?.result));
    assert.equal(fs.readFileSync(target.authorizedKeysFile, 'utf8'), `no-pty ${newKey.publicLine}`);
    assert.equal(fs.readFileSync(config, 'utf8'), entry(newKey.privatePath));
  });

  it('the server goes away after the new key was written: entry and old key stay, no private key deletion offered, the report does not say the new key "does not log in"', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(target));
    const config = path.join(dir, 'config');
    const entry = `Host web\n  HostName ${target.address}\n  User root\n  IdentityFile ${oldKey.privatePath}\n  UserKnownHostsFile ${knownHosts}\n`;
    fs.writeFileSync(config, entry, { mode: 0o600 });
    const written = path.join(dir, 'written');
    const wrapper = path.join(dir, 'ssh-gone');
    // After the first write, every further ssh run finds the server gone.
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\nif [ -e '${written}' ]; then echo "ssh: connect to host web port 22: Connection refused" >&2; exit 255; fi\n` +
        'ssh "$@"\nrc=$?\n' +
        `case "$*" in *mktemp*) [ $rc -eq 0 ] && : > '${written}';; esac\nexit $rc\n`,
      { mode: 0o755 },
    );
    const seen: RotationSummary[] = [];
    const options = base(oldKey, newKey, config, [server('web', target.address)], seen);
    options.ssh = { timeoutSeconds: 20, sshPath: wrapper };
    const result = await rotateKeyPair(options);
    const r = result?.servers[0]?.result;
    assert.deepEqual(
      [r?.installed, r?.error?.step, r?.error?.kind],
      [true, 'verify', 'unreachable'],
      JSON.stringify(r),
    );
    assert.equal(fs.readFileSync(config, 'utf8'), entry);
    assert.equal(fs.readFileSync(target.authorizedKeysFile, 'utf8'), oldKey.publicLine + newKey.publicLine);
    assert.deepEqual(seen[0]?.choices.offered, ['delete-pair']);
  });

  it('the SSH config in a folder whose name holds % (100%d): the jump host is still reached with that config', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const bastionKey = keygenKey(dir, 'ed25519');
    const bastion = await start({ port: 2206, authorizedKeys: [bastionKey.publicLine] });
    const target = await start({ authorizedKeys: [oldKey.publicLine] });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, hostKeyLines(bastion, target));
    const folder = path.join(dir, '100%d conf');
    fs.mkdirSync(folder);
    const config = path.join(folder, 'config');
    const entry = (key: string) =>
      `Host web\n  HostName ${target.address}\n  ProxyJump bastion\n  IdentityFile ${key}\n\n`;
    const rest =
      `Host bastion\n  HostName ${bastion.address}\n  Port 2206\n  IdentityFile ${bastionKey.privatePath}\n\n` +
      `Host *\n  User root\n  UserKnownHostsFile ${knownHosts}\n`;
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
    const { jumpHop } = await import('../../../../src/core/ssh/remoteKeys');
    assert.deepEqual(jumpHop('bastion'), { host: 'bastion' });
    assert.deepEqual(jumpHop('root@[127.0.0.9]:2201'), { user: 'root', host: '127.0.0.9', port: '2201' });
    assert.deepEqual(jumpHop('a@b@host:5'), { user: 'a@b', host: 'host', port: '5' });
    assert.deepEqual(jumpHop('[::1]'), { host: '::1' });
    assert.deepEqual(jumpHop('u@[fe80::1]:24'), { user: 'u', host: 'fe80::1', port: '24' });
    assert.deepEqual(jumpHop('ssh://u@h:24'), { user: 'u', host: 'h', port: '24' });
  });
});

/** A login to `server` with only `key` (no config, no agent). */
async function sshRunKey(server: Sshd, key: string): Promise<{ ok: boolean }> {
  const { sshRun } = await import('../../helpers/sshdTestUtil');
  const run = await sshRun(server, key, 'echo in');
  return { ok: run.status === 0 && run.stdout.trim() === 'in' };
}
