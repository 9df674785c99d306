// Verified first contact end to end in plain Node: a Host entry written as Connect writes it
// (UserKnownHostsFile of ours, HostKeyAlias, StrictHostKeyChecking yes), a real sshd, its console
// served by the emulator over HTTP; checkHostKey pins exactly the console's keys where that entry
// makes ssh look, and a real `ssh <alias>` then logs in without a question. A console listing
// other keys is a stop with both fingerprints; a console with none pins nothing until accepted.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHostKeysFromConsole } from '../../../../src/core/api/console';
import {
  checkHostKey,
  describeMismatch,
  describeUnverified,
  pinUnverified,
  serverEntryAlias,
} from '../../../../src/core/flows/hostKeyCheck';
import { knownHostsPath, pinnedKeys, serverHostKeyAlias } from '../../../../src/core/ssh/knownHosts';
import { HOST_ENTRY_MARKER, planHostEntry, writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { configEntries } from '../../../../src/core/flows/hostEntry';
import { readConfigTree } from '../../../../src/core/ssh/config/tree';
import { rotateKeyPair } from '../../../../src/core/flows/rotate/run';
import { madeUpHostKeys } from '../../../emulator/console';
import { Sshd, startSshd } from '../../../support/sshd';
import { compute, tempDir, useEmulator } from '../../helpers/env';
import { requireSshd } from '../../helpers/sshdTestUtil';

const keyOf = (line: string) => line.split(' ').slice(0, 2).join(' ');
const sha256Of = (dir: string, line: string) => {
  const file = path.join(dir, `k-${Math.random().toString(36).slice(2)}.pub`);
  fs.writeFileSync(file, `${line}\n`);
  return execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1] ?? '';
};

function ssh(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('checkHostKey: verified first contact (real sshd, emulator console)', function () {
  this.timeout(60_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const dir = tempDir('skp-hostkeycheck-');
  let sshd: Sshd;
  let identity: string;
  let n = 0;

  before(async () => {
    requireSshd();
    identity = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'client', '-f', identity]);
    const pub = fs.readFileSync(`${identity}.pub`, 'utf8').trim();
    sshd = await startSshd({ hostKeyTypes: ['ed25519', 'ecdsa', 'rsa'], authorizedKeys: [pub] });
  });
  after(async () => {
    await sshd?.stop();
  });

  /** A home, a config with Connect's entry for `alias`, and a server whose console is `console`. */
  async function setUp(consoleKeys: string[] | 'none') {
    const home = path.join(dir, `home-${++n}`);
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    const config = path.join(home, '.ssh', 'config');
    const server = await ctx.emu.createServer({ name: 'web', hostKeys: consoleKeys === 'none' ? [] : consoleKeys });
    if (consoleKeys === 'none') ctx.emu.setConsole(server.id, '[    0.000000] Linux version 6.1.0\r\n');
    const known = knownHostsPath(home);
    const hostKeyAlias = serverHostKeyAlias(server.id);
    // ssh expands `~` with the passwd home, never this test's: the entry names the file by its full path.
    await writeHostEntry({
      configPath: config,
      home: path.join(dir, 'not-the-home'),
      entry: {
        alias: 'web',
        hostName: sshd.address,
        user: sshd.user,
        identityFile: identity,
        hostKeys: { knownHostsFile: known, ...(hostKeyAlias ? { hostKeyAlias } : {}) },
      },
    });
    assert.ok(fs.readFileSync(config, 'utf8').includes(`UserKnownHostsFile ${known}`));
    const check = () =>
      checkHostKey({
        host: 'web',
        configArgs: ['-F', config],
        home,
        readConsole: () => readHostKeysFromConsole(compute(ctx.emu.computeUrl), server.id),
      });
    const login = () => ssh(['-F', config, '-o', 'BatchMode=yes', 'web', 'echo logged-in']);
    return { home, config, known, hostKeyAlias, check, login };
  }

  it("the console lists the sshd's keys: exactly those are pinned under the server's HostKeyAlias, and ssh <alias> logs in asking nothing", async () => {
    const s = await setUp(sshd.hostPublicKeys);
    assert.match(fs.readFileSync(s.config, 'utf8'), /^\s*StrictHostKeyChecking yes$/m, 'ssh never asks for this entry');
    const before = await s.login();
    assert.equal(before.status, 255, 'nothing pinned yet: strict checking refuses');
    assert.match(before.stderr, /Host key verification failed/);

    const result = await s.check();
    assert.equal(result.status, 'verified', JSON.stringify(result));
    const text = fs.readFileSync(s.known, 'utf8');
    assert.deepEqual(pinnedKeys(text, `${s.hostKeyAlias}`).sort(), sshd.hostPublicKeys.map(keyOf).sort());
    assert.equal(text.trim().split('\n').length, 3, 'exactly the three console keys');
    assert.deepEqual(pinnedKeys(text, sshd.address), [], 'pinned for the server, not its address');
    const after = await s.login();
    assert.equal(after.stdout.trim(), 'logged-in', after.stderr);
    assert.doesNotMatch(after.stderr, /authenticity|Permanently added/);
    assert.equal((await s.check()).status, 'verified', 'again: nothing to add');
    assert.equal(fs.readFileSync(s.known, 'utf8'), text, 'the file is unchanged');
  });

  it('the console lists another key: a stop with both SHA256 fingerprints, nothing pinned', async () => {
    const other = madeUpHostKeys().slice(0, 1);
    const s = await setUp(other);
    const result = await s.check();
    assert.equal(result.status, 'mismatch', JSON.stringify(result));
    const mismatch = result;
    assert.equal(mismatch.source, 'console');
    assert.ok(sshd.hostPublicKeys.map((k) => sha256Of(dir, k)).includes(mismatch.presented));
    assert.deepEqual(
      mismatch.expected,
      other.map((k) => sha256Of(dir, k)),
    );
    const text = describeMismatch(mismatch, 'web');
    assert.ok(text.includes(mismatch.presented) && text.includes(mismatch.expected[0] ?? '?'), text);
    assert.match(text, /reinstalled.*another server.*intercepting/);
    assert.ok(!fs.existsSync(s.known), 'nothing pinned');
    assert.equal((await s.login()).status, 255, 'and ssh <alias> refuses');
  });

  it('a console with no keys: unverified, pinned only when accepted, then known; a pinned key that differs is a stop', async () => {
    const s = await setUp('none');
    const result = await s.check();
    assert.equal(result.status, 'unverified', JSON.stringify(result));
    const unverified = result;
    assert.equal(unverified.gap, 'none');
    assert.ok(describeUnverified(unverified, 'web').includes(unverified.presented));
    assert.ok(!fs.existsSync(s.known), 'nothing pinned before the user accepts');
    assert.equal(await pinUnverified(unverified), true);
    assert.deepEqual(pinnedKeys(fs.readFileSync(s.known, 'utf8'), `${s.hostKeyAlias}`), [unverified.key]);
    assert.equal((await s.check()).status, 'known');
    const after = await s.login();
    assert.equal(after.stdout.trim(), 'logged-in', after.stderr);

    // The server is "reinstalled": the file pins a key it no longer presents.
    const stale = madeUpHostKeys().slice(0, 1);
    fs.writeFileSync(s.known, `${s.hostKeyAlias} ${keyOf(stale[0] ?? '')}\n`);
    const stop = await s.check();
    assert.equal(stop.status, 'mismatch');
    assert.equal(stop.source, 'pinned');
    assert.deepEqual(stop.expected, [sha256Of(dir, stale[0] ?? '')]);
  });
});

describe("Rotate's logins: the console first, then strict checking against the pins (real sshd)", function () {
  this.timeout(90_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const dir = tempDir('skp-rotatepins-');
  const servers: Sshd[] = [];
  before(() => requireSshd());
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  const keygen = (name: string) => {
    const file = path.join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
    return { privatePath: file, publicLine: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
  };

  async function rotateWithConsole(consoleKeys: (s: Sshd) => string[]) {
    const oldKey = keygen(`old-${Math.random().toString(36).slice(2)}`);
    const newKey = keygen(`new-${Math.random().toString(36).slice(2)}`);
    const sshd = await startSshd({ hostKeyTypes: ['ed25519', 'ecdsa'], authorizedKeys: [oldKey.publicLine] });
    servers.push(sshd);
    const server = await ctx.emu.createServer({ name: 'web', hostKeys: consoleKeys(sshd) });
    const config = path.join(dir, `config-${server.id}`);
    const known = path.join(dir, `known-${server.id}`, 'server-keypairs_known_hosts');
    const hostKeyAlias = serverHostKeyAlias(server.id) ?? '';
    await writeHostEntry({
      configPath: config,
      home: path.join(dir, 'not-the-home'),
      entry: {
        alias: 'web',
        hostName: sshd.address,
        user: sshd.user,
        identityFile: oldKey.privatePath,
        hostKeys: { knownHostsFile: known, hostKeyAlias },
      },
    });
    const asked: string[] = [];
    const result = await rotateKeyPair({
      oldPair: { name: 'deploy', privatePath: oldKey.privatePath, publicKey: oldKey.publicLine },
      createNewPair: async () => ({
        name: 'deploy-new',
        privatePath: newKey.privatePath,
        publicKey: newKey.publicLine,
      }),
      servers: [{ id: server.id, name: 'web', target: { host: sshd.address, user: sshd.user } }],
      config: { path: config, args: ['-F', config] },
      readConsole: (s) => readHostKeysFromConsole(compute(ctx.emu.computeUrl), s.id),
      trustHostKeys: async (_s, check) => {
        asked.push(check.presented);
        return true;
      },
      deleteOldPairOnServer: async () => true,
      confirmDeleteOld: async () => 'keep',
      ssh: { timeoutSeconds: 15 },
    });
    return { sshd, result, asked, known, hostKeyAlias, oldKey, newKey };
  }

  it('an unknown host key that the console lists: pinned without a question in the entry’s file, and the rotation goes through', async () => {
    const r = await rotateWithConsole((s) => s.hostPublicKeys);
    const summary = r.result?.servers[0];
    assert.equal(summary?.reachedAs.host, 'web', 'through the entry Connect wrote');
    assert.equal(summary?.result.error, undefined, JSON.stringify(summary?.result));
    assert.deepEqual(r.asked, [], 'no question: the console verified the key');
    assert.deepEqual(
      pinnedKeys(fs.readFileSync(r.known, 'utf8'), r.hostKeyAlias).sort(),
      r.sshd.hostPublicKeys.map(keyOf).sort(),
    );
    assert.equal(fs.readFileSync(r.sshd.authorizedKeysFile, 'utf8').trim(), r.newKey.publicLine);
  });

  it('a console that lists another key: the server stops before any login, its authorized_keys as it was', async () => {
    const r = await rotateWithConsole(() => madeUpHostKeys().slice(0, 1));
    const error = r.result?.servers[0]?.result.error;
    assert.deepEqual([error?.step, error?.kind], ['reach', 'host-key-mismatch']);
    assert.match(error?.message ?? '', /presents the host key SHA256:\S+, but its console lists SHA256:/);
    assert.deepEqual(r.asked, []);
    assert.ok(!fs.existsSync(r.known), 'nothing pinned');
    assert.equal(fs.readFileSync(r.sshd.authorizedKeysFile, 'utf8').trim(), r.oldKey.publicLine);
    assert.doesNotMatch(r.sshd.log(), /Accepted publickey/, 'never logged in');
  });
});

describe('Host entries and host keys (pure)', () => {
  const dir = tempDir('skp-entrykeys-');
  const identity = path.join(dir, 'key');
  const known = path.join(dir, 'server-keypairs_known_hosts');

  it('an entry written with host keys names the file, the alias and strict checking; one written without leaves them as they are', () => {
    const entry = { alias: 'web', hostName: '203.0.113.7', user: 'root', identityFile: identity };
    const first = planHostEntry('', { ...entry, hostKeys: { knownHostsFile: known, hostKeyAlias: 'server-abc' } });
    assert.equal(first.outcome, 'added');
    const text = first.outcome === 'added' ? first.text.toString('utf8') : '';
    assert.match(
      text,
      new RegExp(`^  UserKnownHostsFile ${known}\\n  HostKeyAlias server-abc\\n  StrictHostKeyChecking yes$`, 'm'),
    );
    // Add to SSH Config (no host keys) rewrites the entry: the pins stay named.
    const again = planHostEntry(text, { ...entry, user: 'admin' });
    const after = again.outcome === 'updated' ? again.text.toString('utf8') : '';
    assert.match(after, /^ {2}User admin$/m);
    assert.match(after, /^ {2}HostKeyAlias server-abc$/m);
    assert.match(after, /^ {2}StrictHostKeyChecking yes$/m);
    // Connect for a server without a usable id: the alias goes, the address is the name.
    const noAlias = planHostEntry(text, { ...entry, hostKeys: { knownHostsFile: known } });
    assert.doesNotMatch(noAlias.outcome === 'updated' ? noAlias.text.toString('utf8') : '', /HostKeyAlias/);
  });

  it("serverEntryAlias: our entry with the server's HostKeyAlias, else ours at one of its addresses, never the user's", async () => {
    const config = path.join(dir, 'config');
    fs.writeFileSync(
      config,
      [
        'Host mine',
        '  HostName 203.0.113.7',
        'Host old',
        `  ${HOST_ENTRY_MARKER}`,
        '  HostName 203.0.113.7',
        'Host moved',
        `  ${HOST_ENTRY_MARKER}`,
        '  HostName 198.51.100.1',
        '  HostKeyAlias server-abc',
        '',
      ].join('\n'),
    );
    const entries = configEntries(await readConfigTree(config));
    assert.equal(serverEntryAlias(entries, { hostKeyAlias: 'server-abc', addresses: ['203.0.113.7'] }), 'moved');
    assert.equal(serverEntryAlias(entries, { hostKeyAlias: 'server-xyz', addresses: ['203.0.113.7'] }), 'old');
    assert.equal(serverEntryAlias(entries, { addresses: ['192.0.2.9'] }), undefined);
    assert.equal(
      serverHostKeyAlias('5A0C3C2E-0000-4000-8000-000000000001'),
      'server-5a0c3c2e-0000-4000-8000-000000000001',
    );
    assert.equal(serverHostKeyAlias('../x y'), undefined);
  });
});
