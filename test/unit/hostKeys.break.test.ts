// Break tests of verified first contact (issue 19): the pins file written by two windows at
// once, a symlinked or read-only ~/.ssh, Trust Host Key… against a stale line of the user's
// own known_hosts (hashed and not, with @revoked / @cert-authority lines), console text with
// colour codes. Real files, real ssh-keygen; a real sshd where a login proves the point.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  hashKnownHostName,
  knownHostsPath,
  pinHostKeys,
  pinnedKeys,
  serverHostKeyAlias,
} from '../../src/core/ssh/knownHosts';
import { writeHostEntry } from '../../src/core/ssh/config/hostEntry';
import { rotateKeyPair } from '../../src/core/flows/rotate/run';
import { parseConsoleHostKeys } from '../../src/core/servers/consoleHostKeys';
import { madeUpHostKeys } from '../emulator/console';
import { readHostKeysFromConsole } from '../../src/core/api/console';
import { checkHostKey, pinUnverified } from '../../src/core/flows/hostKeyCheck';
import { Sshd, startSshd } from '../support/sshd';
import { compute, tempDir, useEmulator } from './helpers/env';
import { requireSshd } from './helpers/sshdTestUtil';

const keyOf = (line: string) => line.split(' ').slice(0, 2).join(' ');

function run(file: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: 60_000 }, (err, _out, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
    );
  });
}

describe('host key pins under stress (issue 19 break)', function () {
  this.timeout(90_000);
  const dir = tempDir('skp-b19-');
  let n = 0;
  const home = () => {
    const h = path.join(dir, `home-${++n}`);
    fs.mkdirSync(path.join(h, '.ssh'), { recursive: true, mode: 0o700 });
    return h;
  };
  const keys = madeUpHostKeys().map(keyOf);
  const key = keys[0] ?? '';
  const other = keys[1] ?? '';

  it('two windows pin servers in the same file at once: no line lost, none twice', async () => {
    const h = home();
    const file = knownHostsPath(h);
    // Each "window" is its own Node process with its own copy of the module (as two extension hosts are).
    const worker = path.join(dir, 'pin-worker.js');
    const module = require.resolve('../../src/core/ssh/knownHosts');
    fs.writeFileSync(
      worker,
      `const { pinHostKeys } = require(${JSON.stringify(module)});
       const [file, who, key] = process.argv.slice(2);
       (async () => {
         for (let i = 0; i < 12; i++) {
           await pinHostKeys({ file, name: 'server-' + who + '-' + i, keys: [key], hash: false });
           await pinHostKeys({ file, name: 'server-shared', keys: [key], hash: false });
         }
       })().catch((e) => { console.error(e); process.exit(3); });`,
    );
    const windows = ['a', 'b', 'c', 'd'];
    const results = await Promise.all(windows.map((w) => run(worker, [file, w, key])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const names = lines.map((l) => l.split(' ')[0]).sort();
    const expected = [...windows.flatMap((w) => [...Array(12).keys()].map((i) => `server-${w}-${i}`)), 'server-shared'];
    assert.deepEqual(names, expected.sort(), 'every pin once, none lost to the other window');
    assert.deepEqual(
      fs.readdirSync(path.dirname(file)).filter((f) => f !== path.basename(file)),
      [],
      'no temp or lock file left',
    );
  });

  it('a symlinked pins file (dotfiles): the link stays, its target gets the line', async () => {
    const h = home();
    const file = knownHostsPath(h);
    const target = path.join(h, 'dotfiles', 'ssh', 'server-keypairs_known_hosts');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `server-old ${other}\n`, { mode: 0o644 });
    fs.symlinkSync(path.relative(path.dirname(file), target), file);
    const plan = await pinHostKeys({ file, name: 'server-1', keys: [key], hash: false });
    assert.equal(plan.status, 'add');
    assert.ok(fs.lstatSync(file).isSymbolicLink(), 'still a symlink');
    assert.equal(fs.readFileSync(target, 'utf8'), `server-old ${other}\nserver-1 ${key}\n`);
    assert.equal(fs.statSync(target).mode & 0o777, 0o644, 'its mode kept');
  });

  it('a read-only ~/.ssh: a message that names the file and why, nothing written', async function () {
    const h = home();
    const ssh = path.join(h, '.ssh');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ssh], { stdio: 'ignore' });
    } catch {
      this.skip(); // not root / no mount here: nothing to prove
    }
    try {
      const err = await pinHostKeys({ file: knownHostsPath(h), name: 'server-1', keys: [key], hash: true }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      assert.ok(err, 'refused');
      assert.match(err.message, /server-keypairs_known_hosts is on a read-only file system/);
      assert.doesNotMatch(err.message, /\.tmp|EROFS/, 'no temp file name, no errno as the message');
      assert.deepEqual(fs.readdirSync(ssh), []);
    } finally {
      execFileSync('umount', [ssh], { stdio: 'ignore' });
    }
  });

  describe("Trust Host Key… for a server without our entry: the stale line in the user's own known_hosts", () => {
    function userFile(h: string, lines: string[]): string {
      const file = path.join(h, '.ssh', 'known_hosts');
      fs.writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
      return file;
    }

    it('plain and hashed lines for the address are replaced; other hosts, comments and @ lines stay as they were', async () => {
      const h = home();
      const revoked = keys[2] ?? '';
      const ca = keys[3] ?? '';
      const lines = [
        '# my hosts',
        `10.0.0.5 ${other}`,
        `${hashKnownHostName('10.0.0.5')} ${other}`,
        `gitlab.example,10.0.0.9 ${other}`,
        `@revoked * ${revoked}`,
        `@cert-authority *.example ${ca}`,
        `10.0.0.50 ${other}`,
      ];
      const file = userFile(h, lines);
      const plan = await pinHostKeys({ file, host: '10.0.0.5', keys: [key], hash: false, replace: true });
      assert.equal(plan.status, 'add', JSON.stringify(plan));
      const text = fs.readFileSync(file, 'utf8');
      assert.deepEqual(pinnedKeys(text, '10.0.0.5'), [key], 'only the trusted key for the address');
      const kept = lines.filter((_l, i) => i !== 1 && i !== 2);
      assert.deepEqual(text.trim().split('\n'), [...kept, `10.0.0.5 ${key}`]);
      // ssh agrees: the new key is the one it finds for the address.
      const found = execFileSync('ssh-keygen', ['-F', '10.0.0.5', '-f', file], { encoding: 'utf8' });
      assert.ok(found.includes(key) && !found.includes(other), found);
    });

    it('a name in a list with other names: only that name goes, the others keep their key', async () => {
      const h = home();
      const file = userFile(h, [`gitlab.example,10.0.0.5 ${other}`]);
      const plan = await pinHostKeys({ file, host: '10.0.0.5', keys: [key], hash: false, replace: true });
      assert.equal(plan.status, 'add');
      const text = fs.readFileSync(file, 'utf8');
      assert.deepEqual(pinnedKeys(text, 'gitlab.example'), [other], 'gitlab.example still pinned');
      assert.deepEqual(pinnedKeys(text, '10.0.0.5'), [key]);
    });

    it('a pattern line (*.example) that covers the name is not rewritten: still a stop', async () => {
      const h = home();
      const file = userFile(h, [`10.0.0.* ${other}`]);
      const before = fs.readFileSync(file, 'utf8');
      const plan = await pinHostKeys({ file, host: '10.0.0.5', keys: [key], hash: false, replace: true });
      assert.equal(plan.status, 'mismatch');
      assert.equal(fs.readFileSync(file, 'utf8'), before, 'unchanged');
    });

    it('without replace (Connect): the user file is only appended to, a stale line is a stop', async () => {
      const h = home();
      const file = userFile(h, [`10.0.0.5 ${other}`]);
      const plan = await pinHostKeys({ file, host: '10.0.0.5', keys: [key], hash: false });
      assert.equal(plan.status, 'mismatch');
      assert.equal(fs.readFileSync(file, 'utf8'), `10.0.0.5 ${other}\n`);
    });
  });
});

describe('Trust Host Key… and Rotate against stale pins (real sshd, emulator console; issue 19 break)', function () {
  this.timeout(90_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const dir = tempDir('skp-b19-sshd-');
  let sshd: Sshd;
  let identity: string;
  let n = 0;
  before(async () => {
    requireSshd();
    identity = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'client', '-f', identity]);
    const pub = fs.readFileSync(`${identity}.pub`, 'utf8').trim();
    sshd = await startSshd({ hostKeyTypes: ['ed25519'], authorizedKeys: [pub] });
  });
  after(async () => {
    await sshd?.stop();
  });

  /** A config without our entry for the server; the user's known_hosts holds a stale key for its address. */
  async function userKnowsStaleKey(hashed: boolean, consoleKeys: 'real' | 'none') {
    const home = path.join(dir, `home-${++n}`);
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    const config = path.join(home, '.ssh', 'config');
    const known = path.join(home, '.ssh', 'known_hosts');
    fs.writeFileSync(config, `Host *\n  UserKnownHostsFile ${known}\n  HashKnownHosts ${hashed ? 'yes' : 'no'}\n`);
    const stale = keyOf(madeUpHostKeys()[0] ?? '');
    fs.writeFileSync(
      known,
      `${hashed ? hashKnownHostName(sshd.address) : sshd.address} ${stale}\nother.example ${stale}\n`,
    );
    const server = await ctx.emu.createServer({
      name: 'web',
      hostKeys: consoleKeys === 'real' ? sshd.hostPublicKeys : [],
    });
    if (consoleKeys === 'none') ctx.emu.setConsole(server.id, '[    0.000000] Linux version 6.1.0\r\n');
    const login = () =>
      new Promise<string>((resolve) =>
        execFile(
          'ssh',
          [
            '-F',
            config,
            '-o',
            'BatchMode=yes',
            '-o',
            'StrictHostKeyChecking=yes',
            '-i',
            identity,
            '-l',
            sshd.user,
            sshd.address,
            'echo in',
          ],
          { timeout: 30_000 },
          (_e, out, err) => resolve(`${out}${err}`),
        ),
      );
    const check = () =>
      checkHostKey({
        host: sshd.address,
        configArgs: ['-F', config],
        home,
        replace: true,
        readConsole: () => readHostKeysFromConsole(compute(ctx.emu.computeUrl), server.id),
      });
    return { known, stale, login, check };
  }

  for (const hashed of [false, true]) {
    it(`verified by the console, the stale ${hashed ? 'hashed' : 'plain'} line for the address is replaced and ssh then logs in strictly`, async () => {
      const s = await userKnowsStaleKey(hashed, 'real');
      assert.match(await s.login(), /REMOTE HOST IDENTIFICATION HAS CHANGED/);
      const result = await s.check();
      assert.equal(result.status, 'verified', JSON.stringify(result));
      const text = fs.readFileSync(s.known, 'utf8');
      assert.deepEqual(pinnedKeys(text, sshd.address), sshd.hostPublicKeys.map(keyOf));
      assert.deepEqual(pinnedKeys(text, 'other.example'), [s.stale], 'another host keeps its line');
      assert.match(await s.login(), /^in$/m);
    });
  }

  it('no console keys: the user accepts the presented key, and it replaces the stale line', async () => {
    const s = await userKnowsStaleKey(false, 'none');
    const result = await s.check();
    assert.equal(result.status, 'unverified', JSON.stringify(result));
    if (result.status !== 'unverified') return;
    assert.equal(await pinUnverified(result, { replace: true }), true, 'pinned, not "the file changed meanwhile"');
    assert.match(await s.login(), /^in$/m);
  });
});

describe("Rotate's logins against a stale pin (real sshd; issue 19 break)", function () {
  this.timeout(90_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const dir = tempDir('skp-b19-rotate-');
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

  it('the pin is stale (server reinstalled), the console lists the new key: a stop naming both fingerprints, nothing changed, the pin kept', async () => {
    const oldKey = keygen('old');
    const newKey = keygen('new');
    const sshd = await startSshd({ hostKeyTypes: ['ed25519'], authorizedKeys: [oldKey.publicLine] });
    servers.push(sshd);
    const server = await ctx.emu.createServer({ name: 'web', hostKeys: sshd.hostPublicKeys });
    const config = path.join(dir, 'config');
    const known = path.join(dir, 'server-keypairs_known_hosts');
    const hostKeyAlias = serverHostKeyAlias(server.id) ?? '';
    const stale = keyOf(madeUpHostKeys()[0] ?? '');
    fs.writeFileSync(known, `${hostKeyAlias} ${stale}\n`);
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
    const error = result?.servers[0]?.result.error;
    assert.equal(error?.kind, 'host-key-mismatch', JSON.stringify(result?.servers[0]?.result));
    const presented = execFileSync('ssh-keygen', ['-lf', '-'], {
      input: sshd.hostPublicKeys[0],
      encoding: 'utf8',
    }).split(' ')[1];
    const pinned = execFileSync('ssh-keygen', ['-lf', '-'], { input: stale, encoding: 'utf8' }).split(' ')[1];
    assert.ok(error?.message.includes(presented ?? '?') && error.message.includes(pinned ?? '?'), error?.message);
    assert.match(error?.message ?? '', /Trust Host Key/);
    assert.deepEqual(asked, [], 'never asked to trust it');
    assert.equal(fs.readFileSync(known, 'utf8'), `${hostKeyAlias} ${stale}\n`, 'the pin is kept');
    assert.equal(fs.readFileSync(sshd.authorizedKeysFile, 'utf8').trim(), oldKey.publicLine);
    assert.doesNotMatch(sshd.log(), /Accepted publickey/);
  });
});

describe('console text others write (issue 19 break)', () => {
  const keys = madeUpHostKeys().map(keyOf);
  const block = (lines: string[]) => ['-----BEGIN SSH HOST KEY KEYS-----', ...lines, '-----END SSH HOST KEY KEYS-----'];

  it('colour codes around the lines (as Nova serves them, ESC removed, and with ESC): the keys are read', () => {
    const lines = block(keys.map((k) => `${k} root@web`));
    for (const esc of ['', '\x1b']) {
      const text = lines.map((l) => `${esc}[0;1;39m${l}${esc}[0m`).join('\r\n');
      const result = parseConsoleHostKeys(`[    5.000000] cloud-init[812]: boot\r\n${text}\r\n`);
      assert.equal(result.status, 'keys', JSON.stringify(result));
      if (result.status === 'keys')
        assert.deepEqual(
          result.keys.map((k) => k.key),
          keys,
        );
    }
  });

  it('Markdown, control characters and an OSC title in a key comment: the key is read, none of the comment comes out', () => {
    const text = block([`${keys[0] ?? ''} **[click](http://x)** \x07\x1b]0;evil\x07 <b>`]).join('\n');
    const result = parseConsoleHostKeys(text);
    assert.equal(result.status, 'keys');
    assert.doesNotMatch(JSON.stringify(result), /click|evil|<b>/);
  });

  it('a later complete block wins (a reinstall prints one); only root can write the serial console, and root holds the host keys', () => {
    const real = block([keys[0] ?? '']).join('\r\n');
    const later = block([keys[1] ?? '']).join('\r\n');
    const result = parseConsoleHostKeys(`${real}\r\n[  100.0] login: \r\n${later}\r\n`);
    assert.equal(result.status, 'keys');
    if (result.status === 'keys')
      assert.deepEqual(
        result.keys.map((k) => k.key),
        [keys[1]],
      );
  });
});

describe('first contact through the jump host of an Included file (real sshd ×2; issue 19 break)', function () {
  this.timeout(90_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const dir = tempDir('skp-b19-jump-');
  const servers: Sshd[] = [];
  before(() => requireSshd());
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("the key is read by way of the jump host, verified against the console and pinned under the server's alias", async () => {
    const identity = path.join(dir, 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'me', '-f', identity]);
    const pub = fs.readFileSync(`${identity}.pub`, 'utf8').trim();
    const jump = await startSshd({ authorizedKeys: [pub] });
    const target = await startSshd({ authorizedKeys: [pub] });
    servers.push(jump, target);
    const server = await ctx.emu.createServer({ name: 'web', hostKeys: target.hostPublicKeys });
    const included = path.join(dir, 'conf.d', 'jump.conf');
    fs.mkdirSync(path.dirname(included), { recursive: true });
    fs.writeFileSync(
      included,
      `Host web\n  ProxyJump jumpbox\nHost jumpbox\n  HostName ${jump.address}\n  User ${jump.user}\n  IdentityFile ${identity}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${jump.knownHostsFile}\n  StrictHostKeyChecking yes\n`,
    );
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, `Include ${path.join(dir, 'conf.d', '*.conf')}\n`);
    const known = path.join(dir, 'server-keypairs_known_hosts');
    const alias = serverHostKeyAlias(server.id) ?? '';
    await writeHostEntry({
      configPath: config,
      home: path.join(dir, 'not-the-home'),
      entry: {
        alias: 'web',
        hostName: target.address,
        user: target.user,
        identityFile: identity,
        hostKeys: { knownHostsFile: known, hostKeyAlias: alias },
      },
    });
    const result = await checkHostKey({
      host: 'web',
      configArgs: ['-F', config],
      home: dir,
      readConsole: () => readHostKeysFromConsole(compute(ctx.emu.computeUrl), server.id),
    });
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.deepEqual(pinnedKeys(fs.readFileSync(known, 'utf8'), alias), target.hostPublicKeys.map(keyOf));
    assert.match(jump.log(), /Accepted publickey/, 'the jump host was used');
    assert.doesNotMatch(target.log(), /Accepted publickey/, 'no login on the target: only its key was read');
  });
});
