/**
 * Checks a private key a server handed out before it is written anywhere: it must be one
 * unencrypted private key (PEM: PKCS#1 RSA, SEC1 EC, PKCS#8; or OpenSSH's own format), of a
 * type OpenSSH uses (RSA, ed25519, ECDSA P-256/384/521), and it must belong to the pair's
 * public key: the public key derived from it (node:crypto) is the same, and a signature made
 * with it verifies. Messages never contain key material.
 */
import { createPrivateKey, createPublicKey, KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { PublicKeyInfo } from './publicKey';
import { encodeString, SshReader, WireError } from './sshWire';
import { UserSafeError } from '../api/userSafe';
import * as l10n from '../l10n';

/** What is wrong with a private key. */
export type PrivateKeyProblem = 'not-a-private-key' | 'encrypted' | 'unsupported' | 'mismatch';

/** A private key that is not written; `message` is meant for the user and holds no key material. */
export class PrivateKeyError extends UserSafeError {
  override name = 'PrivateKeyError';

  constructor(
    readonly problem: PrivateKeyProblem,
    message: string,
  ) {
    super(message);
  }
}

const LABELS = new Set(['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const CURVES: Record<string, { crv: string; type: string; name: string; size: number }> = {
  'P-256': { crv: 'P-256', type: 'ecdsa-sha2-nistp256', name: 'nistp256', size: 32 },
  'P-384': { crv: 'P-384', type: 'ecdsa-sha2-nistp384', name: 'nistp384', size: 48 },
  'P-521': { crv: 'P-521', type: 'ecdsa-sha2-nistp521', name: 'nistp521', size: 66 },
};
/** PKCS#8 DER prefix of an ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const notAKey = () => new PrivateKeyError('not-a-private-key', l10n.t('The text is not a private key.'));

/**
 * Returns the private key as it is to be written (LF line ends, one trailing newline) when
 * `text` is one usable private key that belongs to `publicKey`; throws
 * {@link PrivateKeyError} otherwise.
 */
export function checkPrivateKey(text: string, publicKey: PublicKeyInfo): string {
  const normalized = text.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  const armor = /^-----BEGIN ([A-Z0-9 ]+)-----\n([\s\S]*)\n-----END ([A-Z0-9 ]+)-----$/.exec(normalized);
  const [, label, body, endLabel] = armor ?? [];
  if (label === undefined || body === undefined || label !== endLabel) throw notAKey();
  if (label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:.*ENCRYPTED/m.test(body)) {
    throw new PrivateKeyError(
      'encrypted',
      l10n.t('The private key is encrypted with a passphrase that is not known here.'),
    );
  }
  if (!LABELS.has(label) || !/^[A-Za-z0-9+/=\n]+$/.test(body)) throw notAKey();

  const key =
    label === 'OPENSSH PRIVATE KEY' ? fromOpenSsh(Buffer.from(body.replace(/\n/g, ''), 'base64')) : fromPem(normalized);
  const derived = publicBlob(createPublicKey(key));
  if (!derived.equals(publicKey.blob) || !signsFor(key)) {
    throw new PrivateKeyError('mismatch', l10n.t('The private key does not belong to the public key.'));
  }
  return `${normalized}\n`;
}

function fromPem(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw notAKey();
  }
}

/** OpenSSH's `openssh-key-v1` format (PROTOCOL.key), unencrypted, one key. */
function fromOpenSsh(data: Buffer): KeyObject {
  if (!data.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) throw notAKey();
  try {
    const outer = new SshReader(data.subarray(OPENSSH_MAGIC.length));
    const cipher = outer.text();
    outer.text(); // kdf
    outer.string(); // kdf options
    if (cipher !== 'none') {
      throw new PrivateKeyError(
        'encrypted',
        l10n.t('The private key is encrypted with a passphrase that is not known here.'),
      );
    }
    if (outer.uint32() !== 1)
      throw new PrivateKeyError('unsupported', l10n.t('The private key file holds more than one key.'));
    outer.string(); // public key blob (the one derived from the private part is what counts)
    const inner = new SshReader(outer.string());
    outer.end();
    if (inner.uint32() !== inner.uint32()) throw notAKey();
    return opensshKey(inner.text(), inner);
  } catch (err) {
    if (err instanceof WireError) throw notAKey();
    throw err;
  }
}

function opensshKey(type: string, reader: SshReader): KeyObject {
  try {
    if (type === 'ssh-ed25519') {
      reader.string(); // public part
      const secret = reader.string();
      if (secret.length !== 64) throw notAKey();
      const der = Buffer.concat([ED25519_PKCS8_PREFIX, secret.subarray(0, 32)]);
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    }
    if (type === 'ssh-rsa') {
      const [n, e, d, qi, p, q] = [
        reader.mpint(),
        reader.mpint(),
        reader.mpint(),
        reader.mpint(),
        reader.mpint(),
        reader.mpint(),
      ];
      const big = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);
      const mod = (x: bigint, m: bigint) => toBuffer(x % m);
      const jwk = {
        kty: 'RSA',
        ...b64({ n, e, d, p, q, qi }),
        ...b64({ dp: mod(big(d), big(p) - 1n), dq: mod(big(d), big(q) - 1n) }),
      };
      return createPrivateKey({ key: jwk, format: 'jwk' });
    }
    const curve = Object.values(CURVES).find((c) => c.type === type);
    if (curve) {
      if (reader.text() !== curve.name) throw notAKey();
      const point = reader.string();
      const scalar = reader.mpint();
      if (point.length !== 1 + 2 * curve.size || point[0] !== 4 || scalar.length > curve.size) throw notAKey();
      const d = Buffer.concat([Buffer.alloc(curve.size - scalar.length), scalar]);
      const [x, y] = [point.subarray(1, 1 + curve.size), point.subarray(1 + curve.size)];
      return createPrivateKey({ key: { kty: 'EC', crv: curve.crv, ...b64({ x, y, d }) }, format: 'jwk' });
    }
  } catch (err) {
    if (err instanceof PrivateKeyError || err instanceof WireError) throw err;
    throw notAKey();
  }
  throw new PrivateKeyError('unsupported', l10n.t('The private key is of a type that is not supported here.'));
}

/** The SSH wire blob of a public key (what `.pub` files and fingerprints hold). */
function publicBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const raw = (v: string | undefined) => Buffer.from(v ?? '', 'base64url');
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return Buffer.concat([encodeString('ssh-rsa'), mpint(raw(jwk.e)), mpint(raw(jwk.n))]);
    case 'ed25519':
      return Buffer.concat([encodeString('ssh-ed25519'), encodeString(raw(jwk.x))]);
    case 'ec': {
      const curve = CURVES[jwk.crv ?? ''];
      if (!curve) break;
      return Buffer.concat([
        encodeString(curve.type),
        encodeString(curve.name),
        encodeString(Buffer.concat([Buffer.from([4]), raw(jwk.x), raw(jwk.y)])),
      ]);
    }
  }
  throw new PrivateKeyError('unsupported', l10n.t('The private key is of a type that is not supported here.'));
}

/** True when a signature made with `key` verifies with its public key (the parts agree). */
function signsFor(key: KeyObject): boolean {
  const data = randomBytes(32);
  const digest = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  try {
    return verify(digest, data, createPublicKey(key), sign(digest, data, key));
  } catch {
    return false;
  }
}

function mpint(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const value = magnitude.subarray(start);
  return encodeString(((value[0] ?? 0) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), value]) : value);
}

function toBuffer(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

function b64(parts: Record<string, Buffer>): Record<string, string> {
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.toString('base64url')]));
}
