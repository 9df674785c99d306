/**
 * Local key generation (ed25519, ECDSA P-256, RSA 4096), written in OpenSSH's own private key format
 * (`openssh-key-v1`, see OpenSSH PROTOCOL.key): unencrypted, or protected by a passphrase
 * as `ssh-keygen` writes it (aes256-ctr, bcrypt_pbkdf) — see ./opensshKey.
 */
import { generateKeyPair, generateKeyPairSync, KeyObject } from 'node:crypto';
import { md5Fingerprint, sha256Fingerprint } from './fingerprint';
import type { EncryptOptions, SshPrivateKey } from './opensshKey';
import { formatOpenssh, fromKeyObject, publicKeyLine, writeEncrypted } from './opensshKey';

/** A freshly generated key pair. */
export interface GeneratedKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` armored key, 70-column base64, trailing newline. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` (no comment part if `comment` is empty), no trailing newline. */
  publicKey: string;
  /** MD5 fingerprint of the public key (`aa:bb:…`), as Nova reports it. */
  fingerprint: string;
  /** SHA256 fingerprint (`SHA256:…`), as `ssh-keygen -l` prints it. */
  sha256: string;
}

/** What {@link generateEd25519} and {@link generateEd25519Async} take. */
export interface GenerateOptions extends EncryptOptions {
  /** Stored in both keys (typically the key pair name); a single line. */
  comment: string;
  /** If given and not empty, the private key is protected by it (only {@link generateEd25519Async}). */
  passphrase?: string;
}

/**
 * Generates an unencrypted ed25519 key pair. `comment` (or `options.comment`) ends up in
 * both keys; it must not contain line breaks. For a passphrase use {@link generateEd25519Async}.
 */
export function generateEd25519(commentOrOptions: string | Omit<GenerateOptions, 'passphrase'>): GeneratedKeyPair {
  const comment = typeof commentOrOptions === 'string' ? commentOrOptions : commentOrOptions.comment;
  const key = newKey(comment);
  return describe(key, formatOpenssh(key));
}

/**
 * Generates an ed25519 key pair; with a non-empty `passphrase` the private key is written
 * encrypted, as `ssh-keygen -N` would (bcrypt_pbkdf runs in a worker thread, about a
 * second at the default 16 rounds). Without one, the same as {@link generateEd25519}.
 */
export async function generateEd25519Async(options: GenerateOptions): Promise<GeneratedKeyPair> {
  const key = newKey(options.comment);
  if (!options.passphrase) return describe(key, formatOpenssh(key));
  return describe(key, await writeEncrypted(key, options.passphrase, options.rounds));
}

/** The key types generated here (`keypairs.keyType`). */
export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export const KEY_TYPES: readonly KeyType[] = ['ed25519', 'ecdsa', 'rsa'];

/** Bits of a generated RSA key: what `ssh-keygen -t rsa` has written since OpenSSH 9.5 (3072 before). */
export const RSA_BITS = 4096;

/**
 * Generates a key pair of `type` (ed25519; ecdsa = NIST P-256; rsa = 4096 bits) off the main
 * thread, in OpenSSH's format, encrypted when `passphrase` is not empty (as `ssh-keygen -N`).
 */
export async function generateKey(type: KeyType, options: GenerateOptions): Promise<GeneratedKeyPair> {
  checkComment(options.comment);
  const keyObject = await newKeyObject(type);
  const key: SshPrivateKey = { ...fromKeyObject(keyObject), comment: options.comment };
  if (!options.passphrase) return describe(key, formatOpenssh(key));
  return describe(key, await writeEncrypted(key, options.passphrase, options.rounds));
}

function newKeyObject(type: KeyType): Promise<KeyObject> {
  const done =
    (resolve: (k: KeyObject) => void, reject: (e: Error) => void) =>
    (err: Error | null, _pub: KeyObject, priv: KeyObject) => (err ? reject(err) : resolve(priv));
  return new Promise((resolve, reject) => {
    if (type === 'rsa')
      generateKeyPair('rsa', { modulusLength: RSA_BITS, publicExponent: 0x10001 }, done(resolve, reject));
    else if (type === 'ecdsa') generateKeyPair('ec', { namedCurve: 'P-256' }, done(resolve, reject));
    else generateKeyPair('ed25519', undefined, done(resolve, reject));
  });
}

function checkComment(comment: string): void {
  if (/[\r\n\0]/.test(comment)) throw new Error('The key comment must be a single line.');
}

function newKey(comment: string): SshPrivateKey {
  if (/[\r\n\0]/.test(comment)) throw new Error('The key comment must be a single line.');
  return { ...fromKeyObject(generateKeyPairSync('ed25519').privateKey), comment };
}

function describe(key: SshPrivateKey, privateKey: string): GeneratedKeyPair {
  return {
    privateKey,
    publicKey: publicKeyLine(key, key.comment),
    fingerprint: md5Fingerprint(key.publicBlob),
    sha256: sha256Fingerprint(key.publicBlob),
  };
}
