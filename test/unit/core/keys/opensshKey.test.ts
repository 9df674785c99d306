import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fingerprints } from '../../../../src/core/keys/fingerprint';
import { generateEd25519, generateEd25519Async } from '../../../../src/core/keys/generate';
import { saveKeyPair } from '../../../../src/core/keys/keyFiles';
import {
  PrivateKeyError,
  decryptPrivateKey,
  encryptPrivateKey,
  publicKeyLine,
  readPrivateKey,
  toOpensshPrivateKey,
} from '../../../../src/core/keys/opensshKey';
import { SshReader } from '../../../../src/core/keys/sshWire';
import { keygenFingerprint, makeTempDir, removeTempDirs, sshKeygen } from '../../helpers/keysTestUtil';

const PASS = 'correct horse – battery staple';
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';

/** The header of an OpenSSH private key: cipher, kdf, salt, rounds and the private part's length. */
interface Header {
  cipher: string;
  kdf: string;
  salt: Buffer;
  rounds: number;
  sectionLength: number;
}

function header(privateKey: string): Header {
  const reader = new SshReader(body(privateKey).subarray('openssh-key-v1\0'.length));
  const cipher = reader.text();
  const kdf = reader.text();
  const options = new SshReader(reader.string());
  const salt = kdf === 'none' ? Buffer.alloc(0) : options.string();
  const rounds = kdf === 'none' ? 0 : options.uint32();
  assert.equal(reader.uint32(), 1);
  reader.string();
  const sectionLength = reader.string().length;
  reader.end();
  return { cipher, kdf, salt, rounds, sectionLength };
}

/** The decoded body of an armored OpenSSH private key. */
function body(text: string): Buffer {
  return Buffer.from(text.slice(BEGIN.length, text.indexOf(END)).replace(/\s/g, ''), 'base64');
}

/** An RSA private key as Nova returns it: PKCS#1 PEM. */
function novaPem(bits = 2048): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** Matches a PrivateKeyError with `expected` code. */
function code(expected: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof PrivateKeyError && err.code === expected;
}

/** Runs ssh-keygen expecting failure; returns its stderr. */
function keygenFails(args: string[]): string {
  try {
    sshKeygen(args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr);
  }
  assert.fail(`ssh-keygen ${args.join(' ')} succeeded`);
}

/** A private key as ssh-keygen writes it (PEM with -m PEM), with its .pub line. */
function keygen(dir: string, type: string, bits: number | undefined, extra: string[]): { key: string; pub: string } {
  const file = path.join(dir, `kg-${type}-${bits ?? 0}-${Math.random().toString(36).slice(2)}`);
  sshKeygen(['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-C', `kg ${type}`, '-f', file, ...extra]);
  return { key: readFileSync(file, 'utf8'), pub: readFileSync(`${file}.pub`, 'utf8').trim() };
}

describe('keys/opensshKey', function () {
  this.timeout(60_000); // bcrypt_pbkdf at 16 rounds takes about a second per key in JavaScript
  const dirs: string[] = [];
  let dir: string;
  before(() => (dir = makeTempDir(dirs)));
  after(() => removeTempDirs(dirs));

  /** Saves like the create flow does (0600 private key, .pub next to it) and returns the private key's path. */
  async function save(privateKey: string, publicKey: string): Promise<string> {
    const fileBase = `key-${Math.random().toString(36).slice(2)}`;
    const { privatePath } = await saveKeyPair({ dir, fileBase, privateKey, publicKey });
    return privatePath;
  }

  /**
   * The checks the issue asks for, on a saved passphrase-protected key, and proof that its
   * private half works: ssh-keygen removes the passphrase from a copy and signs with it,
   * and the signature verifies against the .pub. With `original` (the unencrypted key it
   * came from), the key ssh-keygen writes back (PEM, or OpenSSH for ed25519) must hold the
   * same private parts in the same order.
   */
  function assertProtected(file: string, passphrase: string, original?: string): void {
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    const { cipher, kdf, salt, sectionLength } = header(text);
    assert.deepEqual([cipher, kdf, salt.length, sectionLength % 16], ['aes256-ctr', 'bcrypt', 16, 0]);
    assert.equal(sshKeygen(['-y', '-P', passphrase, '-f', file]), readFileSync(`${file}.pub`, 'utf8'));
    assert.match(keygenFails(['-y', '-P', `${passphrase}x`, '-f', file]), /incorrect passphrase/);
    assert.match(keygenFails(['-y', '-P', '', '-f', file]), /incorrect passphrase/);

    const plain = `${file}-plain`;
    const data = `${file}-data`;
    writeFileSync(plain, text, { mode: 0o600 });
    writeFileSync(`${plain}.pub`, readFileSync(`${file}.pub`)); // ssh-keygen -Y sign looks for it
    writeFileSync(data, 'signed by the key');
    sshKeygen(['-q', '-p', '-P', passphrase, '-N', '', '-m', 'PEM', '-f', plain]);
    if (original !== undefined) {
      assert.deepEqual(readPrivateKey(readFileSync(plain, 'utf8')).fields, readPrivateKey(original).fields);
    }
    sshKeygen(['-q', '-Y', 'sign', '-f', plain, '-n', 'test', data]);
    const check = ['-Y', 'check-novalidate', '-n', 'test', '-f', `${file}.pub`, '-s', `${data}.sig`];
    const verified = execFileSync('ssh-keygen', check, { input: 'signed by the key', encoding: 'utf8', stdio: 'pipe' });
    assert.match(verified, /^Good "test" signature with/);
  }

  describe('server-generated PEM keys encrypted locally', () => {
    it('RSA 2048 PKCS#1 as Nova returns it: -y -P gives the .pub; a wrong or empty passphrase fails', async () => {
      const pem = novaPem();
      assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
      const encrypted = await encryptPrivateKey(pem, PASS, 'nova-key');
      const publicKey = publicKeyLine(readPrivateKey(pem), 'nova-key');
      const file = await save(encrypted, publicKey);
      assertProtected(file, PASS, pem);
      const { cipher, kdf, salt, rounds, sectionLength } = header(encrypted);
      assert.deepEqual(
        { cipher, kdf, saltLength: salt.length, rounds },
        { cipher: 'aes256-ctr', kdf: 'bcrypt', saltLength: 16, rounds: 16 },
      );
      assert.equal(sectionLength % 16, 0);
      assert.equal(keygenFingerprint(file, 'sha256'), fingerprints(publicKey).sha256);
    });

    const generated: Array<[string, string, number | undefined]> = [
      ['rsa 4096 (PKCS#1 PEM)', 'rsa', 4096],
      ['ecdsa 256 (SEC1 PEM)', 'ecdsa', 256],
      ['ecdsa 384 (SEC1 PEM)', 'ecdsa', 384],
      ['ecdsa 521 (SEC1 PEM)', 'ecdsa', 521],
      ['ed25519 (PKCS#8 PEM)', 'ed25519', undefined],
    ];
    for (const [label, type, bits] of generated) {
      it(`${label} from ssh-keygen: encrypted copy reads back with the passphrase only`, async () => {
        const { key, pub } = keygen(dir, type, bits, type === 'ed25519' ? ['-N', ''] : ['-N', '', '-m', 'PEM']);
        const pem =
          type === 'ed25519'
            ? generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
            : key;
        const comment = `enc ${label}`;
        const expectedPub =
          type === 'ed25519'
            ? publicKeyLine(readPrivateKey(pem), comment)
            : `${pub.split(' ').slice(0, 2).join(' ')} ${comment}`;
        const encrypted = await encryptPrivateKey(pem, PASS, comment, { rounds: 4 });
        assert.equal(header(encrypted).rounds, 4);
        assertProtected(await save(encrypted, expectedPub), PASS, pem);
      });
    }

    it('an unencrypted OpenSSH key from ssh-keygen can be protected too', async () => {
      const { key, pub } = keygen(dir, 'ecdsa', 384, ['-N', '']);
      const encrypted = await encryptPrivateKey(key, PASS, 'kg ecdsa', { rounds: 2 });
      assertProtected(await save(encrypted, pub), PASS, key);
    });

    it('toOpensshPrivateKey converts Nova PEM to unencrypted OpenSSH format that ssh-keygen reads', async () => {
      const pem = novaPem();
      const converted = toOpensshPrivateKey(pem, 'converted');
      assert.equal(header(converted).cipher, 'none');
      const file = await save(converted, publicKeyLine(readPrivateKey(converted), 'converted'));
      assert.equal(sshKeygen(['-y', '-f', file]), readFileSync(`${file}.pub`, 'utf8'));
    });
  });

  describe('locally generated ed25519', () => {
    it('generateEd25519Async with a passphrase: ssh-keygen -y -P reproduces the .pub, fingerprints agree', async () => {
      const key = await generateEd25519Async({ comment: 'laptop', passphrase: PASS });
      assert.deepEqual(header(key.privateKey).cipher, 'aes256-ctr');
      const file = await save(key.privateKey, key.publicKey);
      assertProtected(file, PASS);
      assert.equal(keygenFingerprint(file, 'sha256'), key.sha256);
      assert.equal(keygenFingerprint(`${file}.pub`, 'md5'), `MD5:${key.fingerprint}`);
    });

    it('without a passphrase it writes the unencrypted format ssh-keygen reads with -P ""', async () => {
      const key = await generateEd25519Async({ comment: 'no pass' });
      assert.equal(header(key.privateKey).cipher, 'none');
      const file = await save(key.privateKey, key.publicKey);
      assert.equal(sshKeygen(['-y', '-P', '', '-f', file]), readFileSync(`${file}.pub`, 'utf8'));
    });

    it('uses a fresh salt for each key, and a fresh one for the same key encrypted twice', async () => {
      const key = generateEd25519('same');
      const encrypt = () => encryptPrivateKey(key.privateKey, PASS, 'same', { rounds: 1 });
      const [one, two] = await Promise.all([encrypt(), encrypt()]);
      assert.notDeepEqual(header(one).salt, header(two).salt);
      assert.notEqual(one, two);
    });
  });

  describe('reading keys ssh-keygen protected (bcrypt_pbkdf against OpenSSH itself)', () => {
    // ssh-keygen's default 16 rounds once; fewer (-a) for the rest to spare the CPU.
    const types: Array<[string, number | undefined, number]> = [
      ['ed25519', undefined, 16],
      ['rsa', 2048, 3],
      ['ecdsa', 256, 2],
      ['ecdsa', 384, 2],
      ['ecdsa', 521, 2],
    ];
    for (const [type, bits, rounds] of types) {
      it(`decrypts ssh-keygen -N for ${type}${bits ? ` ${bits}` : ''} (${rounds} rounds) to the same key`, async () => {
        const { key, pub } = keygen(dir, type, bits, ['-N', PASS, ...(rounds === 16 ? [] : ['-a', String(rounds)])]);
        assert.equal(header(key).rounds, rounds);
        const read = await decryptPrivateKey(key, PASS);
        assert.equal(publicKeyLine(read, read.comment), pub);
        await assert.rejects(decryptPrivateKey(key, 'wrong'), code('wrong-passphrase'));
        await assert.rejects(decryptPrivateKey(key, ''), code('encrypted'));
      });
    }
  });

  describe('bad input changes nothing and says what is wrong', () => {
    it('rejects an empty passphrase, an already protected key, a public key and text', async () => {
      const plain = generateEd25519('x');
      await assert.rejects(encryptPrivateKey(plain.privateKey, '', 'x'), code('empty-passphrase'));
      const { key } = keygen(dir, 'ed25519', undefined, ['-N', PASS, '-a', '1']);
      await assert.rejects(encryptPrivateKey(key, 'other', 'x'), code('encrypted'));
      await assert.rejects(encryptPrivateKey(plain.publicKey, PASS, 'x'), code('not-a-key'));
      await assert.rejects(encryptPrivateKey('hello', PASS, 'x'), code('not-a-key'));
      await assert.rejects(encryptPrivateKey(plain.privateKey, PASS, 'two\nlines'), /single line/);
    });

    it('rejects a DSA key and an RSA key below 1024 bits as unsupported', async () => {
      const dsa = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
      const dsaPem = dsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await assert.rejects(encryptPrivateKey(dsaPem, PASS, 'x'), code('unsupported'));
      const small = novaPem(768);
      await assert.rejects(encryptPrivateKey(small.toString(), PASS, 'x'), code('unsupported'));
    });

    it('rejects an OpenSSH key whose public part does not match its private part', () => {
      const one = generateEd25519('a').privateKey;
      const other = generateEd25519('a').privateKey;
      // Swap the public blob (bytes 39..90 of the body: after magic, "none" ×2, empty options, count).
      const mixed = Buffer.concat([body(one).subarray(0, 39), body(other).subarray(39, 90), body(one).subarray(90)]);
      const text = `${BEGIN}\n${mixed.toString('base64')}\n${END}\n`;
      assert.throws(() => readPrivateKey(text), code('damaged'));
    });

    it('rejects damaged key data', () => {
      const text = generateEd25519('a').privateKey;
      const cut = text.slice(0, text.indexOf(END) - 40) + text.slice(text.indexOf(END));
      assert.throws(() => readPrivateKey(cut), code('damaged'));
      const pem = novaPem();
      const zeroed = pem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
      assert.throws(() => readPrivateKey(zeroed), code('damaged'));
    });
  });

  it('never puts the passphrase in an error, a log line or the file', async () => {
    const secret = 'Pa55-unique-7c1f';
    const logged: string[] = [];
    const { log, error, warn, info, debug } = console;
    const originals = { log, error, warn, info, debug };
    for (const name of Object.keys(originals) as Array<keyof typeof originals>) {
      console[name] = (...items: unknown[]) => void logged.push(items.map(String).join(' '));
    }
    const errors: unknown[] = [];
    let written = '';
    try {
      const { key } = keygen(dir, 'ed25519', undefined, ['-N', `${secret}!`, '-a', '1']);
      for (const attempt of [
        () => decryptPrivateKey(key, secret),
        () => encryptPrivateKey(key, secret, 'c'),
        () => encryptPrivateKey('not a key', secret, 'c'),
        () => encryptPrivateKey(generateEd25519('c').privateKey, secret, 'a\nb'),
      ]) {
        await attempt().then(
          () => assert.fail('should fail'),
          (err: unknown) => errors.push(err),
        );
      }
      written = await encryptPrivateKey(generateEd25519('c').privateKey, secret, 'c', { rounds: 1 });
    } finally {
      Object.assign(console, originals);
    }
    assert.equal(errors.length, 4);
    const text = (err: unknown): string =>
      err instanceof Error ? `${err.message}\n${err.stack}\n${String(err.cause)}` : String(err);
    for (const err of errors) assert.ok(!text(err).includes(secret), text(err));
    assert.ok(!logged.join('\n').includes(secret));
    assert.ok(!written.includes(secret) && !body(written).includes(Buffer.from(secret)));
  });
});
