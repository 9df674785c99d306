// Connect's host key contact started early (prefetchHostKey), in plain Node against real sshds:
// the key the address presented while the steps were asked is used only when the entry, once
// written, resolves (ssh -G) to the same connection; a user's block that sends the alias
// elsewhere (another port, a jump host, another HostName) makes the check contact again, so
// the key compared with the console is always the one ssh will meet. A cancelled prefetch
// leaves no ssh running and no temporary file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { readHostKeysFromConsole } from '../../../../src/core/api/console';
import { checkHostKey, prefetchHostKey } from '../../../../src/core/flows/hostKeyCheck';
import { connectionDifferences, knownHostsPath, serverHostKeyAlias } from '../../../../src/core/ssh/knownHosts';
import { writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { checkWithSsh, resolveWithSsh } from '../../../../src/core/ssh/config/check';
import { Sshd, startSshd } from '../../../support/sshd';
import { compute, tempDir, useEmulator } from '../../helpers/env';
import { contacts, requireSshd, until } from '../../helpers/sshdTestUtil';

/** Command lines of running processes that contain `text`. */
function processesWith(text: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        return cmd.includes(text) ? [cmd] : [];
      } catch {
        return [];
      }
    });
}

describe('prefetchHostKey: the early contact is used only for the same connection (real sshds)', function () {
  this.timeout(60_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  const dir = tempDir('skp-prefetch-');
  let server: Sshd; // the server's sshd: its console lists its keys
  let samePortElsewhere: Sshd; // another sshd on the server's address, another port
  let otherAddress: Sshd; // another sshd on another address, the same port
  let n = 0;

  before(async () => {
    requireSshd();
    server = await startSshd();
    samePortElsewhere = await startSshd({ address: server.address, port: 20_000 + Math.floor(Math.random() * 20_000) });
    otherAddress = await startSshd({ port: server.port });
  });
  after(async () => {
    await Promise.all([server?.stop(), samePortElsewhere?.stop(), otherAddress?.stop()]);
  });

  /**
   * A home with a config (`before`: the user's blocks above ours), the server in the emulator
   * with `server`'s keys on its console, and a prefetch contacting its address: once it is done,
   * Connect's entry for "web" is written, then `after` (the user's blocks below ours).
   */
  async function prefetchThenWrite(
    blocks: { before?: string; after?: string; written?: string; entryChecked?: boolean } = {},
  ) {
    const home = path.join(dir, `home-${++n}`);
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    const config = path.join(home, '.ssh', 'config');
    // Every ssh run is the real one, each command line noted.
    const asked = path.join(home, 'ssh-runs');
    const sshPath = path.join(home, 'ssh');
    fs.writeFileSync(sshPath, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${asked}'\nexec ssh "$@"\n`, { mode: 0o755 });
    fs.writeFileSync(config, blocks.before ?? '');
    const made = await ctx.emu.createServer({ name: 'web', hostKeys: server.hostPublicKeys });
    let consoleReads = 0;
    const prefetched = prefetchHostKey({
      readConsole: (signal) => {
        consoleReads++;
        return readHostKeysFromConsole(compute(ctx.emu.computeUrl), made.id, { signal });
      },
      configArgs: ['-F', config],
      home,
      sshPath,
    });
    const before = { server: contacts(server), elsewhere: contacts(samePortElsewhere), other: contacts(otherAddress) };
    prefetched.contact(server.address);
    await until('the early contact', () => contacts(server) + contacts(otherAddress) > before.server + before.other);
    await new Promise((r) => setTimeout(r, 300)); // its ssh ends after the key exchange
    const entry = {
      alias: 'web',
      hostName: server.address,
      user: server.user,
      identityFile: path.join(dir, 'no-key'),
      hostKeys: { knownHostsFile: knownHostsPath(home), hostKeyAlias: serverHostKeyAlias(made.id) },
    };
    await writeHostEntry({ configPath: config, home: path.join(dir, 'not-the-home'), entry });
    if (blocks.after) fs.appendFileSync(config, `\n${blocks.after}`);
    // As Connect does: one ssh -G for the alias, read by the entry's check and the host key check.
    const resolved = blocks.entryChecked
      ? resolveWithSsh({ host: 'web', configArgs: ['-F', config], sshPath })
      : undefined;
    if (blocks.written) prefetched.written(blocks.written, resolved);
    const entryCheck =
      resolved && (await checkWithSsh({ configPath: config, configArgs: ['-F', config], entry, resolved, sshPath }));
    const notes: string[] = [];
    const result = await checkHostKey({
      host: 'web',
      configArgs: ['-F', config],
      home,
      sshPath,
      readConsole: () => assert.fail('the prefetched console read is used'),
      prefetched,
      prefetchUse: (note) => notes.push(note),
    });
    const seen = {
      server: contacts(server) - before.server,
      elsewhere: contacts(samePortElsewhere) - before.elsewhere,
      other: contacts(otherAddress) - before.other,
    };
    const runs = fs.readFileSync(asked, 'utf8').trim().split('\n');
    return { result, notes, seen, consoleReads, runs, entryCheck };
  }

  /** The ssh runs that asked about `host`: its settings (`-G`) and a ControlMaster (`-O check`). */
  const askedAbout = (runs: string[], host: string) => ({
    settings: runs.filter((r) => /(^| )-G /.test(r) && r.endsWith(` -- ${host}`)).length,
    master: runs.filter((r) => / -O check /.test(r) && r.endsWith(` -- ${host}`)).length,
  });

  it('the entry resolves to the same connection: the early key is used (one contact), checked against the console', async () => {
    const r = await prefetchThenWrite();
    assert.equal(r.result.status, 'verified', JSON.stringify(r.result));
    assert.deepEqual(r.seen, { server: 1, elsewhere: 0, other: 0 }, 'one key exchange, made before the entry');
    assert.equal(r.consoleReads, 1);
    assert.match(r.notes.join('\n'), /contact with \S+ used/);
  });

  it('told the entry is written: the host key check uses the ssh -G answer asked then (asked once; no ControlPath, no ControlMaster question)', async () => {
    const r = await prefetchThenWrite({ written: 'web' });
    assert.equal(r.result.status, 'verified', JSON.stringify(r.result));
    assert.deepEqual(askedAbout(r.runs, 'web'), { settings: 1, master: 0 }, r.runs.join('\n'));
    assert.deepEqual(r.seen, { server: 1, elsewhere: 0, other: 0 });
  });

  it("Connect's order: one ssh -G after the write serves the entry's check and the host key check", async () => {
    const r = await prefetchThenWrite({ written: 'web', entryChecked: true });
    assert.equal(r.result.status, 'verified', JSON.stringify(r.result));
    assert.equal(r.entryCheck?.status, 'effective', JSON.stringify(r.entryCheck));
    assert.deepEqual(askedAbout(r.runs, 'web'), { settings: 1, master: 0 }, r.runs.join('\n'));
  });

  it("a user's ControlPath for the host: whether a ControlMaster runs is asked, once", async () => {
    const r = await prefetchThenWrite({
      after: `Host *\n  ControlPath ${path.join(dir, 'cm-%C')}\n`,
      written: 'web',
    });
    assert.equal(r.result.status, 'verified', JSON.stringify(r.result));
    assert.deepEqual(askedAbout(r.runs, 'web'), { settings: 1, master: 1 }, r.runs.join('\n'));
  });

  it('told another host was written than the one checked: the check asks ssh about its own host', async () => {
    const r = await prefetchThenWrite({ written: 'not-web' });
    assert.equal(r.result.status, 'verified', JSON.stringify(r.result));
    assert.deepEqual(askedAbout(r.runs, 'web'), { settings: 1, master: 0 }, r.runs.join('\n'));
    assert.deepEqual(askedAbout(r.runs, 'not-web'), { settings: 1, master: 0 }, 'the early answer, unused');
  });

  it("told the entry is written, with a user's Port below ours: the answer asked then sends the check to that sshd (a stop)", async () => {
    const r = await prefetchThenWrite({ after: `Host web\n  Port ${samePortElsewhere.port}\n`, written: 'web' });
    assert.equal(r.result.status, 'mismatch', JSON.stringify(r.result));
    assert.deepEqual(r.seen, { server: 1, elsewhere: 1, other: 0 });
    assert.deepEqual(askedAbout(r.runs, 'web'), { settings: 1, master: 0 });
  });

  it("a user's Host block below ours sets another Port: contacted again there, and that sshd's key is a stop", async () => {
    const r = await prefetchThenWrite({ after: `Host web\n  Port ${samePortElsewhere.port}\n` });
    assert.equal(r.result.status, 'mismatch', JSON.stringify(r.result));
    assert.deepEqual(r.seen, { server: 1, elsewhere: 1, other: 0 });
    assert.match(r.notes.join('\n'), /not used: port differ/);
  });

  it("a user's Host * block below ours adds a ProxyJump: contacted again through the jump host (which needs a login the check never makes: unreachable)", async () => {
    const r = await prefetchThenWrite({
      after: `Host *\n  ProxyJump ${otherAddress.user}@${otherAddress.address}:${otherAddress.port}\n`,
    });
    assert.equal(r.result.status, 'unreachable', JSON.stringify(r.result));
    assert.equal(r.seen.server, 1, 'only the early contact reached the server directly');
    assert.match(r.notes.join('\n'), /not used: proxyjump differ/);
  });

  it("a user's block for the address sent the early contact to another HostName: not used; the entry's host is contacted", async () => {
    const r = await prefetchThenWrite({ before: `Host ${server.address}\n  HostName ${otherAddress.address}\n\n` });
    assert.equal(r.result.status, 'verified', JSON.stringify(r.result));
    assert.deepEqual(r.seen, { server: 1, elsewhere: 0, other: 1 });
    assert.match(r.notes.join('\n'), /not used: hostname differ/);
  });

  it('connectionDifferences: a ProxyCommand naming the user or the typed name is never the same connection', () => {
    const base = { hostname: '192.0.2.1', port: '22', proxycommand: 'nc %h %p' };
    assert.deepEqual(connectionDifferences(base, { ...base }), []);
    assert.deepEqual(connectionDifferences(base, { ...base, port: '2222' }), ['port']);
    const byUser = { ...base, proxycommand: 'ssh -W %h:%p %r@jump' };
    assert.deepEqual(connectionDifferences(byUser, { ...byUser }), ['proxycommand']);
    const byName = { ...base, proxycommand: 'connect %n' };
    assert.deepEqual(connectionDifferences(byName, { ...byName }), ['proxycommand']);
    assert.deepEqual(
      connectionDifferences({ ...base, proxycommand: 'echo 100%%' }, { ...base, proxycommand: 'echo 100%%' }),
      [],
    );
  });

  it('cancelled while the contact waits: its ssh ends, its temporary known-hosts file goes, the console read is aborted', async () => {
    const silent = net.createServer(() => undefined); // accepts, never says a word: ssh waits for its banner
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skp-prefetch-tmp-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const config = path.join(tmp, 'config');
      fs.writeFileSync(config, `Host 127.0.0.1\n  Port ${port}\n`);
      let consoleAborted = false;
      const prefetched = prefetchHostKey({
        readConsole: (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              consoleAborted = true;
              reject(new Error('aborted'));
            }),
          ),
        configArgs: ['-F', config],
        home: tmp,
      });
      prefetched.contact('127.0.0.1');
      await until('ssh waiting for the banner', () => processesWith(`${tmp}/skp-hostkey-`).length === 1);
      assert.equal(fs.readdirSync(tmp).filter((f) => f.startsWith('skp-hostkey-')).length, 1);
      prefetched.cancel();
      await until('ssh gone', () => processesWith(`${tmp}/skp-hostkey-`).length === 0);
      await until('the temporary folder gone', () => !fs.readdirSync(tmp).some((f) => f.startsWith('skp-hostkey-')));
      assert.ok(consoleAborted, 'the console read was aborted');
      assert.equal(prefetched.take(), undefined, 'nothing left to use');
    } finally {
      process.env.TMPDIR = savedTmp;
      if (savedTmp === undefined) delete process.env.TMPDIR;
      silent.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
