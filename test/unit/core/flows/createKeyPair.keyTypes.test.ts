import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ApiError } from '../../../../src/core/api/errors';
import { createKeyPair, CreateKeyPairOptions, KeyTypeRefusedError } from '../../../../src/core/flows/createKeyPair';
import type { KeyType } from '../../../../src/core/keys/generate';
import { compute, filesIn, keyData, newSshDirEachTest, rejection, sshMd5, useEmulator } from '../../helpers/env';
import { must } from '../../../support/must';

/** `ssh-keygen -y -P pass -f key`: what OpenSSH derives from the key with that passphrase. */
function publicWith(privatePath: string, passphrase: string): string {
  return execFileSync('ssh-keygen', ['-y', '-P', passphrase, '-f', privatePath], {
    encoding: 'utf8',
    stdio: 'pipe',
  }).trim();
}

/** `ssh-keygen -lf file`: "bits SHA256:… comment (TYPE)". */
function lengthAndType(file: string): { bits: number; type: string; comment: string } {
  const out = execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8', stdio: 'pipe' }).trim();
  const m = /^(\d+) SHA256:\S+ (.*) \((\w+)\)$/.exec(out);
  assert.ok(m, `ssh-keygen -lf printed: ${out}`);
  return { bits: Number(m[1]), comment: m[2] ?? '', type: m[3] ?? '' };
}

const EXPECTED: Record<KeyType, { bits: number; type: string; prefix: string }> = {
  ed25519: { bits: 256, type: 'ED25519', prefix: 'ssh-ed25519 ' },
  ecdsa: { bits: 256, type: 'ECDSA', prefix: 'ecdsa-sha2-nistp256 ' },
  rsa: { bits: 4096, type: 'RSA', prefix: 'ssh-rsa ' },
};

describe('create flow: key types born here (emulator + real files + ssh-keygen)', function () {
  this.timeout(60_000);
  const ctx = useEmulator({ maxMicroversion: '2.93' });
  let dir: string;
  newSshDirEachTest((d) => (dir = d));
  const never: CreateKeyPairOptions['rescue'] = async () => undefined;
  const files = () => filesIn(dir);
  const PASS = 'correct horse';

  it('by default (no generation chosen, an API that still generates keys) the key is born here', async () => {
    const r = await createKeyPair({
      compute: compute(ctx.emu.computeUrl, { microversion: '' }),
      name: 'default',
      sshDirectory: dir,
      rescue: never,
    });
    assert.equal(r.generation, 'local');
    assert.equal(r.keyType, 'ed25519');
    const post = must(
      ctx.emu.requests.find((q) => q.method === 'POST'),
      'the POST',
    );
    assert.equal(JSON.parse(post.body).keypair.public_key, r.publicKey, 'only the public key is sent');
    assert.doesNotMatch(post.body, /PRIVATE/);
    assert.match(r.publicKey, /^ssh-ed25519 /);
  });

  for (const keyType of ['ed25519', 'ecdsa', 'rsa'] as const) {
    for (const passphrase of ['', PASS]) {
      it(`${keyType}${passphrase ? ' with a passphrase' : ''}: OpenSSH reads the key and agrees with the .pub and the server`, async () => {
        const name = `${keyType}${passphrase ? ' locked' : ''}`;
        const r = await createKeyPair({
          compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }),
          name,
          sshDirectory: dir,
          keyType,
          passphrase,
          rescue: never,
        });
        const publicPath = must(r.publicPath, 'the .pub path');
        const expected = EXPECTED[keyType];
        assert.equal(r.keyType, keyType);
        assert.match(fs.readFileSync(r.privatePath, 'utf8'), /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
        assert.equal(keyData(publicWith(r.privatePath, passphrase)), keyData(fs.readFileSync(publicPath, 'utf8')));
        if (passphrase) assert.throws(() => publicWith(r.privatePath, 'wrong'), 'a wrong passphrase fails');
        assert.deepEqual(lengthAndType(publicPath), { bits: expected.bits, type: expected.type, comment: name });
        if (!passphrase) {
          // ssh-keygen -lf on the private key itself (it cannot read an encrypted one without asking).
          assert.equal(lengthAndType(r.privatePath).bits, expected.bits);
        }
        assert.ok(r.publicKey.startsWith(expected.prefix), r.publicKey);
        assert.equal(sshMd5(publicPath), r.fingerprint);
        const onServer = must(
          ctx.emu.keypairs().find((k) => k.name === name),
          'the pair on the server',
        );
        assert.equal(keyData(onServer.public_key), keyData(r.publicKey));
      });
    }
  }

  describe('a cloud that refuses ed25519 (as an older Nova: 400 on import)', () => {
    beforeEach(() => ctx.emu.setOptions({ refuseKeyTypes: ['ssh-ed25519'] }));
    afterEach(() => ctx.emu.setOptions({ refuseKeyTypes: [] }));

    it('asks once; yes: an RSA 4096 key is created instead, OpenSSH agrees', async () => {
      const asked: KeyType[] = [];
      const r = await createKeyPair({
        compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }),
        name: 'fallback',
        sshDirectory: dir,
        passphrase: PASS,
        rescue: never,
        onKeyTypeRefused: async (type) => {
          asked.push(type);
          assert.deepEqual(files(), [], 'the ed25519 files are gone when the user is asked');
          assert.deepEqual(ctx.emu.keypairs(), [], 'nothing on the server when the user is asked');
          return true;
        },
      });
      assert.deepEqual(asked, ['ed25519']);
      assert.equal(r.keyType, 'rsa');
      assert.deepEqual(files(), ['fallback', 'fallback.pub']);
      assert.deepEqual(lengthAndType(must(r.publicPath, '.pub')), { bits: 4096, type: 'RSA', comment: 'fallback' });
      assert.equal(keyData(publicWith(r.privatePath, PASS)), keyData(r.publicKey));
      assert.deepEqual(
        ctx.emu.keypairs().map((k) => [k.name, k.public_key.split(' ')[0]]),
        [['fallback', 'ssh-rsa']],
      );
      const posts = ctx.emu.requests.filter((q) => q.method === 'POST').map((q) => q.status);
      assert.deepEqual(posts, [400, 201], 'one refused ed25519 import, one RSA import');
    });

    it('no: nothing is left, neither files nor a pair, and the error says the user declined', async () => {
      const err = await rejection(
        createKeyPair({
          compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }),
          name: 'declined',
          sshDirectory: dir,
          rescue: never,
          onKeyTypeRefused: async () => false,
        }),
        KeyTypeRefusedError,
      );
      assert.equal(err.declined, true);
      assert.equal(err.keyType, 'ed25519');
      assert.deepEqual(files(), []);
      assert.deepEqual(ctx.emu.keypairs(), []);
      assert.equal(ctx.emu.requests.filter((q) => q.method === 'POST').length, 1, 'no second try');
    });

    it('an ECDSA key is not offered RSA: the server refuses only ed25519 here, so ECDSA is created', async () => {
      let asked = false;
      const r = await createKeyPair({
        compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }),
        name: 'ec',
        sshDirectory: dir,
        keyType: 'ecdsa',
        rescue: never,
        onKeyTypeRefused: async () => (asked = true),
      });
      assert.equal(asked, false);
      assert.equal(r.keyType, 'ecdsa');
    });

    it('without anyone to ask, the server refusal is the error and nothing is left', async () => {
      const err = await rejection(
        createKeyPair({
          compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }),
          name: 'plain',
          sshDirectory: dir,
          rescue: never,
        }),
        ApiError,
      );
      assert.equal(err.kind, 'bad-request');
      assert.match(err.serverMessage ?? '', /Keypair data is invalid/);
      assert.deepEqual(files(), []);
      assert.deepEqual(ctx.emu.keypairs(), []);
    });
  });
});
