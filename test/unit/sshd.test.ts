// The test sshd itself: a real login, a hermetic HOME, no leaked processes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Sshd, startSshd } from '../support/sshd';
import { sshdBacking } from '../support/sshdBacking';
import { keygenKey, makeTempDir, removeTempDirs } from './helpers/keysTestUtil';
import { requireSshd, sshRun } from './helpers/sshdTestUtil';

/** Whether `pid` runs (a zombie waiting to be reaped by init does not). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('test sshd (real /usr/sbin/sshd)', function () {
  this.timeout(60_000);
  const cleanup: string[] = [];
  let key: { privatePath: string; publicLine: string };
  let other: { privatePath: string; publicLine: string };
  let server: Sshd | undefined;

  before(() => {
    requireSshd();
    const dir = makeTempDir(cleanup);
    key = keygenKey(dir, 'ed25519');
    other = keygenKey(dir, 'ed25519');
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  after(() => removeTempDirs(cleanup));

  it("logs in with an authorized key; the session's ~/.ssh/authorized_keys is the temp file, not the real one", async () => {
    const realFile = '/root/.ssh/authorized_keys';
    const realBefore = fs.existsSync(realFile) ? fs.readFileSync(realFile) : undefined;
    server = await startSshd({ authorizedKeys: [key.publicLine] });
    assert.match(server.address, /^127\.\d+\.\d+\.\d+$/);
    const r = await sshRun(server, key.privatePath, 'echo "$HOME"; cat ~/.ssh/authorized_keys');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${server.homeDir}\n${key.publicLine}`);
    assert.ok(server.homeDir.startsWith(path.dirname(server.authorizedKeysFile).replace(/\/\.ssh$/, '')));
    assert.notEqual(server.homeDir, '/root');
    const realAfter = fs.existsSync(realFile) ? fs.readFileSync(realFile) : undefined;
    assert.deepEqual(realAfter, realBefore);
  });

  it('checks its banner once when it starts: an idle sshd gets no connections, and every login stays in its log', async () => {
    server = await startSshd({ authorizedKeys: [key.publicLine] });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const connections = (server.log().match(/Connection from /g) ?? []).length;
    assert.equal(connections, 1, `only the start's banner check:\n${server.log().slice(-2000)}`);
    for (let i = 0; i < 2; i++) assert.equal((await sshRun(server, key.privatePath, 'true')).status, 0);
    assert.equal((server.log().match(/Accepted publickey for /g) ?? []).length, 2);
    assert.equal((server.log().match(/Connection from /g) ?? []).length, 3);
  });

  it('refuses a key that is not in its authorized_keys, and accepts it once added', async () => {
    server = await startSshd({ authorizedKeys: [key.publicLine] });
    const refused = await sshRun(server, other.privatePath, 'true');
    assert.equal(refused.status, 255);
    assert.match(refused.stderr, /Permission denied \(publickey\)/);
    server.addAuthorizedKey(other.publicLine);
    assert.equal((await sshRun(server, other.privatePath, 'echo hi')).stdout, 'hi\n');
  });

  it('gives each server its own address and host key', async () => {
    const one = await startSshd({ authorizedKeys: [key.publicLine] });
    server = one;
    const two = await startSshd({ authorizedKeys: [key.publicLine] });
    try {
      assert.notEqual(one.address, two.address);
      assert.notEqual(one.knownHostsLine.split(' ')[2], two.knownHostsLine.split(' ')[2]);
      // The first server's host key does not verify the second server.
      const mixed = await sshRun({ ...two, knownHostsFile: one.knownHostsFile }, key.privatePath, 'true');
      assert.equal(mixed.status, 255);
      assert.match(mixed.stderr, /Host key verification failed|No ED25519 host key is known/);
    } finally {
      await two.stop();
    }
  });

  it('stop() ends sshd and the sessions it started, and removes its temp dir', async () => {
    server = await startSshd({ authorizedKeys: [key.publicLine] });
    const s = server;
    const dir = path.dirname(s.homeDir);
    // A session that would outlive sshd: it prints its pid and sleeps.
    const pid = await new Promise<number>((resolve) => {
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      const child = spawn(
        'ssh',
        [
          '-F',
          '/dev/null',
          '-i',
          key.privatePath,
          '-o',
          'IdentitiesOnly=yes',
          '-o',
          'BatchMode=yes',
          '-o',
          `UserKnownHostsFile=${s.knownHostsFile}`,
          '-o',
          'StrictHostKeyChecking=yes',
          '-l',
          s.user,
          s.address,
          'echo $$; exec sleep 300',
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      child.stdout.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    });
    assert.ok(alive(pid), 'the remote session runs');
    await s.stop();
    server = undefined;
    assert.equal(alive(pid), false, 'the remote session was ended');
    assert.equal(fs.existsSync(dir), false);
    const again = await sshRun(s, key.privatePath, 'true');
    assert.equal(again.status, 255);
  });

  it("backs emulator servers: one sshd per server with the key pair's public key, stopped on delete", async () => {
    const backing = sshdBacking();
    try {
      const created = await backing.serverCreated({
        id: 's1',
        name: 'web-1',
        keyName: 'kp',
        publicKey: key.publicLine,
      });
      const bare = await backing.serverCreated({ id: 's2', name: 'web-2', keyName: null, publicKey: null });
      const s1 = backing.sshdFor('s1')!;
      assert.deepEqual(
        created,
        { ipv4: s1.address, hostKeys: s1.hostPublicKeys },
        'its address and host keys (for the console)',
      );
      assert.notEqual(bare && bare.ipv4, s1.address);
      assert.equal((await sshRun(s1, key.privatePath, 'cat ~/.ssh/authorized_keys')).stdout, key.publicLine);
      assert.equal((await sshRun(backing.sshdFor('s2')!, key.privatePath, 'true')).status, 255);
      const only = sshdBacking({ shouldBack: (s) => s.keyName === 'kp' });
      assert.equal(
        await only.serverCreated({ id: 's3', name: 'db', keyName: 'other', publicKey: key.publicLine }),
        undefined,
      );
      assert.equal(only.servers.size, 0);
      await backing.serverDeleted('s1');
      assert.equal(backing.sshdFor('s1'), undefined);
      assert.equal((await sshRun(s1, key.privatePath, 'true')).status, 255);
    } finally {
      await backing.stopAll();
    }
  });
});
