/**
 * Local ed25519 key generation, written in OpenSSH's own private key format
 * (`openssh-key-v1`, see OpenSSH PROTOCOL.key), unencrypted.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { encodeString, encodeUint32 } from './sshWire';
import { md5Fingerprint } from './fingerprint';

/** A freshly generated key pair. */
export interface GeneratedKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` armored key, 70-column base64, trailing newline. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` (no comment part if `comment` is empty), no trailing newline. */
  publicKey: string;
  /** MD5 fingerprint of the public key (`aa:bb:…`), as Nova reports it. */
  fingerprint: string;
}

const KEY_TYPE = 'ssh-ed25519';
const AUTH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
/** Block size used to pad the private section when the cipher is "none". */
const BLOCK_SIZE = 8;

/**
 * Generates an ed25519 key pair. `comment` ends up in both keys (typically the key pair
 * name); it must not contain line breaks.
 */
export function generateEd25519(comment: string): GeneratedKeyPair {
  if (/[\r\n\0]/.test(comment)) throw new Error('The key comment must be a single line.');

  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const pub = Buffer.from(jwk.x!, 'base64url');
  const blob = Buffer.concat([encodeString(KEY_TYPE), encodeString(pub)]);

  const checkint = randomBytes(4);
  const unpadded = Buffer.concat([
    checkint,
    checkint,
    encodeString(KEY_TYPE),
    encodeString(pub),
    encodeString(Buffer.concat([seed, pub])),
    encodeString(comment),
  ]);
  const padLength = (BLOCK_SIZE - (unpadded.length % BLOCK_SIZE)) % BLOCK_SIZE;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));

  const body = Buffer.concat([
    AUTH_MAGIC,
    encodeString('none'), // cipher
    encodeString('none'), // kdf
    encodeString(''), // kdf options
    encodeUint32(1), // number of keys
    encodeString(blob),
    encodeString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g)!;
  const privateKey = ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n');

  const base = `${KEY_TYPE} ${blob.toString('base64')}`;
  return { privateKey, publicKey: comment ? `${base} ${comment}` : base, fingerprint: md5Fingerprint(blob) };
}
