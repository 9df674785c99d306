import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parsePublicKey, PublicKeyError } from '../../../../src/core/keys/publicKey';
import { encodeString } from '../../../../src/core/keys/sshWire';
import { keygenKey, makeTempDir, removeTempDirs, sshKeygen } from '../../helpers/keysTestUtil';
import { must } from '../../../support/must';

/** Asserts that parsing `text` throws a PublicKeyError whose message matches `message`. */
function rejects(text: string, message: RegExp | string): void {
  assert.throws(
    () => parsePublicKey(text),
    (err: unknown) => {
      assert.ok(err instanceof PublicKeyError, String(err));
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

const line = (type: string, ...fields: Buffer[]) => `${type} ${Buffer.concat(fields).toString('base64')} c`;
const mpint = (magnitude: Buffer) =>
  encodeString(magnitude.readUInt8(0) & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);
const E65537 = Buffer.from([1, 0, 1]);
/** An odd modulus of exactly `bits` bits (not a real RSA modulus: only its size and parity matter). */
const modulus = (bits: number) => {
  const n = Buffer.alloc(Math.ceil(bits / 8), 0x5a);
  n[0] = 1 << ((bits - 1) % 8);
  n.writeUInt8(n.readUInt8(n.length - 1) | 1, n.length - 1);
  return n;
};
const rsaBlob = (e: Buffer, n: Buffer) => [encodeString('ssh-rsa'), mpint(e), mpint(n)];
const ed25519Blob = (key: Buffer) => [encodeString('ssh-ed25519'), encodeString(key)];

describe('keys/publicKey parsePublicKey', () => {
  const dirs: string[] = [];
  let dir: string;
  before(() => (dir = makeTempDir(dirs)));
  after(() => removeTempDirs(dirs));

  const generated: Array<[string, number | undefined, string, number]> = [
    ['rsa', 2048, 'ssh-rsa', 2048],
    ['rsa', 1024, 'ssh-rsa', 1024],
    ['rsa', 3072, 'ssh-rsa', 3072],
    ['ed25519', undefined, 'ssh-ed25519', 256],
    ['ecdsa', 256, 'ecdsa-sha2-nistp256', 256],
    ['ecdsa', 384, 'ecdsa-sha2-nistp384', 384],
    ['ecdsa', 521, 'ecdsa-sha2-nistp521', 521],
  ];
  for (const [keygenType, bits, type, expectedBits] of generated) {
    it(`parses an ssh-keygen ${type} ${expectedBits} key file`, () => {
      const { publicLine } = keygenKey(dir, keygenType, bits);
      const info = parsePublicKey(publicLine);
      assert.equal(info.type, type);
      assert.equal(info.bits, expectedBits);
      assert.equal(info.comment, `test ${keygenType}`);
      assert.equal(info.line, publicLine.trimEnd());
      assert.deepEqual(info.blob, Buffer.from(must(publicLine.split(' ')[1], 'the key data'), 'base64'));
    });
  }

  it('accepts CRLF, a BOM, surrounding blanks and tabs, and normalizes the line', () => {
    const [type, data] = keygenKey(dir, 'ed25519').publicLine.split(' ');
    for (const text of [`${type} ${data} me@host\r\n`, `\uFEFF  ${type}\t${data}\t me@host  \n\n`]) {
      const info = parsePublicKey(text);
      assert.equal(info.line, `${type} ${data} me@host`);
      assert.equal(info.comment, 'me@host');
    }
  });

  it('keeps spaces inside the comment and omits a missing comment from the line', () => {
    const [type, data] = keygenKey(dir, 'ed25519').publicLine.split(' ');
    assert.equal(parsePublicKey(`${type} ${data} my  laptop key`).comment, 'my  laptop key');
    const bare = parsePublicKey(`${type} ${data}`);
    assert.equal(bare.comment, '');
    assert.equal(bare.line, `${type} ${data}`);
  });

  it('rejects empty input', () => {
    rejects('', 'The public key is empty.');
    rejects(' \r\n ', 'The public key is empty.');
  });

  it('rejects text that is not a key', () => {
    rejects('hello world', 'Not an OpenSSH public key: expected "ssh-ed25519 AAAA… comment".');
    rejects('AAAAC3NzaC1lZDI1NTE5AAAAIO0KlU+oe9xaNH81iJ62y0SuEywsUXV5MEBnck8Jf+1j', /^Not an OpenSSH public key/);
  });

  it('recognises private keys pasted by mistake (OpenSSH, PEM, PKCS#8, PuTTY)', () => {
    const { privatePath } = keygenKey(dir, 'ed25519');
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const texts = [
      readFileSync(privatePath, 'utf8'),
      rsaPem.export({ type: 'pkcs1', format: 'pem' }).toString(),
      rsaPem.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n',
    ];
    for (const text of texts) rejects(text, /^This is a PRIVATE key\. Never upload or share it/);
  });

  it('explains RFC 4716 and PEM public keys', () => {
    const { privatePath } = keygenKey(dir, 'rsa', 2048);
    rejects(
      sshKeygen(['-e', '-f', `${privatePath}.pub`]),
      /SSH2 \(RFC 4716\) public key\. Convert it with "ssh-keygen -i -f FILE"/,
    );
    rejects(
      sshKeygen(['-e', '-m', 'PKCS8', '-f', `${privatePath}.pub`]),
      /PEM public key\. Convert it with "ssh-keygen -i -m PKCS8/,
    );
  });

  it('rejects authorized_keys lines with options', () => {
    const key = keygenKey(dir, 'ed25519').publicLine.trim();
    const message = 'The line starts with authorized_keys options. Paste only the key: "ssh-ed25519 AAAA… comment".';
    rejects(`no-pty,from="10.0.0.1" ${key}`, message);
    rejects(`command="echo hi there",restrict ${key}`, message);
  });

  it('rejects several lines', () => {
    const key = keygenKey(dir, 'ed25519').publicLine.trim();
    rejects(`${key}\n${key}\n`, 'Expected one public key on a single line, but the text has several lines.');
  });

  it('rejects control characters in the comment (NUL, escape, DEL, bidi controls)', () => {
    const key = keygenKey(dir, 'ed25519').publicLine.trim().split(' ').slice(0, 2).join(' ');
    for (const comment of ['me\0@host', 'me\x1b[31m@host', 'me\x7f', 'evil\u202egnp.exe', 'a\u2028b']) {
      rejects(`${key} ${comment}`, 'The public key holds control characters (such as NUL, escape or bidi controls).');
    }
  });

  describe("a server's answer (strict)", () => {
    const strict = (text: string) => parsePublicKey(text, 'server');
    const rejectsStrict = (text: string, message: string) =>
      assert.throws(
        () => strict(text),
        (err: unknown) => err instanceof PublicKeyError && err.message === message,
      );

    it('accepts exactly one line, as Nova sends it (with at most one trailing newline)', () => {
      const key = keygenKey(dir, 'rsa', 2048).publicLine.trim().split(' ').slice(0, 2).join(' ');
      assert.equal(strict(`${key} Generated-by-Nova`).line, `${key} Generated-by-Nova`);
      assert.equal(strict(`${key} Generated-by-Nova\n`).line, `${key} Generated-by-Nova`);
    });

    it('refuses a second line, a trailing junk line, CR, NUL and blanks around the line', () => {
      const key = keygenKey(dir, 'ed25519').publicLine.trim();
      const several = 'Expected one public key on a single line, but the text has several lines.';
      rejectsStrict(`${key}\n${key}`, several);
      rejectsStrict(`${key}\nHost *`, several);
      rejectsStrict(`${key}\n\n`, several);
      rejectsStrict(`${key}\r\n`, several);
      rejectsStrict(`${key}\r`, several);
      rejectsStrict(`${key}\0`, 'The public key holds control characters (such as NUL, escape or bidi controls).');
      rejectsStrict(` ${key}`, 'The public key line starts or ends with blanks.');
      rejectsStrict(`\uFEFF${key}`, 'The public key holds control characters (such as NUL, escape or bidi controls).');
    });
  });

  it('rejects unsupported key types by name', () => {
    const { publicLine } = keygenKey(dir, 'dsa');
    rejects(publicLine, 'The key type "ssh-dss" is not supported. Use ed25519, RSA or ECDSA.');
    rejects('sk-ssh-ed25519@openssh.com AAAA c', /^The key type "sk-ssh-ed25519@openssh.com" is not supported/);
    rejects(
      'ssh-ed25519-cert-v01@openssh.com AAAA c',
      /^The key type "ssh-ed25519-cert-v01@openssh.com" is not supported/,
    );
  });

  it('rejects missing and invalid base64', () => {
    rejects('ssh-ed25519', 'The key data is missing after "ssh-ed25519".');
    for (const data of [
      'AAAA$$$$',
      'AAAAC3NzaC1lZDI1NTE5AAAAIO0KlU+oe9xaNH81iJ62y0SuEywsUXV5MEBnck8Jf+1',
      'AA=A',
      'AAAAB===',
    ]) {
      rejects(`ssh-ed25519 ${data} c`, 'The key data is not valid base64.');
    }
  });

  it('rejects a blob whose type differs from the line', () => {
    const rsa = keygenKey(dir, 'rsa', 2048).publicLine.split(' ')[1];
    rejects(`ssh-ed25519 ${rsa} c`, 'The key data says "ssh-rsa" but the line says "ssh-ed25519".');
  });

  it('rejects damaged ed25519 data', () => {
    rejects(
      line('ssh-ed25519', ...ed25519Blob(Buffer.alloc(31, 7))),
      'The key data is damaged (the ed25519 key is 31 bytes instead of 32).',
    );
    rejects(
      line('ssh-ed25519', ...ed25519Blob(Buffer.alloc(32, 7)), Buffer.from([0])),
      'The key data is damaged (unexpected data at the end).',
    );
    rejects(
      line('ssh-ed25519', encodeString('ssh-ed25519'), Buffer.from([0, 0, 0, 32, 1, 2])),
      'The key data is damaged (data is truncated).',
    );
  });

  it('rejects RSA keys below 1024 bits and reports sizes', () => {
    assert.equal(parsePublicKey(line('ssh-rsa', ...rsaBlob(E65537, modulus(1024)))).bits, 1024);
    assert.equal(parsePublicKey(line('ssh-rsa', ...rsaBlob(E65537, modulus(4095)))).bits, 4095);
    rejects(
      line('ssh-rsa', ...rsaBlob(E65537, modulus(1023))),
      /^The RSA key has only 1023 bits; at least 1024 are required/,
    );
    rejects(line('ssh-rsa', ...rsaBlob(E65537, modulus(512))), /^The RSA key has only 512 bits/);
    rejects(
      line('ssh-rsa', ...rsaBlob(E65537, modulus(16392))),
      'The RSA key has 16392 bits; at most 16384 are supported.',
    );
  });

  it('rejects malformed RSA numbers', () => {
    rejects(
      line('ssh-rsa', ...rsaBlob(Buffer.from([1, 0, 0]), modulus(2048))),
      'The key data is damaged (the RSA exponent is invalid).',
    );
    rejects(
      line('ssh-rsa', ...rsaBlob(Buffer.from([1]), modulus(2048))),
      'The key data is damaged (the RSA exponent is invalid).',
    );
    const even = modulus(2048);
    even.writeUInt8(even.readUInt8(even.length - 1) & 0xfe, even.length - 1);
    rejects(line('ssh-rsa', ...rsaBlob(E65537, even)), 'The key data is damaged (the RSA modulus is invalid).');
    const negative = Buffer.concat([encodeString('ssh-rsa'), mpint(E65537), encodeString(modulus(2048))]);
    rejects(line('ssh-rsa', negative), 'The key data is damaged (negative integer).');
  });

  it('rejects damaged ECDSA data', () => {
    const good = Buffer.from(must(keygenKey(dir, 'ecdsa', 256).publicLine.split(' ')[1], 'the key data'), 'base64');
    const point = good.subarray(good.length - 65);
    const ecdsa = (curve: string, q: Buffer) =>
      line('ecdsa-sha2-nistp256', encodeString('ecdsa-sha2-nistp256'), encodeString(curve), encodeString(q));
    assert.equal(parsePublicKey(ecdsa('nistp256', point)).bits, 256);
    rejects(
      ecdsa('nistp384', point),
      'The key data is damaged (the curve is "nistp384" but the key type says "nistp256").',
    );
    rejects(
      ecdsa('nistp256', point.subarray(0, 64)),
      'The key data is damaged (the nistp256 point has the wrong length or format).',
    );
    const compressed = Buffer.concat([Buffer.from([2]), point.subarray(1, 33), Buffer.alloc(32)]);
    rejects(
      ecdsa('nistp256', compressed),
      'The key data is damaged (the nistp256 point has the wrong length or format).',
    );
    const offCurve = Buffer.from(point);
    offCurve.writeUInt8(offCurve.readUInt8(10) ^ 1, 10);
    rejects(ecdsa('nistp256', offCurve), 'The key data is damaged (the point is not on the nistp256 curve).');
  });
});
