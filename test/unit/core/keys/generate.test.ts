import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { md5Fingerprint } from '../../../../src/core/keys/fingerprint';
import { generateEd25519 } from '../../../../src/core/keys/generate';
import { parsePublicKey } from '../../../../src/core/keys/publicKey';
import { SshReader } from '../../../../src/core/keys/sshWire';
import { keygenFingerprint, makeTempDir, removeTempDirs, sshKeygen } from '../../helpers/keysTestUtil';

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';

function decodeBody(privateKey: string): Buffer {
  return Buffer.from(privateKey.slice(BEGIN.length, privateKey.indexOf(END)).replace(/\s/g, ''), 'base64');
}

describe('keys/generate generateEd25519', () => {
  const dirs: string[] = [];
  let dir: string;
  before(() => (dir = makeTempDir(dirs)));
  after(() => removeTempDirs(dirs));

  /** Writes the private key (0600, as ssh-keygen requires) and returns its path. */
  function writeKey(privateKey: string): string {
    const file = path.join(dir, `id_${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, privateKey, { mode: 0o600 });
    return file;
  }

  it('produces armored 70-column base64 with a trailing newline and a one-line public key', () => {
    const key = generateEd25519('my key');
    const lines = key.privateKey.split('\n');
    assert.equal(lines[0], BEGIN);
    assert.equal(lines.at(-2), END);
    assert.equal(lines.at(-1), '');
    const body = lines.slice(1, -2);
    assert.ok(body.slice(0, -1).every((l) => l.length === 70));
    assert.ok(body.at(-1)!.length > 0 && body.at(-1)!.length <= 70);
    assert.match(key.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=* my key$/);
    assert.equal(key.fingerprint, md5Fingerprint(key.publicKey));
    assert.equal(parsePublicKey(key.publicKey).bits, 256);
  });

  it('follows PROTOCOL.key: none cipher and kdf, equal checkints, padding 1, 2, 3…', () => {
    const key = generateEd25519('c');
    const reader = new SshReader(decodeBody(key.privateKey).subarray('openssh-key-v1\0'.length));
    assert.equal(reader.text(), 'none');
    assert.equal(reader.text(), 'none');
    assert.equal(reader.string().length, 0);
    assert.equal(reader.uint32(), 1);
    const blob = reader.string();
    assert.deepEqual(blob, parsePublicKey(key.publicKey).blob);
    const section = reader.string();
    reader.end();
    assert.equal(section.length % 8, 0);
    const inner = new SshReader(section);
    assert.equal(inner.uint32(), inner.uint32());
    assert.equal(inner.text(), 'ssh-ed25519');
    const pub = inner.string();
    const secret = inner.string();
    assert.equal(secret.length, 64);
    assert.deepEqual(secret.subarray(32), pub);
    assert.equal(inner.string().toString(), 'c');
    // checkints, type, public key, secret, comment: the rest is padding.
    const used = 8 + (4 + 11) + (4 + 32) + (4 + 64) + (4 + 1);
    assert.deepEqual(
      [...section.subarray(used)],
      Array.from({ length: section.length - used }, (_, i) => i + 1),
    );
  });

  it('uses a random checkint', () => {
    // magic 15 + "none" 8 + "none" 8 + kdf options 4 + key count 4 + public blob 4+51 + section length 4
    const checkint = () => {
      const body = decodeBody(generateEd25519('').privateKey);
      assert.equal(body.readUInt32BE(98), body.readUInt32BE(102));
      return body.readUInt32BE(98);
    };
    assert.equal(new Set([checkint(), checkint(), checkint()]).size, 3);
  });

  it('is read back by ssh-keygen: -y gives the same public key and -l the same fingerprint', () => {
    const key = generateEd25519('laptop key');
    const file = writeKey(key.privateKey);
    const derived = sshKeygen(['-y', '-f', file]).trim().split(' ');
    assert.deepEqual(derived.slice(0, 2), key.publicKey.split(' ').slice(0, 2));
    assert.equal(keygenFingerprint(file, 'md5'), `MD5:${key.fingerprint}`);
    writeFileSync(`${file}.pub`, `${key.publicKey}\n`);
    assert.equal(keygenFingerprint(`${file}.pub`, 'md5'), `MD5:${key.fingerprint}`);
    assert.match(sshKeygen(['-lf', file]), /^256 SHA256:\S+ laptop key \(ED25519\)\n$/);
  });

  it('writes no comment part for an empty comment', () => {
    const key = generateEd25519('');
    assert.equal(key.publicKey.split(' ').length, 2);
    assert.equal(
      sshKeygen(['-y', '-f', writeKey(key.privateKey)])
        .trim()
        .split(' ')[1],
      key.publicKey.split(' ')[1],
    );
  });

  it('rejects a comment with a line break', () => {
    assert.throws(() => generateEd25519('a\nb'), /single line/);
  });

  it('generates 50 distinct keys that ssh-keygen all accepts', function () {
    this.timeout(30_000);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const key = generateEd25519(`key ${i} é`);
      seen.add(key.publicKey);
      const derived = sshKeygen(['-y', '-f', writeKey(key.privateKey)])
        .trim()
        .split(' ');
      assert.equal(`${derived[0]} ${derived[1]}`, key.publicKey.split(' ').slice(0, 2).join(' '), `key ${i}`);
    }
    assert.equal(seen.size, 50);
  });
});
