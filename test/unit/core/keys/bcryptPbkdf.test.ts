import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { KdfError, bcryptPbkdf } from '../../../../src/core/keys/bcryptPbkdf';
import { makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';

const ROOT = path.join(__dirname, '..', '..', '..', '..', '..');

describe('keys/bcryptPbkdf', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => removeTempDirs(dirs));

  // The derivation itself is checked against OpenSSH in core/keys/opensshKey.test.ts (keys that
  // ssh-keygen protected are read back, and ssh-keygen reads ours). This checks the shipped
  // worker: dist/bcryptWorker.js, where tweetnacl is replaced by node:crypto's SHA-512.
  it('the bundled worker (scripts/build.mjs) derives the same bytes as the library itself', async () => {
    const out = makeTempDir(dirs);
    execFileSync(process.execPath, ['scripts/build.mjs', `--outdir=${out}`], { cwd: ROOT, stdio: 'pipe' });
    const bundled = path.join(out, 'bcryptWorker.js');
    const cases: Array<[string, string, number, number]> = [
      ['password', 'salt', 4, 32],
      ['p', '0123456789abcdef', 2, 48],
      ['pässwörd with spaces', 'x'.repeat(40), 3, 100],
    ];
    for (const [pass, salt, rounds, length] of cases) {
      const args = [Buffer.from(pass), Buffer.from(salt), rounds, length] as const;
      const fromLibrary = await bcryptPbkdf(...args);
      assert.equal(fromLibrary.length, length);
      assert.deepEqual(await bcryptPbkdf(...args, bundled), fromLibrary);
    }
  });

  it('rejects empty passphrase or salt and bad round counts without starting a worker', async () => {
    const salt = Buffer.from('salt');
    await assert.rejects(bcryptPbkdf(Buffer.alloc(0), salt, 16, 48), KdfError);
    await assert.rejects(bcryptPbkdf(Buffer.from('p'), Buffer.alloc(0), 16, 48), KdfError);
    for (const rounds of [0, 1.5, -3]) await assert.rejects(bcryptPbkdf(Buffer.from('p'), salt, rounds, 48), KdfError);
  });

  it('does not block the event loop while deriving', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await bcryptPbkdf(Buffer.from('password'), Buffer.from('0123456789abcdef'), 16, 48);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks > 5, `the event loop ran ${ticks} times during the derivation`);
  });
});
