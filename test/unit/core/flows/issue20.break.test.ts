// Breaking the flows issue 20 moved into the core (Connect, Add to SSH Config, Trust Host Key…,
// Rotate), with real ssh/sshd: revocations in the user's own known_hosts, values set for every
// host that the written entry leaves open, a remote.SSH.configFile not written yet, and what
// Rotate offers to delete. ssh never reads $HOME: where a test needs ssh to expand `~` to a
// temp home, ssh runs with that home as its passwd home (test/support/passwdHome.ts).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectEntry } from '../../../../src/core/flows/connect';
import { rotateKeyPair, RotationSummary } from '../../../../src/core/flows/rotate/run';
import { DeletionFacts, deletionChoices } from '../../../../src/core/flows/rotate/plan';
import { checkHostKey, describeUnpinnable } from '../../../../src/core/flows/hostKeyCheck';
import { judgeSshCheck } from '../../../../src/core/flows/hostEntry';
import { describeSshCheck } from '../../../../src/core/wording/sshCheck';
import { checkWithSsh, SshCheck } from '../../../../src/core/ssh/config/check';
import { knownHostsPath, pinHostKeys, presentedHostKey, serverHostKeyAlias } from '../../../../src/core/ssh/knownHosts';
import { writeHostEntry } from '../../../../src/core/ssh/config/hostEntry';
import { must } from '../../../support/must';
import { passwdHomeProblem, withPasswdHome } from '../../../support/passwdHome';
import { Sshd, sshdProblem, startSshd } from '../../../support/sshd';
import { keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { entriesOf } from '../../helpers/sshConfigLayout';

const cleanup: string[] = [];
after(() => removeTempDirs(cleanup));

/** `ssh args…` as the user runs it, with `home` as the passwd home (`~` is `home`). */
function sshAt(home: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const scratch = makeTempDir(cleanup);
  const run = withPasswdHome(home, scratch, 'ssh', args);
  const r = spawnSync(run.command, run.args, {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, HOME: home },
  });
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

describe("break issue 20: @revoked in the user's known_hosts and Connect's pinned entries (real sshd)", function () {
  this.timeout(60_000);
  let sshd: Sshd | undefined;
  let home: string;
  let key: string;
  before(async function () {
    if (sshdProblem() || passwdHomeProblem()) this.skip();
  });
  beforeEach(async () => {
    home = makeTempDir(cleanup);
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    const made = keygenKey(path.join(home, '.ssh'), 'ed25519');
    key = made.privatePath;
    sshd = await startSshd({ authorizedKeys: [made.publicLine] });
  });
  afterEach(async () => sshd?.stop());

  /** Connect's entry for server `id` at the harness's sshd, its console keys pinned in our file. */
  const connectTo = async (server: Sshd, id: string): Promise<string> => {
    const config = path.join(home, '.ssh', 'config');
    const entry = {
      ...connectEntry({ alias: 'web', hostName: server.address, user: server.user }, key, id, home),
      port: server.port, // the harness's sshd is not on 22
    };
    assert.equal((await writeHostEntry({ configPath: config, entry, home })).outcome, 'added');
    const name = must(serverHostKeyAlias(id), 'alias');
    await pinHostKeys({ file: knownHostsPath(home), name, keys: server.hostPublicKeys, hash: false });
    return config;
  };

  it('a key the user revoked (@revoked * in ~/.ssh/known_hosts) is refused by "ssh <alias>" even though our file pins it', async () => {
    const server = must(sshd, 'sshd');
    const config = await connectTo(server, 'abc-123');
    const args = ['-F', config, '-o', 'BatchMode=yes', '-o', 'IdentityAgent=none', 'web', 'echo in'];
    // Pinned and not revoked: the entry logs in strictly (the user's known_hosts is read too, and harmless).
    assert.equal(sshAt(home, args).stdout.trim(), 'in');
    const hostKey = must(server.hostPublicKeys[0], 'host key').split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `# my revocations\n@revoked * ${hostKey}\n`);
    const after = sshAt(home, args);
    assert.notEqual(after.stdout.trim(), 'in', 'a revoked host key must not log in');
    assert.match(after.stderr, /revoked/i);
  });
});

describe('break issue 20: values set for every host that the entry Connect writes leaves open (real sshd)', function () {
  this.timeout(60_000);
  const servers: Sshd[] = [];
  let home: string;
  let key: string;
  let publicLine: string;
  before(async function () {
    if (sshdProblem() || passwdHomeProblem()) this.skip();
  });
  beforeEach(() => {
    home = makeTempDir(cleanup);
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    ({ privatePath: key, publicLine } = keygenKey(path.join(home, '.ssh'), 'ed25519'));
  });
  afterEach(async () => Promise.all(servers.splice(0).map((s) => s.stop())));
  const start = async (opts: Parameters<typeof startSshd>[0]) => {
    const s = await startSshd(opts);
    servers.push(s);
    return s;
  };
  const wording = (c: SshCheck) => describeSshCheck(c, 'web');

  it('a `Host *` Port after the entry (another sshd on 2222 at the same address): "ssh <alias>" still reaches the server on 22', async () => {
    const server = await start({ authorizedKeys: [publicLine] });
    const other = await start({ address: server.address, port: 2222, authorizedKeys: [publicLine] });
    const config = path.join(home, '.ssh', 'config');
    fs.writeFileSync(config, 'Host *\n  Port 2222\n');
    const entry = connectEntry({ alias: 'web', hostName: server.address, user: server.user }, key, 'abc-123', home);
    assert.equal((await writeHostEntry({ configPath: config, entry, home })).outcome, 'added');
    const check = await checkWithSsh({ configPath: config, entry, home });
    assert.equal(
      judgeSshCheck(check, 'web', 'web', await entriesOf(config, home), wording).open,
      true,
      JSON.stringify(check),
    );
    const presented = await presentedHostKey({ alias: 'web', configArgs: ['-F', config] });
    assert.equal(presented.status, 'presented');
    const keyOf = (s: Sshd) => must(s.hostPublicKeys[0], 'key').split(' ').slice(0, 2).join(' ');
    assert.notEqual(keyOf(server), keyOf(other));
    assert.equal(
      presented.status === 'presented' ? presented.key : '',
      keyOf(server),
      'the server, not the service on 2222',
    );
    // Written again unchanged (two known-hosts files on one line): nothing rewritten.
    assert.equal((await writeHostEntry({ configPath: config, entry, home })).outcome, 'unchanged');
  });

  it('a global `StrictHostKeyChecking no` / `UserKnownHostsFile /dev/null` above the entry: nothing opens, the message names the line', async () => {
    const server = await start({ authorizedKeys: [publicLine] });
    const config = path.join(home, '.ssh', 'config');
    fs.writeFileSync(
      config,
      'StrictHostKeyChecking no\nUserKnownHostsFile /dev/null\n\nHost *\n  ServerAliveInterval 30\n',
    );
    const entry = connectEntry({ alias: 'web', hostName: server.address, user: server.user }, key, 'abc-123', home);
    assert.equal((await writeHostEntry({ configPath: config, entry, home })).outcome, 'added');
    // Our file pins another key for the server (an attacker's server presents this one):
    const stranger = keygenKey(makeTempDir(cleanup), 'ed25519').publicLine;
    await pinHostKeys({ file: knownHostsPath(home), name: 'server-abc-123', keys: [stranger], hash: false });
    const login = sshAt(home, ['-F', config, '-o', 'BatchMode=yes', '-o', 'IdentityAgent=none', 'web', 'echo in']);
    assert.equal(login.stdout.trim(), 'in', 'what the global lines do: the pin is never read');
    const check = await checkWithSsh({ configPath: config, entry, home });
    const verdict = judgeSshCheck(check, 'web', 'web', await entriesOf(config, home), wording);
    assert.equal(verdict.open, false, `Connect must not open: ${JSON.stringify(check)}`);
    assert.match(verdict.text, /StrictHostKeyChecking false \(set in .*config, line 1\)/);
    assert.match(verdict.text, /UserKnownHostsFile \/dev\/null \(set in .*config, line 2\)/);
    assert.equal(!verdict.open && verdict.anotherAliasHelps, false, 'set for every host: no alias helps');
  });
});

describe('break issue 20: Rotate with remote.SSH.configFile naming a file not written yet (real sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd | undefined;
  before(function () {
    if (sshdProblem()) this.skip();
  });
  afterEach(async () => sshd?.stop());

  it('every server is reached (an empty config), moved and revoked; the file is still not created', async () => {
    const dir = makeTempDir(cleanup);
    const oldKey = keygenKey(dir, 'ed25519');
    fs.renameSync(oldKey.privatePath, path.join(dir, 'old'));
    fs.renameSync(`${oldKey.privatePath}.pub`, path.join(dir, 'old.pub'));
    const newKey = keygenKey(dir, 'ed25519');
    const server = (sshd = await startSshd({ authorizedKeys: [oldKey.publicLine] }));
    const known = path.join(dir, 'known_hosts');
    fs.writeFileSync(known, `${server.knownHostsLine}\n`);
    const config = path.join(dir, 'not-yet', 'ssh_config');
    const seen: RotationSummary[] = [];
    const result = await rotateKeyPair({
      oldPair: { name: 'deploy', privatePath: path.join(dir, 'old'), publicKey: oldKey.publicLine },
      createNewPair: async () => ({
        name: 'deploy-new',
        privatePath: newKey.privatePath,
        publicKey: newKey.publicLine,
      }),
      servers: [{ id: 's1', name: 'web', target: { host: server.address, user: server.user, knownHostsFile: known } }],
      serversNotChosen: [],
      config: { path: config, args: ['-F', config] },
      otherRegionsWithKey: async () => [],
      deleteOldPairOnServer: async () => true,
      confirmDeleteOld: async (summary) => (seen.push(summary), 'keep'),
      agentSocket: '',
      home: dir,
      ssh: { timeoutSeconds: 20 },
    });
    const only = must(result?.servers[0], 'server summary');
    assert.equal(only.result.error?.message, undefined, 'no "Can\'t open user config file"');
    assert.equal(only.result.verified && only.result.revoked, true, JSON.stringify(only.result));
    const authorized = fs.readFileSync(server.authorizedKeysFile, 'utf8');
    assert.ok(
      authorized.includes(newKey.publicLine.split(' ')[1] ?? '?') &&
        !authorized.includes(oldKey.publicLine.split(' ')[1] ?? '?'),
    );
    assert.equal(fs.existsSync(config), false);
  });
});

describe('break issue 20: what Rotate offers to delete while other regions may use the old key', () => {
  const facts = (otherRegions: string[] | undefined): DeletionFacts => ({
    serversNeedingOldKey: [],
    serversNotChosen: [],
    entriesStillUsingOldKey: [],
    otherRegions,
  });

  for (const [what, regions, reason] of [
    ['not known (the command checks no other region)', undefined, /other regions could not be checked/],
    ['a key pair in ORD too', ['ORD'], /the same key is a key pair in ORD too/],
  ] as const) {
    it(`${what}: this region's pair is offered (servers keep their authorized_keys), its private key file is not, and why is said`, () => {
      const choices = deletionChoices(facts(regions === undefined ? undefined : [...regions]));
      assert.deepEqual(choices.offered, ['delete-pair']);
      assert.equal(choices.withheld[0]?.decision, 'delete-pair-and-private-key');
      assert.match(choices.withheld[0]?.reasons.join(' ') ?? '', reason);
    });
  }

  // Defect: `otherRegions` counts key pairs only. A server in another region booted with the
  // old pair keeps the old key in its authorized_keys after that region's pair is deleted; the
  // rule then offers the private key file, whose deletion locks that server out. Unreachable
  // today (the command passes `undefined`, so the file is never offered), but the first
  // implementation of otherRegionsWithKey that lists key pairs would open it.
  it.skip('a server in another region still uses the old key (its pair there deleted): the private key file is not offered', () => {
    const choices = deletionChoices(facts([]));
    assert.deepEqual(choices.offered, ['delete-pair']);
  });
});

describe('break issue 20: Trust Host Key… where the SSH config reads no known-hosts file (real sshd)', function () {
  this.timeout(60_000);
  let sshd: Sshd | undefined;
  before(function () {
    if (sshdProblem()) this.skip();
  });
  afterEach(async () => sshd?.stop());

  it('a global `UserKnownHostsFile /dev/null`: a stop that names the setting, not an error about writing /dev/null', async () => {
    const dir = makeTempDir(cleanup);
    const server = (sshd = await startSshd({}));
    const config = path.join(dir, 'config');
    fs.writeFileSync(config, `UserKnownHostsFile /dev/null\n\nHost web\n  HostName ${server.address}\n`);
    const keys = server.hostPublicKeys.map((line) => {
      const [type = '', blob = ''] = line.split(' ');
      return { type, key: `${type} ${blob}`, sha256: '' };
    });
    for (const replace of [false, true]) {
      const check = await checkHostKey({
        host: 'web',
        configArgs: ['-F', config],
        home: dir,
        replace,
        readConsole: async () => ({ status: 'keys', keys, fingerprints: [], ignoredLines: 0, requests: 1 }) as never,
      });
      // Before: a throw, "/dev/null can't be written (EINVAL)" (the append's fsync) or "not a
      // regular file" (Trust Host Key…'s replace): not why nothing can be pinned, nor what to change.
      assert.equal(check.status, 'unpinnable', JSON.stringify(check));
      const text = describeUnpinnable(check, 'web');
      assert.match(text, /sets UserKnownHostsFile \/dev\/null for server "web"/);
    }
  });
});
