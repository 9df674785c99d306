// Rotate Key Pair's core flow against the emulator whose servers are backed by real sshd
// processes (cloud-init style: the pair's public key is in authorized_keys), with real `ssh`.
// What is checked is what a user would find: which key logs in, what the cloud still holds,
// which files are on disk, what the SSH config says and its mode.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createKeyPair, CreateKeyPairResult } from '../../../../src/core/flows/createKeyPair';
import {
  DeleteOldDecision,
  RotationServer,
  RotationSummary,
  defaultRotatedName,
  rotateKeyPair,
} from '../../../../src/core/flows/rotateKeyPair';
import { SshdBacking, sshdBacking } from '../../../support/sshdBacking';
import { compute, mode, tempDir, useEmulator } from '../../helpers/env';
import { requireSshd, sshRun } from '../../helpers/sshdTestUtil';
import { closedPort } from '../../helpers/net';

/** A loopback port nothing listens on. */
describe('rotate key pair flow (emulator + real sshd)', function () {
  this.timeout(120_000);
  const backing: SshdBacking = sshdBacking();
  const ctx = useEmulator({ maxMicroversion: '2.93', serverBacking: backing });
  let root: string;
  let n = 0;
  let dir: string;

  before(() => {
    requireSshd();
    root = tempDir('skp-rotate-');
  });
  beforeEach(() => {
    dir = path.join(root, `ssh-${++n}`);
    fs.mkdirSync(dir, { mode: 0o700 });
  });
  afterEach(async () => {
    await Promise.all([...backing.servers.keys()].map((id) => backing.serverDeleted(id)));
  });
  after(async () => backing.stopAll());

  const client = () => compute(ctx.emu.computeUrl);
  const cloudNames = () =>
    ctx.emu
      .keypairs()
      .map((k) => k.name)
      .sort();
  /** The SSH config a rotation reads (ssh is given it with -F), made 0600 when missing. */
  const cfg = (file = path.join(dir, 'config')) => {
    if (!fs.existsSync(file)) fs.writeFileSync(file, '', { mode: 0o600 });
    return { path: file, args: ['-F', file] };
  };
  const create = (name: string) =>
    createKeyPair({ compute: client(), name, sshDirectory: dir, rescue: async () => undefined });

  /** The old pair, a server launched with it (sshd-backed), and how to log in there. */
  async function oldPairOnServer(
    name: string,
    serverName: string,
  ): Promise<{ old: CreateKeyPairResult; server: RotationServer }> {
    const old = await create(name);
    const created = await ctx.emu.createServer({ name: serverName, keyName: name, image: { osAdminUser: 'root' } });
    const sshd = backing.sshdFor(created.id);
    assert.ok(sshd, 'the server is backed by an sshd');
    return {
      old,
      server: {
        id: created.id,
        name: serverName,
        target: { host: sshd.address, port: sshd.port, user: sshd.user, knownHostsFile: sshd.knownHostsFile },
      },
    };
  }
  const loginWorks = async (serverId: string, identity: string) => {
    const sshd = backing.sshdFor(serverId);
    assert.ok(sshd);
    const r = await sshRun(sshd, identity, 'echo logged-in');
    return r.status === 0 && r.stdout.trim() === 'logged-in';
  };

  it('defaults the new name to <old>-<yyyymmdd>', () => {
    assert.equal(defaultRotatedName('deploy', new Date(Date.UTC(2026, 0, 5, 23, 59))), 'deploy-20260105');
  });

  it('after confirming, the new key logs in, the old one does not, and the old pair and its files are gone', async () => {
    const { old, server } = await oldPairOnServer('deploy', 'web-1');
    assert.ok(await loginWorks(server.id, old.privatePath), 'old key logs in before rotation');
    const config = path.join(dir, 'config');
    fs.writeFileSync(
      config,
      `Host web1\n  HostName ${server.target.host}\n  IdentityFile ${old.privatePath}\n\nHost other\n  IdentityFile ~/.ssh/x\n`,
    );
    fs.chmodSync(config, 0o640);
    let seen: RotationSummary | undefined;
    const result = await rotateKeyPair({
      oldPair: { name: old.name, privatePath: old.privatePath, publicPath: old.publicPath, publicKey: old.publicKey },
      createNewPair: () => create('deploy-20260105'),
      servers: [server],
      config: cfg(config),
      otherRegionsWithKey: async () => [],
      deleteOldPairOnServer: (name) => client().delete(name),
      confirmDeleteOld: async (summary) => {
        seen = summary;
        // Nothing of the old pair is deleted before the answer.
        assert.deepEqual(cloudNames(), ['deploy', 'deploy-20260105']);
        assert.ok(fs.existsSync(old.privatePath));
        return 'delete-pair-and-private-key';
      },
    });
    assert.ok(result && seen);
    assert.deepEqual(
      seen.servers.map((s) => [s.server.name, s.result.error, s.result.revoked]),
      [['web-1', undefined, true]],
    );
    assert.ok(await loginWorks(server.id, result.newPair.privatePath), 'new key logs in');
    assert.equal(await loginWorks(server.id, old.privatePath), false, 'old key no longer logs in');
    assert.deepEqual(cloudNames(), ['deploy-20260105']);
    assert.equal(result.oldPairDeleted, true);
    assert.equal(fs.existsSync(old.privatePath), false);
    assert.equal(fs.existsSync(`${old.privatePath}.pub`), false);
    assert.ok(fs.existsSync(result.newPair.privatePath));
    // Config: only web1's IdentityFile changed; mode kept.
    const text = fs.readFileSync(config, 'utf8');
    assert.equal(
      text,
      `Host web1\n  HostName ${server.target.host}\n  IdentityFile ${result.newPair.privatePath}\n\nHost other\n  IdentityFile ~/.ssh/x\n`,
    );
    assert.equal(mode(config), 0o640);
    assert.deepEqual(
      result.servers.flatMap((s) => s.configChanges.map((c) => c.entries.map((e) => e.host))),
      [['web1']],
    );
  });

  it('declining keeps the old pair in the cloud and the old key files', async () => {
    const { old, server } = await oldPairOnServer('keepme', 'db-1');
    const result = await rotateKeyPair({
      oldPair: { name: old.name, privatePath: old.privatePath, publicKey: old.publicKey },
      createNewPair: () => create('keepme-new'),
      servers: [server],
      config: cfg(),
      deleteOldPairOnServer: (name) => client().delete(name),
      confirmDeleteOld: async () => 'keep',
    });
    assert.ok(result);
    assert.equal(result.decision, 'keep');
    assert.deepEqual(cloudNames(), ['keepme', 'keepme-new']);
    assert.ok(fs.existsSync(old.privatePath));
    assert.ok(fs.existsSync(`${old.privatePath}.pub`));
    assert.equal(result.oldPairDeleted, false);
    assert.ok(await loginWorks(server.id, result.newPair.privatePath));
  });

  it('"delete-pair" deletes the cloud pair but keeps the private key file', async () => {
    const { old, server } = await oldPairOnServer('paironly', 'app-1');
    const result = await rotateKeyPair({
      oldPair: { name: old.name, privatePath: old.privatePath, publicKey: old.publicKey },
      createNewPair: () => create('paironly-new'),
      servers: [server],
      config: cfg(),
      deleteOldPairOnServer: (name) => client().delete(name),
      confirmDeleteOld: async (): Promise<DeleteOldDecision> => 'delete-pair',
      otherRegionsWithKey: async () => [],
    });
    assert.ok(result);
    assert.deepEqual(cloudNames(), ['paironly-new']);
    assert.ok(fs.existsSync(old.privatePath));
  });

  it('an unreachable server is reported and left alone; a reachable one is still rotated', async () => {
    const { old, server } = await oldPairOnServer('mixed', 'ok-1');
    const gone: RotationServer = {
      id: 'x',
      name: 'gone-1',
      target: { host: '127.0.0.1', port: await closedPort(), user: 'root' },
    };
    let seen: RotationSummary | undefined;
    const result = await rotateKeyPair({
      oldPair: { name: old.name, privatePath: old.privatePath, publicKey: old.publicKey },
      createNewPair: () => create('mixed-new'),
      servers: [gone, server],
      config: cfg(),
      deleteOldPairOnServer: (name) => client().delete(name),
      confirmDeleteOld: async (summary) => {
        seen = summary;
        return 'keep';
      },
      ssh: { timeoutSeconds: 10 },
    });
    assert.ok(result && seen);
    const [first, second] = seen.servers;
    assert.equal(first?.server.name, 'gone-1');
    assert.equal(first?.result.installed, false);
    assert.equal(first?.result.error?.step, 'reach');
    assert.equal(first?.result.error?.kind, 'unreachable');
    assert.equal(second?.result.error, undefined);
    assert.equal(second?.result.revoked, true);
    assert.deepEqual(cloudNames(), ['mixed', 'mixed-new']);
  });

  it('a server whose authorized_keys lacks the old key keeps its file as it was', async () => {
    const { old, server } = await oldPairOnServer('lost', 'lost-1');
    const sshd = backing.sshdFor(server.id);
    assert.ok(sshd);
    fs.writeFileSync(sshd.authorizedKeysFile, '# nothing here\n');
    const result = await rotateKeyPair({
      oldPair: { name: old.name, privatePath: old.privatePath, publicKey: old.publicKey },
      createNewPair: () => create('lost-new'),
      servers: [server],
      config: cfg(),
      deleteOldPairOnServer: (name) => client().delete(name),
      confirmDeleteOld: async () => 'keep',
    });
    assert.ok(result);
    assert.equal(result.servers[0]?.result.error?.kind, 'auth-refused');
    assert.equal(fs.readFileSync(sshd.authorizedKeysFile, 'utf8'), '# nothing here\n');
  });

  it('a cancelled create changes nothing', async () => {
    const { old, server } = await oldPairOnServer('cancel', 'c-1');
    const config = path.join(dir, 'config');
    const before = `Host c\n  IdentityFile ${old.privatePath}\n`;
    fs.writeFileSync(config, before);
    let asked = false;
    const result = await rotateKeyPair({
      oldPair: { name: old.name, privatePath: old.privatePath, publicKey: old.publicKey },
      createNewPair: async () => undefined,
      servers: [server],
      config: cfg(config),
      deleteOldPairOnServer: (name) => client().delete(name),
      confirmDeleteOld: async () => {
        asked = true;
        return 'delete-pair-and-private-key';
      },
    });
    assert.equal(result, undefined);
    assert.equal(asked, false);
    assert.equal(fs.readFileSync(config, 'utf8'), before);
    assert.deepEqual(cloudNames(), ['cancel']);
    assert.ok(await loginWorks(server.id, old.privatePath));
  });
});
