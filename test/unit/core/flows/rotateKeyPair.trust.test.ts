// Rotation you can trust (issue 17), against real sshd processes and real ssh: each test is
// one of the defects a user met, checked by what they would find afterwards (which key logs
// in, what authorized_keys and the SSH config files hold, what the final question offers).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  NewKeyPair,
  RotationServer,
  RotationStopped,
  RotationSummary,
  rotateKeyPair,
} from '../../../../src/core/flows/rotate/run';
import { retargetIdentityFile } from '../../../../src/core/ssh/config/retarget';
import { updateConfigFile } from '../../../../src/core/ssh/config/file';
import { writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { Sshd, startSshd } from '../../../support/sshd';
import { keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { requireSshd, sshRun } from '../../helpers/sshdTestUtil';
import { closedPort } from '../../helpers/net';

type Key = { privatePath: string; publicLine: string };

describe('rotation you can trust (real sshd, issue 17)', function () {
  this.timeout(120_000);
  const cleanup: string[] = [];
  const servers: Sshd[] = [];
  let dir: string;
  before(() => requireSshd());
  beforeEach(() => {
    dir = makeTempDir(cleanup);
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  after(() => removeTempDirs(cleanup));

  const sshLogin = (configFile: string, knownHosts: string, host: string, key: string) => {
    try {
      const out = execFileSync(
        'ssh',
        [
          '-F',
          configFile,
          '-i',
          key,
          '-o',
          'IdentitiesOnly=yes',
          '-o',
          'BatchMode=yes',
          '-o',
          'IdentityAgent=none',
          '-o',
          `UserKnownHostsFile=${knownHosts}`,
          '-o',
          'StrictHostKeyChecking=yes',
          '--',
          host,
          'echo in',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 },
      );
      return out.trim() === 'in';
    } catch {
      return false;
    }
  };
  const newPairFrom =
    (key: Key, extra: Partial<NewKeyPair> = {}) =>
    async (): Promise<NewKeyPair> => ({
      name: 'deploy-new',
      privatePath: key.privatePath,
      publicKey: key.publicLine,
      ...extra,
    });

  it('moves a server reached only through the SSH config (Include, Port, unknown host key), keeps its key options, leaves the unreachable one and every unrelated entry on the old key, and offers no deletion that locks it out', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const other = keygenKey(dir, 'ed25519');
    const a = await startSshd({
      port: 2222,
      authorizedKeys: [`from="127.0.0.0/8",no-pty ${oldKey.publicLine.trim()}`, other.publicLine],
    });
    servers.push(a);
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, '', { mode: 0o600 });
    const config = path.join(dir, 'config');
    const included = path.join(dir, 'servers.conf');
    const deadPort = await closedPort();
    const unrelated =
      `IdentityFile ${oldKey.privatePath}\n` +
      `Include ${included}\n\n` +
      `Host github.com\n  IdentityFile ${oldKey.privatePath}\n\n` +
      `Host bastion\n  HostName 192.0.2.1\n  IdentityFile ${oldKey.privatePath}\n\n`;
    const webB = `Host web-b\n  HostName 127.0.0.1\n  Port ${deadPort}\n  User root\n  IdentityFile ${oldKey.privatePath}\n`;
    fs.writeFileSync(config, unrelated + webB, { mode: 0o600 });
    const webA = (key: string) =>
      `Host web-a\n  HostName ${a.address}\n  Port 2222\n  User ${a.user}\n  IdentityFile ${key}\n  IdentitiesOnly yes\n`;
    fs.writeFileSync(included, webA(oldKey.privatePath), { mode: 0o600 });

    const shown: string[] = [];
    let seen: RotationSummary | undefined;
    const serverA: RotationServer = {
      id: 'a',
      name: 'web-a',
      target: { host: a.address, user: a.user, knownHostsFile: knownHosts },
    };
    const serverB: RotationServer = {
      id: 'b',
      name: 'web-b',
      target: { host: '127.0.0.1', user: 'root', knownHostsFile: knownHosts },
    };
    const result = await rotateKeyPair({
      oldPair: { name: 'deploy', privatePath: oldKey.privatePath, publicKey: oldKey.publicLine },
      createNewPair: newPairFrom(newKey),
      servers: [serverA, serverB],
      serversNotChosen: [],
      config: { path: config, args: ['-F', config] },
      trustHostKeys: async (server, check) => {
        shown.push(`${server.name} ${check.presented}`);
        return true;
      },
      otherRegionsWithKey: async () => [],
      deleteOldPairOnServer: async () => true,
      confirmDeleteOld: async (summary) => {
        seen = summary;
        return 'delete-pair-and-private-key'; // not offered: must not happen
      },
      ssh: { timeoutSeconds: 10 },
    });
    assert.ok(result && seen);
    const hostKey = execFileSync('ssh-keygen', ['-lf', '-'], { input: a.knownHostsLine, encoding: 'utf8' }).split(
      ' ',
    )[1];
    assert.deepEqual(shown, [`web-a ${hostKey}`], 'the unknown host key was shown with its fingerprint');
    const [ra, rb] = result.servers;
    assert.equal(ra?.reachedAs.host, 'web-a', 'reached through its Host alias');
    assert.equal(ra?.result.error, undefined, JSON.stringify(ra?.result));
    assert.equal(ra?.result.revoked, true);
    // A: the new key got the old line's options; the old line is gone.
    assert.equal(
      fs.readFileSync(a.authorizedKeysFile, 'utf8'),
      `${other.publicLine}from="127.0.0.0/8",no-pty ${newKey.publicLine}`,
    );
    assert.equal(fs.readFileSync(included, 'utf8'), webA(newKey.privatePath), 'its entry (in the included file) moved');
    assert.ok(sshLogin(config, knownHosts, 'web-a', newKey.privatePath), 'ssh web-a logs in with the new key');
    assert.equal((await sshRun(a, oldKey.privatePath, 'echo in')).status, 255, 'the old key is refused');
    // B: failed at the first step; its entry and every unrelated one still name the old key.
    assert.deepEqual([rb?.result.error?.step, rb?.result.error?.kind], ['reach', 'unreachable']);
    assert.equal(fs.readFileSync(config, 'utf8'), unrelated + webB);
    assert.deepEqual(result.stillUsingOldKey.map((u) => u.host).sort(), ['', 'bastion', 'github.com', 'web-b']);
    // The question: no option deletes the old private key, and it says why.
    assert.deepEqual(seen.choices.offered, ['delete-pair']);
    assert.match(seen.choices.withheld[0]?.reasons.join(' ') ?? '', /web-b/);
    assert.equal(result.decision, 'keep', 'an answer that was not offered counts as keep');
    assert.ok(fs.existsSync(oldKey.privatePath), 'the old private key is still there');
  });

  it('reports a server that still accepts the old key after rotation as not revoked', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    const newKey = keygenKey(dir, 'ed25519');
    const keys2 = path.join(dir, 'authorized_keys2');
    fs.writeFileSync(keys2, oldKey.publicLine);
    const s = await startSshd({ authorizedKeys: [oldKey.publicLine], moreAuthorizedKeysFiles: [keys2] });
    servers.push(s);
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, '', { mode: 0o600 });
    const result = await rotateKeyPair({
      oldPair: { name: 'deploy', privatePath: oldKey.privatePath, publicKey: oldKey.publicLine },
      createNewPair: newPairFrom(newKey),
      servers: [{ id: 's', name: 'web', target: { host: s.address, user: s.user, knownHostsFile: s.knownHostsFile } }],
      config: { path: config, args: ['-F', config] },
      deleteOldPairOnServer: async () => true,
      confirmDeleteOld: async () => 'keep',
    });
    const r = result?.servers[0]?.result;
    assert.deepEqual(
      [r?.oldRemoved, r?.revoked, r?.error?.step, r?.error?.kind],
      [true, false, 'revoke', 'still-accepted'],
    );
    assert.match(r?.error?.message ?? '', /still accepted: it is authorized outside ~\/\.ssh\/authorized_keys/);
    assert.equal(fs.readFileSync(s.authorizedKeysFile, 'utf8'), newKey.publicLine);
  });

  it('an encrypted old key that no agent holds: no passphrase stops before anything changes; with it, the rotation works (new key encrypted too)', async () => {
    const oldKey = keygenKey(dir, 'ed25519');
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'old secret', '-f', oldKey.privatePath]);
    const newKey = keygenKey(dir, 'ed25519');
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'new secret', '-f', newKey.privatePath]);
    const s = await startSshd({ authorizedKeys: [oldKey.publicLine] });
    servers.push(s);
    const config = path.join(dir, 'config');
    const entry = `Host web\n  HostName ${s.address}\n  IdentityFile ${oldKey.privatePath}\n`;
    fs.writeFileSync(config, entry, { mode: 0o600 });
    let created = 0;
    const options = {
      oldPair: { name: 'deploy', privatePath: oldKey.privatePath, publicKey: oldKey.publicLine },
      createNewPair: async () => {
        created++;
        return newPairFrom(newKey, { passphrase: 'new secret' })();
      },
      servers: [{ id: 's', name: 'web', target: { host: s.address, user: s.user, knownHostsFile: s.knownHostsFile } }],
      config: { path: config, args: ['-F', config] },
      agentSocket: '',
      deleteOldPairOnServer: async () => true,
      confirmDeleteOld: async () => 'keep' as const,
    };
    await assert.rejects(rotateKeyPair({ ...options, askOldPassphrase: async () => undefined }), RotationStopped);
    assert.equal(created, 0, 'no new pair was made');
    assert.equal(fs.readFileSync(config, 'utf8'), entry);
    assert.equal(fs.readFileSync(s.authorizedKeysFile, 'utf8'), oldKey.publicLine);
    const asked: number[] = [];
    const result = await rotateKeyPair({ ...options, askOldPassphrase: async () => (asked.push(1), 'old secret') });
    assert.equal(asked.length, 1, 'asked once');
    assert.equal(result?.servers[0]?.result.error, undefined, JSON.stringify(result?.servers[0]?.result));
    assert.equal(fs.readFileSync(s.authorizedKeysFile, 'utf8'), newKey.publicLine);
    assert.equal(fs.readFileSync(config, 'utf8'), entry.replace(oldKey.privatePath, newKey.privatePath));
  });

  it('matches IdentityFile as ssh does: Windows paths, non-ASCII bytes (0xA0 inside Р)', () => {
    const win = retargetIdentityFile(
      'Host w\r\n  IdentityFile C:\\Users\\me\\.ssh\\deploy\r\n',
      { oldPath: 'C:\\Users\\me\\.ssh\\deploy', newPath: 'C:\\Users\\me\\.ssh\\deploy-new' },
      { home: 'C:\\Users\\me', platform: 'win32' },
    );
    assert.equal(win.text.toString('utf8'), 'Host w\r\n  IdentityFile ~/.ssh/deploy-new\r\n');
    const cyr = retargetIdentityFile(
      'Host r\n  IdentityFile /srv/Рома/keys/deploy # team\n',
      { oldPath: '/srv/Рома/keys/deploy', newPath: '/srv/Рома/keys/deploy-new' },
      { home: '/root', platform: 'linux' },
    );
    assert.equal(cyr.text.toString('utf8'), 'Host r\n  IdentityFile /srv/Рома/keys/deploy-new # team\n');
  });

  it('two concurrent SSH config writers lose no update (writeHostEntry and updateConfigFile)', async () => {
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, '# mine\n', { mode: 0o640 });
    await Promise.all(
      ['web1', 'web2', 'web3', 'web4'].map((alias, i) =>
        writeHostEntry({
          configPath: config,
          entry: { alias, hostName: `10.0.0.${i + 1}`, identityFile: '/k/id' },
          home: '/root',
        }),
      ),
    );
    const text = fs.readFileSync(config, 'utf8');
    for (const alias of ['web1', 'web2', 'web3', 'web4']) assert.match(text, new RegExp(`Host ${alias}\\n`));
    assert.equal(fs.statSync(config).mode & 0o777, 0o640);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        updateConfigFile(config, (c) => Buffer.concat([c ?? Buffer.alloc(0), Buffer.from(`# line ${i}\n`)])),
      ),
    );
    const lines = fs
      .readFileSync(config, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('# line'));
    assert.equal(lines.length, 10);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('lock') || f.endsWith('.tmp')),
      [],
    );
  });
});
