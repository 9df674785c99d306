// Breaking Connect's early host key contact (prefetchHostKey), in plain Node against real sshds:
// for each way the early contact and the login could meet different servers, does the key that
// `ssh <alias>` meets get compared (with the console, or the pins) before anything opens?
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { readHostKeysFromConsole } from '../../../../src/core/api/console';
import {
  checkHostKey,
  describeUnreachable,
  HostKeyPrefetch,
  prefetchHostKey,
} from '../../../../src/core/flows/hostKeyCheck';
import { knownHostsPath, serverHostKeyAlias } from '../../../../src/core/ssh/knownHosts';
import { writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { Sshd, startSshd } from '../../../support/sshd';
import { compute, tempDir, useEmulator } from '../../helpers/env';
import { contacts, requireSshd, until } from '../../helpers/sshdTestUtil';

/** Runs real ssh; its exit code and stderr. */
function ssh(args: string[], timeoutMs = 15_000): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile('ssh', args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stderr, stdout }),
    );
  });
}

describe('prefetchHostKey, broken on purpose (real sshds)', function () {
  this.timeout(90_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const dir = tempDir('skp-prefetch-break-');
  let n = 0;
  const started: Sshd[] = [];
  const sshd = async (opts: Parameters<typeof startSshd>[0] = {}) => {
    const s = await startSshd(opts);
    started.push(s);
    return s;
  };
  before(() => requireSshd());
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  function home(configText = '') {
    const h = path.join(dir, `home-${++n}`);
    fs.mkdirSync(path.join(h, '.ssh'), { recursive: true, mode: 0o700 });
    const config = path.join(h, '.ssh', 'config');
    fs.writeFileSync(config, configText);
    return { home: h, config };
  }

  async function serverWithKeys(keys: string[]) {
    return ctx.emu.createServer({ name: `web${n}`, hostKeys: keys });
  }

  function startPrefetch(h: { home: string; config: string }, id: string) {
    return prefetchHostKey({
      readConsole: (signal) => readHostKeysFromConsole(compute(ctx.emu.computeUrl), id, { signal }),
      configArgs: ['-F', h.config],
      home: h.home,
    });
  }

  /** Checks "web" in `h` as Connect does after its steps, with what `prefetched` read and contacted: the result and the notes on it. */
  async function checkWithPrefetch(h: { home: string; config: string }, prefetched: HostKeyPrefetch) {
    const notes: string[] = [];
    const result = await checkHostKey({
      host: 'web',
      configArgs: ['-F', h.config],
      home: h.home,
      readConsole: () => assert.fail('prefetched'),
      prefetched,
      prefetchUse: (l) => notes.push(l),
    });
    return { result, notes };
  }

  /** The server on `s` (its keys on the console), contacted early at its address, then "web" written to it and checked. */
  async function contactWriteCheck(h: { home: string; config: string }, s: Sshd) {
    const made = await serverWithKeys(s.hostPublicKeys);
    const prefetched = startPrefetch(h, made.id);
    prefetched.contact(s.address);
    await until('early contact', () => contacts(s) > 0);
    await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
    return { made, ...(await checkWithPrefetch(h, prefetched)) };
  }

  async function writeEntry(
    h: { home: string; config: string },
    alias: string,
    to: Sshd,
    id: string,
    identityFile: string,
  ) {
    await writeHostEntry({
      configPath: h.config,
      home: path.join(dir, 'not-the-home'),
      entry: {
        alias,
        hostName: to.address,
        user: to.user,
        identityFile,
        hostKeys: { knownHostsFile: knownHostsPath(h.home), hostKeyAlias: serverHostKeyAlias(id) },
      },
    });
    // The harness' sshd listens on its own port: the entry's Port 22 is the user's to change.
    fs.appendFileSync(h.config, `\nHost ${alias}\n  Port ${to.port}\n`);
  }

  it("the server's sshd is replaced (another host key) between the early contact and the write: the early key is checked, and the login ssh then refuses the new key", async () => {
    const first = await sshd();
    const h = home();
    const made = await serverWithKeys(first.hostPublicKeys);
    const prefetched = startPrefetch(h, made.id);
    fs.appendFileSync(h.config, `Host ${first.address}\n  Port ${first.port}\n`);
    prefetched.contact(first.address);
    await until('the early contact', () => contacts(first) > 0);
    await new Promise((r) => setTimeout(r, 300));
    const { address, port } = first;
    await first.stop();
    const second = await sshd({ address, port }); // same address and port, a fresh host key
    const key = path.join(h.home, 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    second.addAuthorizedKey(fs.readFileSync(`${key}.pub`, 'utf8'));
    await writeEntry(h, 'web', second, made.id, key);
    const { result, notes } = await checkWithPrefetch(h, prefetched);
    // The early key (the first sshd's) is what the console lists: verified and pinned...
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.match(notes.join('\n'), /used/);
    assert.equal(contacts(second), 0, 'the new sshd was never contacted by the check');
    // ...but the login meets the second sshd's key, and ssh (not told to trust it) refuses before any session.
    const login = await ssh(['-F', h.config, '-o', 'BatchMode=yes', 'web', 'true']);
    assert.notEqual(login.code, 0, login.stderr);
    assert.match(login.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('the user goes Back and picks another address: the first contact is stopped and never used for the second', async () => {
    const a = await sshd();
    const b = await sshd({ port: a.port });
    const h = home(`Host ${a.address} ${b.address}\n  Port ${a.port}\n`);
    const made = await serverWithKeys(b.hostPublicKeys);
    const prefetched = startPrefetch(h, made.id);
    prefetched.contact(a.address);
    await until('contact with a', () => contacts(a) > 0);
    prefetched.contact(b.address);
    await until('contact with b', () => contacts(b) > 0);
    await new Promise((r) => setTimeout(r, 300));
    await writeEntry(h, 'web', b, made.id, path.join(dir, 'no-key'));
    const before = { a: contacts(a), b: contacts(b) };
    const { result, notes } = await checkWithPrefetch(h, prefetched);
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.match(notes.join('\n'), new RegExp(`contact with ${b.address.replace(/\./g, '\\.')} used`));
    assert.deepEqual({ a: contacts(a) - before.a, b: contacts(b) - before.b }, { a: 0, b: 0 });
  });

  it('Retry after unreachable: the second check contacts again (the failed early contact is not reused)', async () => {
    const h = home();
    const probe = await sshd(); // only to get a free address and port, then stopped
    const { address, port } = probe;
    await probe.stop();
    fs.appendFileSync(h.config, `Host ${address}\n  Port ${port}\n`);
    const made = await serverWithKeys([]);
    const prefetched = startPrefetch(h, made.id);
    prefetched.contact(address);
    await new Promise((r) => setTimeout(r, 500));
    const fake = { address, port, user: probe.user } as Sshd;
    await writeEntry(h, 'web', fake, made.id, path.join(dir, 'no-key'));
    const check = () =>
      checkHostKey({
        host: 'web',
        configArgs: ['-F', h.config],
        home: h.home,
        readConsole: () => readHostKeysFromConsole(compute(ctx.emu.computeUrl), made.id),
        prefetched,
        timeoutMs: 3_000,
      });
    const first = await check();
    assert.equal(first.status, 'unreachable', JSON.stringify(first));
    const up = await sshd({ address, port });
    const second = await check();
    assert.equal(second.status, 'unverified', JSON.stringify(second)); // console lists nothing: asked
    assert.ok(second.status === 'unverified' && second.key.split(' ')[1] === up.hostPublicKeys[0]?.split(' ')[1]);
  });

  it('two Connects at once to the same server: each early contact is its own, both verified', async () => {
    const s = await sshd();
    const made = await serverWithKeys(s.hostPublicKeys);
    const runs = await Promise.all(
      [1, 2].map(async () => {
        const h = home(`Host ${s.address}\n  Port ${s.port}\n`);
        const prefetched = startPrefetch(h, made.id);
        prefetched.contact(s.address);
        await new Promise((r) => setTimeout(r, 500));
        await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
        return (await checkWithPrefetch(h, prefetched)).result;
      }),
    );
    assert.deepEqual(
      runs.map((r) => r.status),
      ['verified', 'verified'],
    );
  });

  it('an Include added by another window between the early contact and the write sends the alias elsewhere: contacted again there (a stop)', async () => {
    const s = await sshd();
    const elsewhere = await sshd({ address: s.address, port: s.port + 1 });
    const h = home(`Host ${s.address}\n  Port ${s.port}\n`);
    const made = await serverWithKeys(s.hostPublicKeys);
    const prefetched = startPrefetch(h, made.id);
    prefetched.contact(s.address);
    await until('early contact', () => contacts(s) > 0);
    const inc = path.join(h.home, '.ssh', 'other-window.conf');
    fs.writeFileSync(inc, `Host web\n  Port ${elsewhere.port}\n`);
    fs.writeFileSync(h.config, `Include ${inc}\n${fs.readFileSync(h.config, 'utf8')}`);
    await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
    const { result, notes } = await checkWithPrefetch(h, prefetched);
    assert.equal(result.status, 'mismatch', JSON.stringify(result));
    assert.match(notes.join('\n'), /port differ/);
    assert.equal(contacts(elsewhere), 1);
  });

  it('Match originalhost <address> (the address, not the alias) sends the early contact through a ProxyCommand elsewhere: not used', async () => {
    const s = await sshd();
    const other = await sshd({ port: s.port });
    const h = home();
    // A ProxyCommand in Node (no nc on every machine): pipes stdin/stdout to host:port.
    const proxy = path.join(h.home, 'proxy.js');
    fs.writeFileSync(
      proxy,
      "const s=require('net').connect(+process.argv[3],process.argv[2]);process.stdin.pipe(s);s.pipe(process.stdout);s.on('error',()=>process.exit(1));",
    );
    fs.writeFileSync(
      h.config,
      `Match originalhost ${s.address}\n  ProxyCommand "${process.execPath}" ${proxy} ${other.address} %p\nHost ${s.address}\n  Port ${s.port}\n`,
    );
    const made = await serverWithKeys(s.hostPublicKeys);
    const prefetched = startPrefetch(h, made.id);
    prefetched.contact(s.address);
    await until('early contact elsewhere', () => contacts(other) > 0);
    await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
    const { result, notes } = await checkWithPrefetch(h, prefetched);
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.match(notes.join('\n'), /not used: proxycommand differ/);
  });

  it("a user's Host * below ours with HostName %h.invalid sent the early contact nowhere: not used, the alias is contacted (verified)", async () => {
    const s = await sshd();
    const h = home(`Host ${s.address}\n  Port ${s.port}\n`);
    const made = await serverWithKeys(s.hostPublicKeys);
    const prefetched = startPrefetch(h, made.id);
    fs.appendFileSync(h.config, `\nHost *\n  HostName %h.invalid\n`);
    prefetched.contact(s.address);
    await new Promise((r) => setTimeout(r, 500));
    await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
    // Ours came first in the file only if written above the Host *: move the user's block to the end.
    const text = fs.readFileSync(h.config, 'utf8').replace('\nHost *\n  HostName %h.invalid\n', '\n');
    fs.writeFileSync(h.config, `${text}\nHost *\n  HostName %h.invalid\n`);
    const { result, notes } = await checkWithPrefetch(h, prefetched);
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.match(notes.join('\n'), /not used: hostname differ/);
  });

  it("a HostKeyAlias the user set for the address: the pins go under the entry's alias, not the user's", async () => {
    const s = await sshd();
    const h = home(`Host ${s.address}\n  Port ${s.port}\n  HostKeyAlias users-own-name\n`);
    const { made, result } = await contactWriteCheck(h, s);
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.ok(result.status === 'verified');
    assert.equal(result.place.name, serverHostKeyAlias(made.id));
    const pins = fs.readFileSync(knownHostsPath(h.home), 'utf8');
    assert.doesNotMatch(pins, /users-own-name/);
  });

  it('Match exec flips between the early contact and the check (a flag file): the alias resolves elsewhere, contacted again there (a stop)', async () => {
    const s = await sshd();
    const elsewhere = await sshd({ address: s.address, port: s.port + 3 });
    const h = home();
    const flag = path.join(h.home, 'flag');
    fs.writeFileSync(
      h.config,
      `Match exec "test -f ${flag}"\n  Port ${elsewhere.port}\nHost ${s.address}\n  Port ${s.port}\n`,
    );
    const made = await serverWithKeys(s.hostPublicKeys);
    const prefetched = startPrefetch(h, made.id);
    prefetched.contact(s.address);
    await until('early contact', () => contacts(s) > 0);
    await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
    fs.writeFileSync(flag, '');
    const { result, notes } = await checkWithPrefetch(h, prefetched);
    assert.equal(result.status, 'mismatch', JSON.stringify(result));
    assert.match(notes.join('\n'), /port differ/);
    assert.equal(contacts(elsewhere), 1);
  });

  it('cancelled during the check that took the early contact (silent server): rejects, its ssh ends, its temporary file goes', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skp-prefetch-break-tmp-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const mine = () => fs.readdirSync(tmp).filter((f) => f.startsWith('skp-hostkey-'));
    try {
      const config = path.join(tmp, 'config');
      fs.writeFileSync(config, `Host 127.0.0.1 web\n  HostName 127.0.0.1\n  Port ${port}\n`);
      const prefetched = prefetchHostKey({
        readConsole: () => Promise.resolve({ status: 'none', ignoredLines: 0, requests: 1 }),
        configArgs: ['-F', config],
        home: tmp,
      });
      prefetched.contact('127.0.0.1');
      await until('the early contact waiting', () => mine().length === 1);
      const abort = new AbortController();
      const checking = checkHostKey({
        host: 'web',
        configArgs: ['-F', config],
        home: tmp,
        readConsole: () => assert.fail('prefetched'),
        prefetched,
        signal: abort.signal,
      });
      await new Promise((r) => setTimeout(r, 300));
      abort.abort();
      await assert.rejects(checking);
      await until('no temporary folder left', () => mine().length === 0);
    } finally {
      process.env.TMPDIR = savedTmp;
      if (savedTmp === undefined) delete process.env.TMPDIR;
      silent.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  // Was a defect: a ControlMaster the user already has open on the alias' ControlPath (here
  // `ControlPath …/cm-%h`, opened to another sshd on the same address) carries `ssh <alias>` without
  // any key exchange: the check (run with ControlPath=none) said verified, and the login landed on
  // the other machine. Now checkHostKey asks `ssh -O check <alias>` and stops.
  it("a live ControlMaster for the address (the user's ControlPath): the login would meet no key at all, so the check stops", async () => {
    const s = await sshd();
    const other = await sshd({ address: s.address, port: s.port + 2 });
    const h = home();
    const key = path.join(h.home, 'id');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    other.addAuthorizedKey(fs.readFileSync(`${key}.pub`, 'utf8'));
    const cm = path.join(h.home, '.ssh', 'cm-%h');
    fs.writeFileSync(h.config, `Host *\n  ControlMaster auto\n  ControlPath ${cm}\n  ControlPersist 60\n`);
    const master = await ssh([
      '-F',
      h.config,
      '-i',
      key,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-p',
      String(other.port),
      '-l',
      other.user,
      '-fN',
      other.address,
    ]);
    assert.equal(master.code, 0, master.stderr);
    try {
      const { result } = await contactWriteCheck(h, s);
      const login = await ssh(['-F', h.config, '-o', 'BatchMode=yes', 'web', 'true']);
      assert.equal(login.code, 0, 'the login went through the master, to the other sshd');
      assert.deepEqual(result, { status: 'unreachable', reason: 'master', detail: '' });
      assert.match(describeUnreachable(result, 'web'), /ControlMaster.*without checking its host key/);
    } finally {
      await ssh(['-F', h.config, '-O', 'exit', '-p', String(other.port), other.address]);
    }
  });
  /** An `ssh` that notes its pid (the real ssh runs as that pid), for what is still running afterwards. */
  function pidNotingSsh(h: { home: string }) {
    const pids = path.join(h.home, 'ssh-pids');
    const wrapper = path.join(h.home, 'ssh-noting');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho $$ >> '${pids}'\nexec ssh "$@"\n`, { mode: 0o755 });
    const started = () => (fs.existsSync(pids) ? fs.readFileSync(pids, 'utf8').split('\n').filter(Boolean) : []);
    const alive = () =>
      started().filter((pid) => {
        try {
          process.kill(Number(pid), 0);
          return true;
        } catch {
          return false;
        }
      });
    return { wrapper, started, alive };
  }

  /** A prefetch told the entry "web" is written, under a config whose `Match exec` takes 8 s (each ssh's pid noted). */
  function writtenWithSlowConfig() {
    const h = home(`Match exec "sleep 8"\n  User nobody\nHost web\n  HostName 127.0.0.1\n`);
    const ssh = pidNotingSsh(h);
    const prefetched = prefetchHostKey({
      readConsole: () => Promise.resolve({ status: 'none', ignoredLines: 0, requests: 1 }),
      configArgs: ['-F', h.config],
      home: h.home,
      sshPath: ssh.wrapper,
    });
    prefetched.written('web');
    return { h, ssh, prefetched };
  }

  // Was a defect: `written` starts `ssh -G` (where the pins go) and `ssh -O check` beside the entry's
  // check; when that check stops Connect (another entry wins), the prefetch is cancelled, but the
  // `ssh -G` was not given the signal: it (and the user's slow `Match exec`) ran on to its end.
  it('told the entry is written, then stopped (the entry check failed): the ssh it started for the host key check end at once', async () => {
    const { ssh, prefetched } = writtenWithSlowConfig();
    // (ssh -O check would follow only for a ControlPath, once ssh -G has answered.)
    await until('ssh -G started', () => ssh.alive().length === 1);
    await new Promise((r) => setTimeout(r, 200)); // it waits in the Match exec
    prefetched.cancel();
    await until('no ssh left running', () => ssh.alive().length === 0, 2_000);
    assert.equal(ssh.started().length, 1);
  });

  // Same defect, seen from the check: cancelled (the progress' Cancel) while the `ssh -G` asked at the
  // write waits, the check rejected but that ssh ran on to its end.
  it('cancelled during the check that took what was asked at the write (slow Match exec): rejects at once, no ssh left', async () => {
    const { h, ssh, prefetched } = writtenWithSlowConfig();
    const abort = new AbortController();
    const checking = checkHostKey({
      host: 'web',
      configArgs: ['-F', h.config],
      home: h.home,
      sshPath: ssh.wrapper,
      readConsole: () => assert.fail('prefetched'),
      prefetched,
      signal: abort.signal,
    });
    checking.catch(() => undefined);
    await until('the check waits in ssh (ssh -G asked at the write, and its contact)', () => ssh.alive().length >= 2);
    const t0 = Date.now();
    abort.abort();
    await assert.rejects(checking);
    assert.ok(Date.now() - t0 < 2_000, `rejected after ${Date.now() - t0} ms`);
    await until('no ssh left running', () => ssh.alive().length === 0, 2_000);
  });
  // Was a defect: with no ssh (a Windows without the OpenSSH client, a container), Connect's entry
  // check says "not checked", and the host key check then threw "spawn ssh ENOENT" from its ssh -G
  // (shown as an error) instead of its own stop saying ssh was not found.
  it('no ssh at all: the host key check stops with "ssh was not found", with or without what Connect started', async () => {
    const h = home('Host web\n  HostName 127.0.0.1\n');
    const sshPath = path.join(h.home, 'no-such-ssh');
    const none = () => Promise.resolve({ status: 'none' as const, ignoredLines: 0, requests: 1 });
    const prefetched = prefetchHostKey({ readConsole: none, configArgs: ['-F', h.config], home: h.home, sshPath });
    prefetched.contact('127.0.0.1');
    prefetched.written('web');
    for (const early of [prefetched, undefined]) {
      const result = await checkHostKey({
        host: 'web',
        configArgs: ['-F', h.config],
        home: h.home,
        sshPath,
        readConsole: none,
        ...(early ? { prefetched: early } : {}),
      });
      assert.deepEqual(result, { status: 'unreachable', reason: 'no-ssh', detail: '' });
      assert.match(describeUnreachable(result, 'web'), /ssh was not found/);
    }
  });
});
