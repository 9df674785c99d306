// Host key pinning against a real sshd: the key the server presents (read through ssh, ProxyJump
// included, never authenticating), compared with what the console printed, pinned in our
// known-hosts file (plain or hashed, checked with ssh-keygen -F), and a real ssh that then logs
// in with strict checking against exactly that file; a different key is a mismatch with both
// SHA256 fingerprints, and a file that pins another key is left as it was.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  compareHostKey,
  hostFieldMatches,
  hashKnownHostName,
  knownHostsEntryOption,
  pinHostKeys,
  presentedHostKey,
} from '../../../../src/core/ssh/knownHosts';
import { parseConsoleHostKeys } from '../../../../src/core/servers/consoleHostKeys';
import { firstBootConsole, madeUpHostKeys, novaConsoleOutput } from '../../../emulator/console';
import { Sshd, startSshd } from '../../../support/sshd';
import { must } from '../../../support/must';
import { tempDir } from '../../helpers/env';
import { closedPort } from '../../helpers/net';
import { requireSshd } from '../../helpers/sshdTestUtil';

const keyOf = (line: string) => line.split(' ').slice(0, 2).join(' ');
const keygenSha256 = (dir: string, line: string) => {
  const file = path.join(dir, `k-${Math.random().toString(36).slice(2)}.pub`);
  fs.writeFileSync(file, `${line}\n`);
  return must(execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1], 'SHA256');
};

function runSsh(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('known hosts: presented key, console, pins', function () {
  this.timeout(60000);
  const dir = tempDir('skp-knownhosts-');
  let server: Sshd;
  let jump: Sshd;
  let identity: string;
  let config: string;
  let clientPublic: string;

  before(async () => {
    requireSshd();
    identity = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'client', '-f', identity]);
    clientPublic = fs.readFileSync(`${identity}.pub`, 'utf8').trim();
    [server, jump] = await Promise.all([
      startSshd({ hostKeyTypes: ['ed25519', 'ecdsa', 'rsa'], authorizedKeys: [clientPublic] }),
      startSshd({ authorizedKeys: [clientPublic] }),
    ]);
    config = path.join(dir, 'config');
    fs.writeFileSync(
      config,
      [
        'Host web',
        `  HostName ${server.address}`,
        `  User ${server.user}`,
        `  IdentityFile ${identity}`,
        '  IdentitiesOnly yes',
        'Host jump',
        `  HostName ${jump.address}`,
        `  User ${jump.user}`,
        `  IdentityFile ${identity}`,
        '  IdentitiesOnly yes',
        '  BatchMode yes',
        `  UserKnownHostsFile ${jump.knownHostsFile}`,
        '  StrictHostKeyChecking yes',
        'Host web-via-jump',
        `  HostName ${server.address}`,
        '  ProxyJump jump',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await Promise.all([server?.stop(), jump?.stop()]);
  });

  it("the presented key is one of the console's: verified, every console key pinned, and ssh then logs in strictly", async () => {
    const presented = await presentedHostKey({ alias: 'web', configArgs: ['-F', config] });
    assert.ok(presented.status === 'presented', JSON.stringify(presented));
    assert.ok(server.hostPublicKeys.map(keyOf).includes(presented.key), 'one of the sshd host keys');
    assert.equal(presented.sha256, keygenSha256(dir, presented.key), 'SHA256 as ssh-keygen -lf prints it');
    assert.doesNotMatch(server.log(), /Accepted/, 'the probe never logged in');

    const log = firstBootConsole({ hostname: 'web', hostKeys: server.hostPublicKeys, distro: 'debian' });
    const fromConsole = parseConsoleHostKeys(novaConsoleOutput(log, null));
    const verdict = compareHostKey(presented.key, fromConsole);
    assert.deepEqual(verdict, {
      status: 'verified',
      presented: presented.sha256,
      pin: server.hostPublicKeys.map(keyOf),
    });

    const known = path.join(dir, 'home', '.ssh', 'server-keypairs_known_hosts');
    const pinned = await pinHostKeys({ file: known, host: server.address, keys: verdict.pin, hash: true });
    assert.deepEqual(pinned, { status: 'add', keys: server.hostPublicKeys.map(keyOf) });
    assert.equal(fs.statSync(known).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(known)).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(path.dirname(known)), ['server-keypairs_known_hosts'], 'no temp file left');
    const found = execFileSync('ssh-keygen', ['-F', server.address, '-f', known], { encoding: 'utf8' });
    assert.equal(found.match(/^\|1\|/gm)?.length, 3, `ssh-keygen finds the three hashed lines:\n${found}`);
    assert.doesNotMatch(fs.readFileSync(known, 'utf8'), new RegExp(server.address.replace(/\./g, '\\.')), 'hashed');

    const option = knownHostsEntryOption(known, path.join(dir, 'home'));
    assert.deepEqual(option, { keyword: 'UserKnownHostsFile', value: '~/.ssh/server-keypairs_known_hosts' });
    const login = await runSsh([
      '-F',
      config,
      '-o',
      `UserKnownHostsFile=${known}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      'web',
      'echo pinned-ok',
    ]);
    assert.equal(login.stdout.trim(), 'pinned-ok', login.stderr);
    assert.deepEqual(await pinHostKeys({ file: known, host: server.address, keys: verdict.pin, hash: true }), {
      status: 'unchanged',
    });
  });

  it('a console that lists another key: mismatch with both SHA256 fingerprints; a pinned file keeps its bytes', async () => {
    const presented = await presentedHostKey({ alias: 'web', configArgs: ['-F', config] });
    assert.ok(presented.status === 'presented');
    const other = must(madeUpHostKeys()[1], 'another ed25519 key');
    const verdict = compareHostKey(
      presented.key,
      parseConsoleHostKeys(firstBootConsole({ hostname: 'web', hostKeys: [other] })),
    );
    assert.deepEqual(verdict, {
      status: 'mismatch',
      presented: keygenSha256(dir, presented.key),
      listed: [keygenSha256(dir, other)],
    });

    const known = path.join(dir, 'mismatch_known_hosts');
    await pinHostKeys({ file: known, host: server.address, keys: [other], hash: false });
    const before = fs.readFileSync(known);
    assert.equal(before.toString(), `${server.address} ${other}\n`);
    const plan = await pinHostKeys({ file: known, host: server.address, keys: [presented.key], hash: false });
    assert.deepEqual(plan, { status: 'mismatch', pinned: [keygenSha256(dir, other)], offered: [presented.sha256] });
    assert.deepEqual(fs.readFileSync(known), before, 'nothing written');
    const elsewhere = await pinHostKeys({
      file: known,
      host: server.address,
      port: 2222,
      keys: [presented.key],
      hash: false,
    });
    assert.equal(elsewhere.status, 'add', 'another port is another name: [host]:2222');
    assert.match(
      fs.readFileSync(known, 'utf8'),
      new RegExp(`^\\[${server.address.replace(/\./g, '\\.')}\\]:2222 ssh-`, 'm'),
    );
  });

  it('through ProxyJump: the target key comes by way of the jump host', async () => {
    const presented = await presentedHostKey({ alias: 'web-via-jump', configArgs: ['-F', config] });
    assert.ok(presented.status === 'presented', JSON.stringify(presented));
    assert.ok(server.hostPublicKeys.map(keyOf).includes(presented.key));
    assert.match(jump.log(), /Accepted publickey/, 'the jump host was logged in to (for its -W forward)');
  });

  it('only fingerprints on the console: the presented key is verified by its SHA256 and pinned alone', async () => {
    const presented = await presentedHostKey({ alias: 'web', configArgs: ['-F', config] });
    assert.ok(presented.status === 'presented');
    const log = firstBootConsole({ hostname: 'web', hostKeys: server.hostPublicKeys, keysBlock: false });
    assert.deepEqual(compareHostKey(presented.key, parseConsoleHostKeys(log)), {
      status: 'verified',
      presented: presented.sha256,
      pin: [presented.key],
    });
    assert.deepEqual(compareHostKey(presented.key, { status: 'none', ignoredLines: 0 }), {
      status: 'unverified',
      presented: presented.sha256,
      pin: [presented.key],
    });
  });

  it('no key exchange: a closed port or a missing ssh is a failure with ssh’s own line, never a key', async () => {
    const port = await closedPort();
    const cfg = path.join(dir, 'closed');
    fs.writeFileSync(cfg, `Host closed\n  HostName 127.0.0.1\n  Port ${port}\n`);
    const closed = await presentedHostKey({ alias: 'closed', configArgs: ['-F', cfg] });
    assert.equal(closed.status, 'failed');
    assert.ok(
      closed.status === 'failed' && closed.reason === 'no-key' && /Connection refused/.test(closed.detail),
      JSON.stringify(closed),
    );
    assert.deepEqual(
      await presentedHostKey({ alias: 'web', configArgs: ['-F', config], sshPath: path.join(dir, 'no-ssh') }),
      {
        status: 'failed',
        reason: 'no-ssh',
        detail: '',
      },
    );
  });

  it('host fields: hashed as ssh hashes them, patterns with * ? and negation', () => {
    const hashed = hashKnownHostName('203.0.113.7');
    assert.ok(hostFieldMatches(hashed, '203.0.113.7'));
    assert.ok(!hostFieldMatches(hashed, '203.0.113.8'));
    const file = path.join(dir, 'hashed');
    fs.writeFileSync(file, `${hashed} ${keyOf(must(server.hostPublicKeys[0], 'a key'))}\n`);
    assert.match(execFileSync('ssh-keygen', ['-F', '203.0.113.7', '-f', file], { encoding: 'utf8' }), /found: line 1/);
    assert.ok(hostFieldMatches('web-*.example,10.0.0.?', '10.0.0.5'));
    assert.ok(!hostFieldMatches('*.example,!bad.example', 'bad.example'));
    assert.ok(!hostFieldMatches('[10.0.0.5]:2222', '10.0.0.5'));
  });
});
