/**
 * Parsing and validation of one OpenSSH public key line (`type base64 comment`),
 * as pasted by a user or read from a `.pub` file, before it is uploaded to Nova.
 */
import { createPublicKey } from 'node:crypto';
import { redactText } from '../base/redact';
import { SshReader, WireError, bitLength } from './sshWire';
import { UserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

/** Key types accepted for upload. */
export type PublicKeyType =
  'ssh-rsa' | 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';

/** A validated public key. */
export interface PublicKeyInfo {
  type: PublicKeyType;
  /** The decoded key blob (what fingerprints hash). */
  blob: Buffer;
  /** Comment after the key data, trimmed; `''` if none. */
  comment: string;
  /** Key size: RSA modulus bits, 256 for ed25519, the curve size for ECDSA. */
  bits: number;
  /** Normalized line: `type base64 comment` (or `type base64` without a comment), no newline. */
  line: string;
}

/** A public key that can't be used; `message` is meant for the user. */
export class PublicKeyError extends UserSafeError {
  override name = 'PublicKeyError';

  constructor(message: string) {
    super(redactText(message));
  }
}

const MIN_RSA_BITS = 1024;
const MAX_RSA_BITS = 16384;

const CURVES = {
  'ecdsa-sha2-nistp256': { curve: 'nistp256', jwk: 'P-256', bits: 256, coordinate: 32 },
  'ecdsa-sha2-nistp384': { curve: 'nistp384', jwk: 'P-384', bits: 384, coordinate: 48 },
  'ecdsa-sha2-nistp521': { curve: 'nistp521', jwk: 'P-521', bits: 521, coordinate: 66 },
} as const;

const KEY_TYPE = /^(?:ssh|ecdsa|sk|rsa|x509v3)-[A-Za-z0-9@._-]+$/;

/** Where the text comes from: typed or read by the user (lenient about blanks), or a server's answer (strict). */
export type PublicKeySource = 'user' | 'server';

/**
 * Characters no public key line holds: C0 controls but the tab, DEL, C1 controls, line and
 * paragraph separators, invisible zero-width marks (and a BOM inside the text), and the bidi
 * controls that reorder what a reader sees.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHAR = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;

/**
 * Parses one OpenSSH public key and validates the key data completely. Throws
 * {@link PublicKeyError} with a user-readable message for anything else: private keys,
 * other formats, authorized_keys options, unsupported types, bad base64, type mismatches,
 * damaged key data, several lines, and control characters (NUL, escape, bidi controls).
 * From the user (default), a BOM, surrounding blanks and a trailing newline or CRLF are fine.
 * From a `server`, the text must be exactly the line (one trailing `\n` at most): no `\r`,
 * no second line, no blanks around it.
 */
export function parsePublicKey(text: string, source: PublicKeySource = 'user'): PublicKeyInfo {
  const trimmed = source === 'server' ? text.replace(/\n$/, '') : text.replace(/^\uFEFF/, '').trim();
  if (trimmed.trim() === '') throw new PublicKeyError(l10n.t('The public key is empty.'));
  rejectOtherFormats(trimmed);
  if (/[\r\n]/.test(trimmed))
    throw new PublicKeyError(l10n.t('Expected one public key on a single line, but the text has several lines.'));
  if (FORBIDDEN_CHAR.test(trimmed)) {
    throw new PublicKeyError(l10n.t('The public key holds control characters (such as NUL, escape or bidi controls).'));
  }
  if (trimmed !== trimmed.trim()) throw new PublicKeyError(l10n.t('The public key line starts or ends with blanks.'));

  const [, type = '', data = '', rest = ''] = /^(\S+)(?:\s+(\S+))?(?:\s+(.*))?$/.exec(trimmed) ?? [];
  if (!KEY_TYPE.test(type)) {
    if (/(?:^|\s)(?:ssh|ecdsa|sk)-\S+\s+AAAA/.test(trimmed)) {
      throw new PublicKeyError(
        l10n.t('The line starts with authorized_keys options. Paste only the key: "ssh-ed25519 AAAA… comment".'),
      );
    }
    throw new PublicKeyError(l10n.t('Not an OpenSSH public key: expected "ssh-ed25519 AAAA… comment".'));
  }
  if (!isSupported(type)) {
    throw new PublicKeyError(l10n.t('The key type "{0}" is not supported. Use ed25519, RSA or ECDSA.', type));
  }
  if (data === '') throw new PublicKeyError(l10n.t('The key data is missing after "{0}".', type));

  const blob = decodeBase64(data);
  const bits = validateBlob(type, blob);
  const comment = rest.trim();
  const base = `${type} ${blob.toString('base64')}`;
  return { type, blob, comment, bits, line: comment ? `${base} ${comment}` : base };
}

function isSupported(type: string): type is PublicKeyType {
  return type === 'ssh-rsa' || type === 'ssh-ed25519' || type in CURVES;
}

function rejectOtherFormats(text: string): void {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text) || /^PuTTY-User-Key-File-/m.test(text)) {
    throw new PublicKeyError(
      l10n.t('This is a PRIVATE key. Never upload or share it; use the matching public key (usually the ".pub" file).'),
    );
  }
  if (text.startsWith('---- BEGIN SSH2 PUBLIC KEY ----')) {
    throw new PublicKeyError(
      l10n.t('This is an SSH2 (RFC 4716) public key. Convert it with "ssh-keygen -i -f FILE" and paste the result.'),
    );
  }
  if (/^-----BEGIN (?:RSA )?PUBLIC KEY-----/.test(text)) {
    throw new PublicKeyError(
      l10n.t('This is a PEM public key. Convert it with "ssh-keygen -i -m PKCS8 -f FILE" and paste the result.'),
    );
  }
}

function decodeBase64(data: string): Buffer {
  const blob = Buffer.from(data, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0 || blob.toString('base64') !== data) {
    throw new PublicKeyError(l10n.t('The key data is not valid base64.'));
  }
  return blob;
}

/** Checks the blob's structure and returns the key size in bits. */
function validateBlob(type: PublicKeyType, blob: Buffer): number {
  const reader = new SshReader(blob);
  try {
    const inner = reader.text();
    if (inner !== type) {
      throw new PublicKeyError(l10n.t('The key data says "{0}" but the line says "{1}".', inner, type));
    }
    const bits =
      type === 'ssh-rsa' ? readRsa(reader) : type === 'ssh-ed25519' ? readEd25519(reader) : readEcdsa(reader, type);
    reader.end();
    return bits;
  } catch (err) {
    if (err instanceof WireError) throw damaged(err.message);
    throw err;
  }
}

function readRsa(reader: SshReader): number {
  const e = reader.mpint();
  const n = reader.mpint();
  if (bitLength(e) < 2 || ((e.at(-1) ?? 0) & 1) === 0) throw damaged(l10n.t('the RSA exponent is invalid'));
  if (((n.at(-1) ?? 0) & 1) === 0) throw damaged(l10n.t('the RSA modulus is invalid'));
  const bits = bitLength(n);
  if (bits < MIN_RSA_BITS) {
    throw new PublicKeyError(
      l10n.t(
        'The RSA key has only {0} bits; at least {1} are required (3072 or more recommended).',
        bits,
        MIN_RSA_BITS,
      ),
    );
  }
  if (bits > MAX_RSA_BITS)
    throw new PublicKeyError(l10n.t('The RSA key has {0} bits; at most {1} are supported.', bits, MAX_RSA_BITS));
  return bits;
}

function readEd25519(reader: SshReader): number {
  const key = reader.string();
  if (key.length !== 32) throw damaged(l10n.t('the ed25519 key is {0} bytes instead of 32', key.length));
  return 256;
}

function readEcdsa(reader: SshReader, type: keyof typeof CURVES): number {
  const spec = CURVES[type];
  const curve = reader.text();
  if (curve !== spec.curve) throw damaged(l10n.t('the curve is "{0}" but the key type says "{1}"', curve, spec.curve));
  const point = reader.string();
  if (point.length !== 1 + 2 * spec.coordinate || point[0] !== 0x04) {
    throw damaged(l10n.t('the {0} point has the wrong length or format', spec.curve));
  }
  const x = point.subarray(1, 1 + spec.coordinate).toString('base64url');
  const y = point.subarray(1 + spec.coordinate).toString('base64url');
  try {
    createPublicKey({ key: { kty: 'EC', crv: spec.jwk, x, y }, format: 'jwk' });
  } catch {
    throw damaged(l10n.t('the point is not on the {0} curve', spec.curve));
  }
  return spec.bits;
}

function damaged(detail: string): PublicKeyError {
  return new PublicKeyError(l10n.t('The key data is damaged ({0}).', detail));
}
