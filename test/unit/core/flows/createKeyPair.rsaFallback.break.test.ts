import * as assert from 'node:assert/strict';
import { ApiError } from '../../../../src/core/api/errors';
import { createKeyPair, CreateAbandonedError, CreateKeyPairOptions } from '../../../../src/core/flows/createKeyPair';
import { compute, filesIn, keyData, newSshDirEachTest, rejection, useEmulator } from '../../helpers/env';

/** The ed25519 refusal and its RSA 4096 fallback, broken mid-way. */
describe('create: the RSA fallback of a cloud that refuses ed25519, broken mid-way', function () {
  this.timeout(60_000);
  const ctx = useEmulator({ maxMicroversion: '2.93', refuseKeyTypes: ['ssh-ed25519'] });
  let dir: string;
  newSshDirEachTest((d) => (dir = d));
  const never: CreateKeyPairOptions['rescue'] = async () => undefined;
  const files = () => filesIn(dir);
  const base = (name: string) => ({
    compute: compute(ctx.emu.computeUrl, { microversion: '2.10' }),
    name,
    sshDirectory: dir,
    rescue: never,
    sleep: async () => undefined,
  });

  it('the question closed (a cancel thrown while asking): nothing is left on either side', async () => {
    await rejection(
      createKeyPair({
        ...base('closed'),
        onKeyTypeRefused: async () => {
          throw new ApiError({ kind: 'cancelled', method: 'POST', url: 'http://127.0.0.1/' });
        },
      }),
      ApiError,
    );
    assert.deepEqual(files(), []);
    assert.deepEqual(ctx.emu.keypairs(), []);
  });

  it('Cancel pressed while the question was open, then yes: no RSA key is made, nothing is sent', async () => {
    const controller = new AbortController();
    await rejection(
      createKeyPair({
        ...base('aborted'),
        signal: controller.signal,
        onKeyTypeRefused: async () => {
          controller.abort();
          return true;
        },
      }),
      Error,
    );
    assert.deepEqual(files(), [], 'no private key left without a pair');
    assert.deepEqual(ctx.emu.keypairs(), []);
    assert.equal(ctx.emu.requests.filter((q) => q.method === 'POST').length, 1, 'only the refused ed25519 import');
  });

  it('the RSA import fails (500) after the key file is written: the files are removed, no pair', async () => {
    const err = await rejection(
      createKeyPair({
        ...base('fails'),
        onKeyTypeRefused: async () => {
          ctx.emu.addFault({ method: 'POST', path: '/os-keypairs', status: 500 });
          return true;
        },
      }),
      CreateAbandonedError,
    );
    assert.equal(err.server, 'not-created', 'looked for, and said: not created');
    assert.deepEqual(files(), [], 'no private key without its pair');
    assert.deepEqual(ctx.emu.keypairs(), []);
  });

  it('the RSA import is carried out but its answer is lost: the pair and its key files are both kept', async () => {
    const r = await createKeyPair({
      ...base('lost'),
      onKeyTypeRefused: async () => {
        ctx.emu.addFault({ method: 'POST', path: '/os-keypairs', kind: 'reset-before-headers', when: 'after' });
        return true;
      },
    });
    assert.equal(r.keyType, 'rsa');
    assert.deepEqual(files(), ['lost', 'lost.pub']);
    const onServer = ctx.emu.keypairs().map((k) => [k.name, keyData(k.public_key)]);
    assert.deepEqual(onServer, [['lost', keyData(r.publicKey)]], 'a pair with its key');
  });

  it('the RSA import is lost before the server: the files are removed and the user is told nothing was created', async () => {
    const err = await rejection(
      createKeyPair({
        ...base('never'),
        onKeyTypeRefused: async () => {
          ctx.emu.addFault({ method: 'POST', path: '/os-keypairs', kind: 'reset-before-headers', when: 'before' });
          return true;
        },
      }),
      CreateAbandonedError,
    );
    assert.equal(err.server, 'not-created');
    assert.deepEqual(files(), []);
    assert.deepEqual(ctx.emu.keypairs(), []);
  });

  it('a cloud that refuses RSA too: asked once, the refusal is the error, nothing is left on either side', async () => {
    ctx.emu.setOptions({ refuseKeyTypes: ['ssh-ed25519', 'ssh-rsa'] });
    let asked = 0;
    try {
      const err = await rejection(
        createKeyPair({
          ...base('both'),
          onKeyTypeRefused: async () => {
            asked++;
            return true;
          },
        }),
        ApiError,
      );
      assert.equal(err.kind, 'bad-request');
    } finally {
      ctx.emu.setOptions({ refuseKeyTypes: ['ssh-ed25519'] });
    }
    assert.equal(asked, 1);
    assert.deepEqual(files(), []);
    assert.deepEqual(ctx.emu.keypairs(), []);
  });
});
