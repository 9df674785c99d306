import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { CreateAbandonedError, createKeyPair, CreateKeyPairOptions } from '../../../../src/core/flows/createKeyPair';
import { encryptPrivateKey } from '../../../../src/core/keys/opensshKey';
import { compute, keyData, newSshDirEachTest, rejection, useEmulator } from '../../helpers/env';

/** `ssh-keygen -y -P pass -f key`: what OpenSSH derives from the key with that passphrase. */
function publicWith(privatePath: string, passphrase: string): string {
  return execFileSync('ssh-keygen', ['-y', '-P', passphrase, '-f', privatePath], {
    encoding: 'utf8',
    stdio: 'pipe',
  }).trim();
}

describe('create flow with a passphrase (emulator + real files + ssh-keygen)', function () {
  this.timeout(20_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  let dir: string;
  newSshDirEachTest((d) => (dir = d));
  const never: CreateKeyPairOptions['rescue'] = async () => undefined;
  const PASS = 'correct horse';

  function assertProtected(privatePath: string, publicPath: string): void {
    const text = fs.readFileSync(privatePath, 'utf8');
    assert.match(text, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    assert.equal(keyData(publicWith(privatePath, PASS)), keyData(fs.readFileSync(publicPath, 'utf8')));
    assert.throws(() => publicWith(privatePath, 'wrong passphrase'), 'a wrong passphrase fails');
    assert.throws(() => publicWith(privatePath, ''), 'no passphrase fails');
  }

  it('local ed25519: the key file needs the passphrase and gives the .pub', async () => {
    const c = compute(ctx.emu.computeUrl, { microversion: '' });
    const r = await createKeyPair({
      compute: c,
      name: 'locked',
      sshDirectory: dir,
      generation: 'local',
      passphrase: PASS,
      rescue: never,
    });
    assertProtected(r.privatePath, r.publicPath!);
    assert.equal(r.privateKey, fs.readFileSync(r.privatePath, 'utf8'), 'the in-memory key is the one written');
    assert.ok(!Object.keys(r).includes('privateKey'), 'the private key is not enumerable');
  });

  it('server-generated: the PEM is encrypted before it is written', async () => {
    const c = compute(ctx.emu.computeUrl, { microversion: '' });
    const r = await createKeyPair({
      generation: 'server',
      compute: c,
      name: 'server locked',
      sshDirectory: dir,
      rescue: never,
      protectPrivateKey: (text) => encryptPrivateKey(text, PASS, 'server locked'),
    });
    assert.equal(r.generation, 'server');
    assertProtected(r.privatePath, r.publicPath!);
    assert.doesNotMatch(fs.readFileSync(r.privatePath, 'utf8'), /BEGIN RSA PRIVATE KEY/);
  });

  it('server-generated: if protecting fails, nothing is written and the pair is deleted', async () => {
    const c = compute(ctx.emu.computeUrl, { microversion: '' });
    const err = await rejection(
      createKeyPair({
        generation: 'server',
        compute: c,
        name: 'broken',
        sshDirectory: dir,
        rescue: never,
        protectPrivateKey: async () => {
          throw new Error('no cipher');
        },
      }),
      CreateAbandonedError,
    );
    assert.equal(err.server, 'deleted');
    assert.deepEqual(
      ctx.emu.keypairs().map((k) => k.name),
      [],
    );
    assert.deepEqual(fs.existsSync(dir) ? fs.readdirSync(dir) : [], []);
  });

  it('without a passphrase the local key opens without one (unchanged)', async () => {
    const c = compute(ctx.emu.computeUrl, { microversion: '' });
    const r = await createKeyPair({
      compute: c,
      name: 'open',
      sshDirectory: dir,
      generation: 'local',
      rescue: never,
    });
    assert.equal(keyData(publicWith(r.privatePath, '')), keyData(fs.readFileSync(r.publicPath!, 'utf8')));
  });
});
