// Installing, verifying and removing keys over SSH, against the real sshd (test/support/sshd.ts)
// with real `ssh` and `ssh-keygen`. What is checked is what the server's file holds afterwards
// and whether a real login works.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  RemoteKeyError,
  SshTarget,
  installPublicKey,
  removePublicKey,
  rotateOnServer,
  verifyLogin,
} from '../../../../src/core/ssh/remoteKeys';
import { Sshd, startSshd } from '../../../support/sshd';
import { keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { requireSshd, sshRun } from '../../helpers/sshdTestUtil';
import { closedPort } from '../../helpers/net';

type Key = { privatePath: string; publicLine: string };

async function rejectsWith(p: Promise<unknown>, kind: string): Promise<RemoteKeyError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof RemoteKeyError, String(err));
    assert.equal(err.kind, kind, err.message);
    return err;
  }
  assert.fail(`expected a RemoteKeyError ${kind}`);
}

describe('remote keys over SSH (real sshd)', function () {
  this.timeout(60_000);
  const cleanup: string[] = [];
  let dir: string;
  let oldKey: Key;
  let newKey: Key;
  let otherKey: Key;
  let rsaKey: Key;
  let server: Sshd;
  let target: SshTarget;

  const file = () => server.authorizedKeysFile;
  const read = () => fs.readFileSync(file(), 'latin1');
  const mode = () => fs.statSync(file()).mode & 0o777;
  const setFile = (text: string, fileMode = 0o600) => {
    fs.mkdirSync(path.dirname(file()), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file(), text, 'latin1');
    fs.chmodSync(file(), fileMode);
  };

  before(async () => {
    requireSshd();
    dir = makeTempDir(cleanup);
    oldKey = keygenKey(dir, 'ed25519');
    newKey = keygenKey(dir, 'ed25519');
    otherKey = keygenKey(dir, 'ed25519');
    rsaKey = keygenKey(dir, 'rsa', 2048);
    // A second keys file outside HOME lets the test log in while ~/.ssh is missing.
    server = await startSshd({ moreAuthorizedKeysFiles: [path.join(dir, 'rescue_keys')] });
    const emptyConfig = path.join(dir, 'empty_config');
    fs.writeFileSync(emptyConfig, '', { mode: 0o600 });
    target = {
      host: server.address,
      port: server.port,
      user: server.user,
      knownHostsFile: server.knownHostsFile,
      configArgs: ['-F', emptyConfig],
    };
  });
  beforeEach(() => {
    fs.writeFileSync(path.join(dir, 'rescue_keys'), '');
  });
  after(async () => {
    await server?.stop();
    removeTempDirs(cleanup);
  });

  describe('installPublicKey', () => {
    it('appends the new key with the old key logging in; the mode stays 0640 and the file is not appended twice', async () => {
      const before = `# managed by hand\n${rsaKey.publicLine}${oldKey.publicLine}`;
      setFile(before, 0o640);
      assert.deepEqual(await installPublicKey(target, oldKey.privatePath, newKey.publicLine), {
        changed: true,
        options: '',
      });
      assert.equal(read(), `${before}${newKey.publicLine}`);
      assert.equal(mode(), 0o640);
      const once = read();
      assert.deepEqual(await installPublicKey(target, oldKey.privatePath, newKey.publicLine), {
        changed: false,
        options: '',
      });
      const sameKeyOtherComment = `${newKey.publicLine.split(' ').slice(0, 2).join(' ')} renamed`;
      assert.deepEqual(await installPublicKey(target, newKey.privatePath, sameKeyOtherComment), {
        changed: false,
        options: '',
      });
      assert.equal(read(), once);
      assert.equal(mode(), 0o640);
      assert.deepEqual(fs.readdirSync(path.dirname(file())), ['authorized_keys'], 'no temp file left behind');
    });

    it('creates ~/.ssh (0700) and authorized_keys (0600) when they are missing', async () => {
      fs.rmSync(path.dirname(file()), { recursive: true, force: true });
      fs.writeFileSync(path.join(dir, 'rescue_keys'), oldKey.publicLine);
      await installPublicKey(target, oldKey.privatePath, newKey.publicLine);
      assert.equal(fs.statSync(path.dirname(file())).mode & 0o777, 0o700);
      assert.equal(mode(), 0o600);
      assert.equal(read(), newKey.publicLine);
      assert.equal((await sshRun(server, newKey.privatePath, 'echo in')).stdout, 'in\n');
    });

    it('keeps a CRLF file CRLF and adds a newline to a last line without one', async () => {
      setFile(`${oldKey.publicLine.trim()}\r\n# end`);
      await installPublicKey(target, oldKey.privatePath, newKey.publicLine);
      assert.equal(read(), `${oldKey.publicLine.trim()}\r\n# end\r\n${newKey.publicLine.trim()}\r\n`);
    });

    it('writes a hostile comment literally: nothing in it runs on either side', async () => {
      const marker = path.join(dir, 'pwned');
      const hostile = `${newKey.publicLine.split(' ').slice(0, 2).join(' ')} $(touch ${marker}) \`touch ${marker}\` '; touch ${marker}; "`;
      setFile(oldKey.publicLine);
      await installPublicKey(target, oldKey.privatePath, hostile);
      assert.equal(read(), `${oldKey.publicLine}${hostile}\n`);
      assert.equal(fs.existsSync(marker), false);
      assert.equal((await sshRun(server, newKey.privatePath, 'echo in')).stdout, 'in\n');
    });

    it('refuses a key with a line break or options, and changes nothing', async () => {
      setFile(oldKey.publicLine, 0o644);
      await rejectsWith(
        installPublicKey(target, oldKey.privatePath, `${newKey.publicLine}${otherKey.publicLine}`),
        'bad-key',
      );
      await rejectsWith(installPublicKey(target, oldKey.privatePath, `command="sh" ${newKey.publicLine}`), 'bad-key');
      assert.equal(read(), oldKey.publicLine);
      assert.equal(mode(), 0o644);
    });

    it('with a key the server refuses: auth-refused, file untouched', async () => {
      setFile(oldKey.publicLine, 0o640);
      await rejectsWith(installPublicKey(target, otherKey.privatePath, newKey.publicLine), 'auth-refused');
      assert.equal(read(), oldKey.publicLine);
      assert.equal(mode(), 0o640);
    });

    it('with a host key that does not match known_hosts: host-key-mismatch, file untouched', async () => {
      setFile(oldKey.publicLine);
      const wrongHosts = path.join(dir, 'wrong_known_hosts');
      fs.writeFileSync(wrongHosts, `${server.address} ${otherKey.publicLine.split(' ').slice(0, 2).join(' ')}\n`);
      await rejectsWith(
        installPublicKey({ ...target, knownHostsFile: wrongHosts }, oldKey.privatePath, newKey.publicLine),
        'host-key-mismatch',
      );
      assert.equal(read(), oldKey.publicLine);
    });

    it('to an unreachable host: unreachable, file untouched', async () => {
      setFile(oldKey.publicLine);
      const closed = await closedPort();
      await rejectsWith(
        installPublicKey({ ...target, host: '127.0.0.1', port: closed }, oldKey.privatePath, newKey.publicLine),
        'unreachable',
      );
      assert.equal(read(), oldKey.publicLine);
    });

    it('refuses a symlinked authorized_keys and leaves it and its target alone', async () => {
      const real = path.join(dir, 'elsewhere_keys');
      fs.writeFileSync(real, oldKey.publicLine);
      fs.rmSync(path.dirname(file()), { recursive: true, force: true });
      fs.mkdirSync(path.dirname(file()), { mode: 0o700 });
      fs.symlinkSync(real, file());
      await rejectsWith(installPublicKey(target, oldKey.privatePath, newKey.publicLine), 'unsupported-file');
      assert.equal(fs.lstatSync(file()).isSymbolicLink(), true);
      assert.equal(fs.readFileSync(real, 'utf8'), oldKey.publicLine);
      fs.rmSync(file());
    });
  });

  describe('verifyLogin', () => {
    it('is ok with an authorized key and auth-refused with another', async () => {
      setFile(oldKey.publicLine);
      assert.equal((await verifyLogin(target, oldKey.privatePath)).ok, true);
      const refused = await verifyLogin(target, newKey.privatePath);
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.kind, 'auth-refused');
    });

    it('classifies an unknown host key, a closed port, a missing key file and a silent server', async () => {
      setFile(oldKey.publicLine);
      const empty = path.join(dir, 'empty_known_hosts');
      fs.writeFileSync(empty, '');
      const kindOf = async (t: SshTarget, key: string, timeoutSeconds?: number) => {
        const r = await verifyLogin(t, key, { timeoutSeconds });
        return r.ok ? 'ok' : r.kind;
      };
      assert.equal(await kindOf({ ...target, knownHostsFile: empty }, oldKey.privatePath), 'host-key-unknown');
      assert.equal(
        await kindOf({ ...target, host: '127.0.0.1', port: await closedPort() }, oldKey.privatePath),
        'unreachable',
      );
      assert.equal(await kindOf(target, path.join(dir, 'no-such-key')), 'identity-unusable');
      // A server that accepts connections and never says a word.
      const sockets: net.Socket[] = [];
      const silent = net.createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const port = (silent.address() as net.AddressInfo).port;
        assert.equal(await kindOf({ ...target, host: '127.0.0.1', port }, oldKey.privatePath, 2), 'timeout');
      } finally {
        silent.close();
        for (const socket of sockets) socket.destroy();
      }
    });

    it("reads the user's SSH config (its Port and ProxyCommand apply); -p only when given", async () => {
      setFile(oldKey.publicLine);
      const config = path.join(dir, 'ssh_config');
      fs.writeFileSync(config, `Host *\n  Port ${await closedPort()}\n`, { mode: 0o600 });
      const r = await verifyLogin({ ...target, configArgs: ['-F', config] }, oldKey.privatePath);
      assert.equal(r.ok, true, 'an explicit -p wins over the config file');
      const viaPort = await verifyLogin({ ...target, port: undefined, configArgs: ['-F', config] }, oldKey.privatePath);
      assert.equal(viaPort.ok, false, "without -p the config's Port applies");
      fs.writeFileSync(config, 'Host *\n  ProxyCommand false\n');
      const viaConfig = await verifyLogin({ ...target, configArgs: ['-F', config] }, oldKey.privatePath);
      assert.equal(viaConfig.ok, false, 'the given config file is read');
    });
  });

  describe('removePublicKey', () => {
    it("removes exactly the old key's line; every other byte stays; the old key no longer logs in", async () => {
      const others = [
        '# team keys\r\n',
        `no-pty,from="127.0.0.1" ${otherKey.publicLine}`,
        '\n',
        `${rsaKey.publicLine}`,
      ];
      setFile(`${others[0]}${others[1]}${oldKey.publicLine}${others[2]}${newKey.publicLine}${others[3]}`, 0o640);
      assert.deepEqual(await removePublicKey(target, newKey.privatePath, oldKey.publicLine), { removed: 1 });
      assert.equal(read(), `${others[0]}${others[1]}${others[2]}${newKey.publicLine}${others[3]}`);
      assert.equal(mode(), 0o640);
      assert.equal((await verifyLogin(target, oldKey.privatePath)).ok, false);
      assert.equal((await verifyLogin(target, newKey.privatePath)).ok, true);
      const after = read();
      assert.deepEqual(await removePublicKey(target, newKey.privatePath, oldKey.publicLine), { removed: 0 });
      assert.equal(read(), after);
    });

    it('keeps a file without a final newline that way', async () => {
      setFile(`${newKey.publicLine}${oldKey.publicLine.trim()}`);
      await removePublicKey(target, newKey.privatePath, oldKey.publicLine);
      assert.equal(read(), newKey.publicLine.trim());
    });
  });

  describe('rotateOnServer', () => {
    it('installs the new key, verifies it, then removes the old one: new logs in, old does not', async () => {
      setFile(`# keep me\n${oldKey.publicLine}${otherKey.publicLine}`, 0o640);
      const result = await rotateOnServer(target, {
        oldIdentity: oldKey.privatePath,
        oldPublicKey: oldKey.publicLine,
        newIdentity: newKey.privatePath,
        newPublicKey: newKey.publicLine,
      });
      assert.deepEqual(result, {
        reached: true,
        installed: true,
        options: '',
        verified: true,
        entriesMoved: true,
        oldRemoved: true,
        revoked: true,
      });
      assert.equal(read(), `# keep me\n${otherKey.publicLine}${newKey.publicLine}`);
      assert.equal(mode(), 0o640);
      assert.equal((await sshRun(server, newKey.privatePath, 'echo new')).stdout, 'new\n');
      assert.equal((await sshRun(server, oldKey.privatePath, 'echo old')).status, 255);
    });

    it('keeps the old key when the new key does not log in (wrong private key for it)', async () => {
      setFile(oldKey.publicLine);
      const result = await rotateOnServer(target, {
        oldIdentity: oldKey.privatePath,
        oldPublicKey: oldKey.publicLine,
        newIdentity: otherKey.privatePath, // does not match newPublicKey
        newPublicKey: newKey.publicLine,
      });
      assert.equal(result.installed, true);
      assert.equal(result.verified, false);
      assert.equal(result.oldRemoved, false);
      assert.deepEqual(result.error && [result.error.step, result.error.kind], ['verify', 'auth-refused']);
      assert.equal(read(), `${oldKey.publicLine}${newKey.publicLine}`);
      assert.equal((await sshRun(server, oldKey.privatePath, 'echo old')).stdout, 'old\n');
    });

    it('changes nothing when the old key is refused, or the host is unreachable, or old and new are the same', async () => {
      setFile(otherKey.publicLine, 0o600);
      const keys = {
        oldIdentity: oldKey.privatePath,
        oldPublicKey: oldKey.publicLine,
        newIdentity: newKey.privatePath,
        newPublicKey: newKey.publicLine,
      };
      const refused = await rotateOnServer(target, keys);
      assert.deepEqual(refused.error && [refused.error.step, refused.error.kind], ['reach', 'auth-refused']);
      const unreachable = await rotateOnServer({ ...target, host: '127.0.0.1', port: await closedPort() }, keys);
      assert.deepEqual(unreachable.error && [unreachable.error.step, unreachable.error.kind], ['reach', 'unreachable']);
      const same = await rotateOnServer(target, { ...keys, newPublicKey: `${oldKey.publicLine.trim()} renamed` });
      assert.deepEqual(same.error && [same.error.step, same.error.kind], ['reach', 'same-key']);
      for (const r of [refused, unreachable, same])
        assert.deepEqual([r.installed, r.verified, r.oldRemoved], [false, false, false]);
      assert.equal(read(), otherKey.publicLine);
    });
  });
});

/** A loopback port with nothing listening (bound, then closed). */
