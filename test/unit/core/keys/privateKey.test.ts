import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkPrivateKey, PrivateKeyError, PrivateKeyProblem } from '../../../../src/core/keys/privateKey';
import { parsePublicKey } from '../../../../src/core/keys/publicKey';
import { keygenKey, makeTempDir, removeTempDirs, sshKeygen } from '../../helpers/keysTestUtil';

function fails(text: string, publicLine: string, problem: PrivateKeyProblem): void {
  assert.throws(
    () => checkPrivateKey(text, parsePublicKey(publicLine)),
    (err: unknown) => {
      assert.ok(err instanceof PrivateKeyError, String(err));
      assert.equal(err.code, problem);
      assert.doesNotMatch(err.message, /BEGIN|[A-Za-z0-9+/]{40}/, 'no key material in the message');
      return true;
    },
  );
}

describe('keys/privateKey checkPrivateKey (ssh-keygen as ground truth)', () => {
  const dirs: string[] = [];
  let dir: string;
  before(() => (dir = makeTempDir(dirs)));
  after(() => removeTempDirs(dirs));

  /** ssh-keygen's key, its private file in `format` (OpenSSH's own, PEM = PKCS#1/SEC1, or PKCS#8). */
  function key(type: string, bits: number | undefined, format: 'openssh' | 'PEM' | 'PKCS8') {
    const k = keygenKey(dir, type, bits);
    if (format !== 'openssh') sshKeygen(['-q', '-p', '-N', '', '-P', '', '-m', format, '-f', k.privatePath]);
    return { privateText: readFileSync(k.privatePath, 'utf8'), publicLine: k.publicLine };
  }

  const kinds: Array<[string, number | undefined, Array<'openssh' | 'PEM' | 'PKCS8'>]> = [
    ['rsa', 2048, ['openssh', 'PEM', 'PKCS8']],
    ['ed25519', undefined, ['openssh']],
    ['ecdsa', 256, ['openssh', 'PEM', 'PKCS8']],
    ['ecdsa', 384, ['openssh', 'PEM']],
    ['ecdsa', 521, ['openssh', 'PEM']],
  ];
  for (const [type, bits, formats] of kinds) {
    for (const format of formats) {
      const what = `${type}${bits ? ` ${bits}` : ''}`;
      it(`accepts a ${what} key in ${format} format with its public key, not another's`, () => {
        const mine = key(type, bits, format);
        const written = checkPrivateKey(mine.privateText, parsePublicKey(mine.publicLine));
        assert.equal(written, mine.privateText.endsWith('\n') ? mine.privateText : `${mine.privateText}\n`);
        const other = key(type, bits, 'openssh');
        fails(mine.privateText, other.publicLine, 'mismatch');
      });
    }
  }

  it('accepts the PKCS#1 PEM Nova hands out, with CRLF line ends normalized', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const jwk = pair.publicKey.export({ format: 'jwk' });
    const mpint = (b64: string) => {
      const b = Buffer.from(b64, 'base64url');
      const v = b.readUInt8(0) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(v.length);
      return Buffer.concat([len, v]);
    };
    const type = Buffer.from('\0\0\0\x07ssh-rsa', 'latin1');
    const line = `ssh-rsa ${Buffer.concat([type, mpint(jwk.e!), mpint(jwk.n!)]).toString('base64')} Generated-by-Nova`;
    assert.equal(checkPrivateKey(pem.replace(/\n/g, '\r\n'), parsePublicKey(line)), pem);
  });

  it('never takes text that is not one private key', () => {
    const mine = key('ed25519', undefined, 'openssh');
    const cases = [
      '',
      'not a key',
      mine.publicLine,
      '<html><body>502 Bad Gateway</body></html>',
      `${mine.privateText}Host *\n  ProxyCommand touch /tmp/x\n`,
      `junk\n${mine.privateText}`,
      mine.privateText.replace('-----END OPENSSH PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----'),
      mine.privateText.replace(/\n([A-Za-z])/, '\n!$1'),
      '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n',
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    ];
    for (const text of cases) fails(text, mine.publicLine, 'not-a-private-key');
  });

  it('refuses an encrypted key (its passphrase is not known here)', () => {
    const k = keygenKey(dir, 'ed25519');
    sshKeygen(['-q', '-p', '-N', 'secret phrase', '-P', '', '-f', k.privatePath]);
    fails(readFileSync(k.privatePath, 'utf8'), k.publicLine, 'encrypted');
  });
});
