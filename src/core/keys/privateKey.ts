/**
 * Checks a private key a server handed out before it is written anywhere: it must be one
 * unencrypted private key (PEM: PKCS#1 RSA, SEC1 EC, PKCS#8; or OpenSSH's own format), of a
 * type OpenSSH uses (RSA, ed25519, ECDSA P-256/384/521), and it must belong to the pair's
 * public key: the public key derived from it (node:crypto) is the same, and a signature made
 * with it verifies. Messages never contain key material.
 */
import { createPrivateKey, createPublicKey, KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { fromKeyObject, opensshKeyObject, PrivateKeyError as OpensshKeyError } from './opensshKey';
import { PublicKeyInfo } from './publicKey';
import { CodedUserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

/** What is wrong with a private key. */
export type PrivateKeyProblem = 'not-a-private-key' | 'encrypted' | 'unsupported' | 'mismatch';

/** A private key that is not written; `message` is meant for the user and holds no key material. */
export class PrivateKeyError extends CodedUserSafeError<PrivateKeyProblem> {
  override name = 'PrivateKeyError';
}

const LABELS = new Set(['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'OPENSSH PRIVATE KEY']);

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

  const key = label === 'OPENSSH PRIVATE KEY' ? fromOpenSsh(normalized) : fromPem(normalized);
  const derived = publicBlob(key);
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

/**
 * OpenSSH's `openssh-key-v1` format, unencrypted, one key: read by the same parser that reads
 * the user's own key files (src/core/keys/opensshKey.ts), its problems told in this module's terms.
 */
function fromOpenSsh(text: string): KeyObject {
  try {
    return opensshKeyObject(text);
  } catch (err) {
    throw asOwnProblem(err);
  }
}

/** The SSH wire blob of the key's public half (what `.pub` files and fingerprints hold). */
function publicBlob(key: KeyObject): Buffer {
  try {
    return fromKeyObject(key).publicBlob;
  } catch (err) {
    throw asOwnProblem(err);
  }
}

function asOwnProblem(err: unknown): unknown {
  if (!(err instanceof OpensshKeyError)) return err;
  if (err.code === 'encrypted') {
    return new PrivateKeyError(
      'encrypted',
      l10n.t('The private key is encrypted with a passphrase that is not known here.'),
    );
  }
  if (err.code === 'unsupported') {
    return new PrivateKeyError('unsupported', l10n.t('The private key is of a type that is not supported here.'));
  }
  return notAKey();
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
