import * as assert from 'node:assert/strict';
import { fingerprints, md5Fingerprint, sha256Fingerprint } from '../../../../src/core/keys/fingerprint';
import { PublicKeyError } from '../../../../src/core/keys/publicKey';
import { keygenFingerprint, keygenKey, makeTempDir, removeTempDirs } from '../../helpers/keysTestUtil';
import { must } from '../../../support/must';

describe('keys/fingerprint', () => {
  const dirs: string[] = [];
  let dir: string;
  before(() => (dir = makeTempDir(dirs)));
  after(() => removeTempDirs(dirs));

  const types: Array<[string, number?]> = [
    ['rsa', 2048],
    ['rsa', 4096],
    ['ed25519'],
    ['ecdsa', 256],
    ['ecdsa', 384],
    ['ecdsa', 521],
  ];
  for (const [type, bits] of types) {
    it(`matches ssh-keygen for ${type}${bits ? ` ${bits}` : ''} (line and blob input)`, function () {
      this.timeout(30_000); // ssh-keygen -t rsa -b 4096 takes seconds on a busy machine
      const { privatePath, publicLine } = keygenKey(dir, type, bits);
      const blob = Buffer.from(must(publicLine.split(' ')[1], 'the key data'), 'base64');
      const md5 = keygenFingerprint(`${privatePath}.pub`, 'md5');
      const sha256 = keygenFingerprint(`${privatePath}.pub`, 'sha256');
      assert.equal(`MD5:${md5Fingerprint(publicLine)}`, md5);
      assert.equal(`MD5:${md5Fingerprint(blob)}`, md5);
      assert.equal(sha256Fingerprint(publicLine), sha256);
      assert.equal(sha256Fingerprint(blob), sha256);
      assert.deepEqual(fingerprints(publicLine), { md5: md5.slice('MD5:'.length), sha256 });
    });
  }

  it('formats MD5 as 16 lowercase colon-separated pairs and SHA-256 without padding', () => {
    const { publicLine } = keygenKey(dir, 'ed25519');
    assert.match(md5Fingerprint(publicLine), /^[0-9a-f]{2}(?::[0-9a-f]{2}){15}$/);
    assert.match(sha256Fingerprint(publicLine), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('throws PublicKeyError for a line that is not a valid key', () => {
    assert.throws(() => md5Fingerprint('ssh-ed25519 AAAA c'), PublicKeyError);
    assert.throws(() => sha256Fingerprint('not a key'), PublicKeyError);
  });
});
