// #10.1 defence in depth: a caller that skips the inline name check still can't make the
// create flow write a key over ~/.ssh/config, authorized_keys or rc, and no pair is created.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createKeyPair } from '../../../../src/core/flows/createKeyPair';
import { compute, tempDir, useEmulator } from '../../helpers/env';

describe("create flow: OpenSSH's own files are never key files (#10.1)", () => {
  const ctx = useEmulator({ maxMicroversion: '2.93' });

  for (const [name, microversion] of [
    ['config', ''],
    ['authorized keys', ''],
    ['rc', '2.93'],
    ['Config', '2.93'],
    ['a.pub', '2.93'],
  ] as const) {
    it(`refuses "${name}" at ${microversion || 'no microversion'} before any request, writing nothing`, async () => {
      const dir = path.join(tempDir(), '.ssh');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'config'), 'Host *\n  User me\n');
      await assert.rejects(
        createKeyPair({
          compute: compute(ctx.emu.computeUrl, { microversion }),
          name,
          sshDirectory: dir,
          rescue: async () => undefined,
        }),
        /OpenSSH's own file|\.pub/,
      );
      assert.deepEqual(ctx.emu.keypairs(), []);
      assert.deepEqual(fs.readdirSync(dir), ['config']);
      assert.equal(fs.readFileSync(path.join(dir, 'config'), 'utf8'), 'Host *\n  User me\n');
    });
  }
});
