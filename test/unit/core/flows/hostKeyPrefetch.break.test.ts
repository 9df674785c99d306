// Breaking Connect's early host key contact (prefetchHostKey), in plain Node against real sshds:
// for each way the early contact and the login could meet different servers, does the key that
// `ssh <alias>` meets get compared (with the console, or the pins) before anything opens?
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readHostKeysFromConsole } from '../../../../src/core/api/console';
import { checkHostKey, describeUnreachable, prefetchHostKey } from '../../../../src/core/flows/hostKeyCheck';
import { knownHostsPath, serverHostKeyAlias } from '../../../../src/core/ssh/knownHosts';
import { writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { Sshd, startSshd } from '../../../support/sshd';
import { compute, tempDir, useEmulator } from '../../helpers/env';
import { requireSshd } from '../../helpers/sshdTestUtil';

const contacts = (sshd: Sshd) => (sshd.log().match(/\[preauth\]/g) ?? []).length;

async function until(what: string, probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

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
    const notes: string[] = [];
    const result = await checkHostKey({
      host: 'web',
      configArgs: ['-F', h.config],
      home: h.home,
      readConsole: () => assert.fail('prefetched'),
      prefetched,
      prefetchUse: (l) => notes.push(l),
    });
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
    const notes: string[] = [];
    const before = { a: contacts(a), b: contacts(b) };
    const result = await checkHostKey({
      host: 'web',
      configArgs: ['-F', h.config],
      home: h.home,
      readConsole: () => assert.fail('prefetched'),
      prefetched,
      prefetchUse: (l) => notes.push(l),
    });
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

  it('two Connects at once to the same server: each early contact is its own, both verified, no temporary file left', async () => {
    const s = await sshd();
    const made = await serverWithKeys(s.hostPublicKeys);
    const runs = await Promise.all(
      [1, 2].map(async () => {
        const h = home(`Host ${s.address}\n  Port ${s.port}\n`);
        const prefetched = startPrefetch(h, made.id);
        prefetched.contact(s.address);
        await new Promise((r) => setTimeout(r, 500));
        await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
        return checkHostKey({
          host: 'web',
          configArgs: ['-F', h.config],
          home: h.home,
          readConsole: () => assert.fail('prefetched'),
          prefetched,
        });
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
    const notes: string[] = [];
    const result = await checkHostKey({
      host: 'web',
      configArgs: ['-F', h.config],
      home: h.home,
      readConsole: () => assert.fail('prefetched'),
      prefetched,
      prefetchUse: (l) => notes.push(l),
    });
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
    const notes: string[] = [];
    const result = await checkHostKey({
      host: 'web',
      configArgs: ['-F', h.config],
      home: h.home,
      readConsole: () => assert.fail('prefetched'),
      prefetched,
      prefetchUse: (l) => notes.push(l),
    });
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.match(notes.join('\n'), /not used: proxycommand differ/);
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
      const made = await serverWithKeys(s.hostPublicKeys);
      const prefetched = startPrefetch(h, made.id);
      prefetched.contact(s.address);
      await until('early contact', () => contacts(s) > 0);
      await writeEntry(h, 'web', s, made.id, path.join(dir, 'no-key'));
      const result = await checkHostKey({
        host: 'web',
        configArgs: ['-F', h.config],
        home: h.home,
        readConsole: () => assert.fail('prefetched'),
        prefetched,
      });
      const login = await ssh(['-F', h.config, '-o', 'BatchMode=yes', 'web', 'true']);
      assert.equal(login.code, 0, 'the login went through the master, to the other sshd');
      assert.deepEqual(result, { status: 'unreachable', reason: 'master', detail: '' });
      assert.match(describeUnreachable(result, 'web'), /ControlMaster.*without checking its host key/);
    } finally {
      await ssh(['-F', h.config, '-O', 'exit', '-p', String(other.port), other.address]);
    }
  });
});
