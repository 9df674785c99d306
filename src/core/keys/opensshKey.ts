/**
 * Private keys in OpenSSH's own format (`openssh-key-v1`, OpenSSH PROTOCOL.key), as
 * `ssh-keygen` writes them: unencrypted (cipher and kdf "none") or protected by a
 * passphrase (cipher "aes256-ctr", kdf "bcrypt" with a 16-byte salt and 16 rounds by
 * default). Reads those and unencrypted PEM keys (PKCS#1 RSA as Nova returns it, PKCS#8,
 * SEC1 EC), so a server-generated key can be encrypted locally before it is saved.
 *
 * Every key goes through node:crypto's KeyObject and its JWK components, so RSA, ed25519
 * and ECDSA share one writer. The passphrase never appears in an error.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createPrivateKey,
  createPublicKey,
  JsonWebKey,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { bcryptPbkdf } from './bcryptPbkdf';
import { PublicKeyType, parsePublicKey } from './publicKey';
import { SshReader, WireError, encodeMpint, encodeString, encodeUint32 } from './sshWire';
import { CodedUserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

/** Kind of a {@link PrivateKeyError}. */
export type PrivateKeyErrorCode =
  'not-a-key' | 'unsupported' | 'encrypted' | 'wrong-passphrase' | 'empty-passphrase' | 'damaged';

/** A private key that can't be read or written; `message` is meant for the user and never holds a passphrase. */
export class PrivateKeyError extends CodedUserSafeError<PrivateKeyErrorCode> {
  override name = 'PrivateKeyError';
}

/** A private key in SSH terms. */
export interface SshPrivateKey {
  type: PublicKeyType;
  /** The public key blob (what fingerprints hash). */
  publicBlob: Buffer;
  /**
   * The private fields after the key type, SSH-encoded, in the order both PROTOCOL.key and
   * the agent protocol use: ed25519 `pub, seed‖pub`; RSA `n, e, d, iqmp, p, q`;
   * ECDSA `curve, Q, d`.
   */
  fields: Buffer;
  /** The comment stored with the key (`''` for PEM input). */
  comment: string;
}

/** Options for writing a passphrase-protected key. */
export interface EncryptOptions {
  /** bcrypt_pbkdf rounds; 16 (ssh-keygen's default) unless given; 1 to 1024. */
  rounds?: number;
}

/** ssh-keygen's default bcrypt_pbkdf round count (`ssh-keygen -a`). */
export const DEFAULT_KDF_ROUNDS = 16;
const MAX_KDF_ROUNDS = 1024;
const SALT_LENGTH = 16;
const CIPHER = 'aes256-ctr';
const KEY_LENGTH = 32;
const IV_LENGTH = 16;
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';

const CURVES = {
  'P-256': { type: 'ecdsa-sha2-nistp256', name: 'nistp256', size: 32 },
  'P-384': { type: 'ecdsa-sha2-nistp384', name: 'nistp384', size: 48 },
  'P-521': { type: 'ecdsa-sha2-nistp521', name: 'nistp521', size: 66 },
} as const;
type Curve = keyof typeof CURVES;

/**
 * Converts an unencrypted PEM or OpenSSH private key to OpenSSH's format, protected by
 * `passphrase` (aes256-ctr, bcrypt_pbkdf with a fresh 16-byte salt), with `comment`
 * (single line) stored inside. The key derivation runs in a worker thread (about a second).
 * Throws {@link PrivateKeyError}: `empty-passphrase`, `encrypted` (input already has a
 * passphrase), `not-a-key`, `unsupported`, `damaged`.
 */
export async function encryptPrivateKey(
  privateKey: string,
  passphrase: string,
  comment: string,
  options: EncryptOptions = {},
): Promise<string> {
  if (passphrase === '') throw new PrivateKeyError('empty-passphrase', l10n.t('The passphrase is empty.'));
  const key = readPrivateKey(privateKey);
  return writeEncrypted({ ...key, comment: checkComment(comment) }, passphrase, options.rounds ?? DEFAULT_KDF_ROUNDS);
}

/**
 * Converts an unencrypted PEM or OpenSSH private key to unencrypted OpenSSH format with
 * `comment` inside (what `ssh-keygen -p -N ''` would leave). Throws {@link PrivateKeyError}.
 */
export function toOpensshPrivateKey(privateKey: string, comment: string): string {
  return formatOpenssh({ ...readPrivateKey(privateKey), comment: checkComment(comment) });
}

/** The OpenSSH public key line of `key`: `type base64 comment` (no comment part if empty). */
export function publicKeyLine(key: Pick<SshPrivateKey, 'type' | 'publicBlob'>, comment: string): string {
  const base = `${key.type} ${key.publicBlob.toString('base64')}`;
  return comment ? `${base} ${comment}` : base;
}

/**
 * Reads an unencrypted private key: OpenSSH format (cipher "none") or PEM (PKCS#1 RSA,
 * PKCS#8, SEC1 EC). An OpenSSH key with a passphrase needs {@link decryptPrivateKey}.
 * Throws {@link PrivateKeyError}.
 */
export function readPrivateKey(text: string): SshPrivateKey {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith(BEGIN)) {
    const parsed = parseOpenssh(trimmed);
    if (parsed.cipher !== 'none') {
      throw new PrivateKeyError('encrypted', l10n.t('The private key is protected by a passphrase.'));
    }
    return readSection(parsed.section, 8, parsed.publicBlob);
  }
  if (/^-----BEGIN (?:RSA |EC )?PRIVATE KEY-----/.test(trimmed)) {
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({ key: trimmed, format: 'pem' });
    } catch {
      throw new PrivateKeyError('damaged', l10n.t('The PEM private key is damaged.'));
    }
    return { ...fromKeyObject(keyObject), comment: '' };
  }
  if (/^-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(trimmed) || /Proc-Type: 4,ENCRYPTED/.test(trimmed)) {
    throw new PrivateKeyError('encrypted', l10n.t('The private key is protected by a passphrase.'));
  }
  throw new PrivateKeyError('not-a-key', l10n.t('Not a private key in OpenSSH or PEM format.'));
}

/**
 * Reads an OpenSSH private key protected by `passphrase` (aes256-ctr with bcrypt, as
 * ssh-keygen writes them), or an unencrypted one (the passphrase is then ignored).
 * Throws {@link PrivateKeyError}: `wrong-passphrase` if the check numbers don't match,
 * `encrypted` if the passphrase is empty but needed.
 */
export async function decryptPrivateKey(text: string, passphrase: string): Promise<SshPrivateKey> {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed.startsWith(BEGIN)) return readPrivateKey(trimmed);
  const parsed = parseOpenssh(trimmed);
  if (parsed.cipher === 'none') return readSection(parsed.section, 8, parsed.publicBlob);
  if (passphrase === '')
    throw new PrivateKeyError('encrypted', l10n.t('The private key is protected by a passphrase.'));
  const { salt, rounds } = parsed;
  if (salt === undefined || rounds === undefined || rounds < 1 || rounds > MAX_KDF_ROUNDS * 64) {
    throw new PrivateKeyError('damaged', l10n.t('The private key is damaged (key derivation options).'));
  }
  const derived = await derive(passphrase, salt, rounds);
  const decipher = createDecipheriv('aes-256-ctr', derived.subarray(0, KEY_LENGTH), derived.subarray(KEY_LENGTH));
  const section = Buffer.concat([decipher.update(parsed.section), decipher.final()]);
  derived.fill(0);
  if (section.length < 8 || section.readUInt32BE(0) !== section.readUInt32BE(4)) {
    section.fill(0);
    throw new PrivateKeyError('wrong-passphrase', l10n.t('The passphrase is wrong.'));
  }
  try {
    return readSection(section, IV_LENGTH, parsed.publicBlob);
  } finally {
    section.fill(0);
  }
}

/** Writes `key` in unencrypted OpenSSH format (armored, 70-column base64, trailing newline). */
export function formatOpenssh(key: SshPrivateKey): string {
  const section = privateSection(key, 8);
  return armor([encodeString('none'), encodeString('none'), encodeString('')], key.publicBlob, section);
}

/** Writes `key` in OpenSSH format protected by `passphrase` (see {@link encryptPrivateKey}). */
export async function writeEncrypted(
  key: SshPrivateKey,
  passphrase: string,
  rounds = DEFAULT_KDF_ROUNDS,
): Promise<string> {
  if (passphrase === '') throw new PrivateKeyError('empty-passphrase', l10n.t('The passphrase is empty.'));
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_KDF_ROUNDS) {
    throw new RangeError(`The key derivation rounds must be an integer from 1 to ${MAX_KDF_ROUNDS}.`);
  }
  const salt = randomBytes(SALT_LENGTH);
  const derived = await derive(passphrase, salt, rounds);
  const section = privateSection(key, IV_LENGTH);
  const cipher = createCipheriv('aes-256-ctr', derived.subarray(0, KEY_LENGTH), derived.subarray(KEY_LENGTH));
  const encrypted = Buffer.concat([cipher.update(section), cipher.final()]);
  section.fill(0);
  derived.fill(0);
  const kdfOptions = Buffer.concat([encodeString(salt), encodeUint32(rounds)]);
  return armor([encodeString(CIPHER), encodeString('bcrypt'), encodeString(kdfOptions)], key.publicBlob, encrypted);
}

/** The SSH form of a node:crypto private key (ed25519, RSA, ECDSA P-256/384/521); comment `''`. */
export function fromKeyObject(keyObject: KeyObject): Omit<SshPrivateKey, 'comment'> {
  if (keyObject.type !== 'private') throw new PrivateKeyError('not-a-key', l10n.t('Not a private key.'));
  const kind = keyObject.asymmetricKeyType;
  if (kind !== 'ed25519' && kind !== 'rsa' && kind !== 'ec') throw unsupportedType(kind ?? 'unknown');
  const jwk = keyObject.export({ format: 'jwk' });
  const part = (name: keyof JsonWebKey): Buffer => {
    const value = jwk[name];
    if (typeof value !== 'string') throw new PrivateKeyError('damaged', l10n.t('The private key is damaged.'));
    return Buffer.from(value, 'base64url');
  };
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const pub = part('x');
    const fields = Buffer.concat([encodeString(pub), encodeString(Buffer.concat([part('d'), pub]))]);
    return finish('ssh-ed25519', Buffer.concat([encodeString('ssh-ed25519'), encodeString(pub)]), fields);
  }
  if (jwk.kty === 'RSA') {
    const [n, e] = [part('n'), part('e')];
    const fields = Buffer.concat([n, e, part('d'), part('qi'), part('p'), part('q')].map(encodeMpint));
    return finish('ssh-rsa', Buffer.concat([encodeString('ssh-rsa'), encodeMpint(e), encodeMpint(n)]), fields);
  }
  if (jwk.kty === 'EC' && typeof jwk.crv === 'string' && jwk.crv in CURVES) {
    const curve = CURVES[jwk.crv as Curve];
    const point = Buffer.concat([Buffer.of(4), pad(part('x'), curve.size), pad(part('y'), curve.size)]);
    const head = Buffer.concat([encodeString(curve.name), encodeString(point)]);
    const blob = Buffer.concat([encodeString(curve.type), head]);
    return finish(curve.type, blob, Buffer.concat([head, encodeMpint(part('d'))]));
  }
  throw unsupportedType(`${kind} ${jwk.crv ?? ''}`.trim());
}

function unsupportedType(type: string): PrivateKeyError {
  return new PrivateKeyError(
    'unsupported',
    l10n.t('The key type "{0}" is not supported. Use ed25519, RSA or ECDSA.', type),
  );
}

/** Validates the public half through the public-key parser (RSA size limits, curve points). */
function finish(type: PublicKeyType, publicBlob: Buffer, fields: Buffer): Omit<SshPrivateKey, 'comment'> {
  try {
    parsePublicKey(`${type} ${publicBlob.toString('base64')}`);
  } catch (err) {
    throw new PrivateKeyError('unsupported', err instanceof Error ? err.message : l10n.t('The key is not supported.'));
  }
  return { type, publicBlob, fields };
}

function pad(value: Buffer, size: number): Buffer {
  if (value.length > size) throw new PrivateKeyError('damaged', l10n.t('The private key is damaged.'));
  return Buffer.concat([Buffer.alloc(size - value.length), value]);
}

function checkComment(comment: string): string {
  if (/[\r\n\0]/.test(comment)) throw new Error('The key comment must be a single line.');
  return comment;
}

async function derive(passphrase: string, salt: Buffer, rounds: number): Promise<Buffer> {
  const bytes = Buffer.from(passphrase, 'utf8');
  try {
    return await bcryptPbkdf(bytes, salt, rounds, KEY_LENGTH + IV_LENGTH);
  } finally {
    bytes.fill(0);
  }
}

/** checkint ×2, type, fields, comment, padding 1, 2, 3… to `blockSize`. */
function privateSection(key: SshPrivateKey, blockSize: number): Buffer {
  const checkint = randomBytes(4);
  const unpadded = Buffer.concat([checkint, checkint, encodeString(key.type), key.fields, encodeString(key.comment)]);
  const padLength = (blockSize - (unpadded.length % blockSize)) % blockSize;
  return Buffer.concat([unpadded, Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1))]);
}

function armor(header: Buffer[], publicBlob: Buffer, section: Buffer): string {
  const body = Buffer.concat([MAGIC, ...header, encodeUint32(1), encodeString(publicBlob), encodeString(section)]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return [BEGIN, ...lines, END, ''].join('\n');
}

interface ParsedOpenssh {
  cipher: 'none' | typeof CIPHER;
  salt?: Buffer;
  rounds?: number;
  publicBlob: Buffer;
  section: Buffer;
}

function parseOpenssh(text: string): ParsedOpenssh {
  const end = text.indexOf(END);
  if (end < 0) throw new PrivateKeyError('damaged', l10n.t('The private key is incomplete (no END line).'));
  const base64 = text.slice(BEGIN.length, end).replace(/\s/g, '');
  const body = Buffer.from(base64, 'base64');
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new PrivateKeyError('damaged', l10n.t('The private key is damaged.'));
  }
  return wire(() => {
    const reader = new SshReader(body.subarray(MAGIC.length));
    const cipher = reader.text();
    const kdf = reader.text();
    const kdfOptions = reader.string();
    if (reader.uint32() !== 1) throw new PrivateKeyError('unsupported', l10n.t('The file holds more than one key.'));
    const publicBlob = reader.string();
    const section = reader.string();
    reader.end();
    if (cipher === 'none' && kdf === 'none') return { cipher, publicBlob, section };
    if (cipher !== CIPHER || kdf !== 'bcrypt') {
      const used = `${cipher}/${kdf}`;
      const message = l10n.t('Keys encrypted with {0} are not supported (only aes256-ctr/bcrypt).', used);
      throw new PrivateKeyError('unsupported', message);
    }
    if (section.length % IV_LENGTH !== 0) throw new WireError(l10n.t('the encrypted part has a wrong length'));
    const options = new SshReader(kdfOptions);
    const salt = Buffer.from(options.string());
    const rounds = options.uint32();
    options.end();
    return { cipher, salt, rounds, publicBlob, section };
  });
}

/** Parses a decrypted private section and checks it against the file's public blob. */
function readSection(section: Buffer, blockSize: number, publicBlob: Buffer): SshPrivateKey {
  return readSectionWithKey(section, blockSize, publicBlob).key;
}

/**
 * The KeyObject of an unencrypted OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`),
 * checked as {@link readPrivateKey} checks it: one key, its parts fit together, padding, and
 * the public key in the file matches the private part. Throws {@link PrivateKeyError}.
 */
export function opensshKeyObject(text: string): KeyObject {
  const parsed = parseOpenssh(text.replace(/^\uFEFF/, '').trim());
  if (parsed.cipher !== 'none') {
    throw new PrivateKeyError('encrypted', l10n.t('The private key is protected by a passphrase.'));
  }
  return readSectionWithKey(parsed.section, 8, parsed.publicBlob).keyObject;
}

function readSectionWithKey(
  section: Buffer,
  blockSize: number,
  publicBlob: Buffer,
): { key: SshPrivateKey; keyObject: KeyObject } {
  return wire(() => {
    if (section.length % blockSize !== 0) throw new WireError(l10n.t('the private part has a wrong length'));
    const reader = new SshReader(section);
    if (reader.uint32() !== reader.uint32()) throw new WireError(l10n.t('the check numbers differ'));
    const type = reader.text();
    const keyObject = keyObjectFromFields(type, reader);
    const comment = reader.string().toString('utf8');
    const padding = reader.rest();
    if (!padding.every((byte, i) => byte === i + 1) || padding.length >= blockSize)
      throw new WireError(l10n.t('bad padding'));
    const key = fromKeyObject(keyObject);
    if (key.type !== type || !key.publicBlob.equals(publicBlob)) {
      throw new PrivateKeyError('damaged', l10n.t('The private key is damaged (its public key does not match).'));
    }
    return { key: { ...key, comment }, keyObject };
  });
}

/** Reads the private fields of `type` and builds a KeyObject, checking that its parts fit together. */
function keyObjectFromFields(type: string, reader: SshReader): KeyObject {
  const b64 = (value: Buffer): string => value.toString('base64url');
  if (type === 'ssh-ed25519') {
    const pub = reader.string();
    const secret = reader.string();
    if (pub.length !== 32 || secret.length !== 64 || !secret.subarray(32).equals(pub)) {
      throw new WireError(l10n.t('the ed25519 key has the wrong size'));
    }
    const jwk = { kty: 'OKP', crv: 'Ed25519', d: b64(secret.subarray(0, 32)), x: b64(pub) };
    return checkedKey(jwk, pub);
  }
  if (type === 'ssh-rsa') {
    const [n, e, d, iqmp, p, q] = [
      reader.mpint(),
      reader.mpint(),
      reader.mpint(),
      reader.mpint(),
      reader.mpint(),
      reader.mpint(),
    ];
    const [bn, be, bd, bi, bp, bq] = [toBigInt(n), toBigInt(e), toBigInt(d), toBigInt(iqmp), toBigInt(p), toBigInt(q)];
    const fits = bp > 2n && bq > 2n && bp * bq === bn && (bi * bq) % bp === 1n;
    const inverse = fits && (be * bd) % (bp - 1n) === 1n && (be * bd) % (bq - 1n) === 1n;
    if (!inverse) throw new WireError(l10n.t('the RSA parts do not fit together'));
    const jwk = {
      kty: 'RSA',
      ...{ n: b64(n), e: b64(e), d: b64(d), p: b64(p), q: b64(q), qi: b64(iqmp) },
      ...{ dp: b64(fromBigInt(bd % (bp - 1n))), dq: b64(fromBigInt(bd % (bq - 1n))) },
    };
    return checkedKey(jwk);
  }
  const curve = Object.entries(CURVES).find(([, spec]) => spec.type === type);
  if (curve) {
    const [crv, spec] = curve;
    if (reader.text() !== spec.name) throw new WireError(l10n.t('the curve does not match the key type'));
    const point = reader.string();
    const d = reader.mpint();
    if (point.length !== 1 + 2 * spec.size || point[0] !== 4 || d.length > spec.size)
      throw new WireError(l10n.t('bad EC key'));
    const x = b64(point.subarray(1, 1 + spec.size));
    const y = b64(point.subarray(1 + spec.size));
    const jwk = { kty: 'EC', crv, x, y, d: b64(pad(d, spec.size)) };
    return checkedKey(jwk, point);
  }
  throw unsupportedType(type);
}

/**
 * Imports a private JWK; with `publicKey` (ed25519 raw key or EC point), checks it is the
 * one the private key derives (node:crypto would take a mismatched pair as given).
 */
function checkedKey(jwk: JsonWebKey, publicKey?: Buffer): KeyObject {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch {
    throw new WireError(l10n.t('the key parts are invalid'));
  }
  if (publicKey && !derivedPublic(jwk).equals(publicKey)) throw new WireError(l10n.t('the public key does not match'));
  return keyObject;
}

/** The public key derived from the private scalar or seed alone. */
function derivedPublic(jwk: JsonWebKey): Buffer {
  const d = Buffer.from(jwk.d ?? '', 'base64url');
  if (jwk.kty === 'OKP') {
    // PKCS#8 of an ed25519 seed: a fixed 16-byte header, then the 32-byte seed (RFC 8410).
    const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), d]);
    const onlySeed = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return Buffer.from(createPublicKey(onlySeed).export({ format: 'jwk' }).x ?? '', 'base64url');
  }
  const ecdh = createECDH(OPENSSL_CURVES[jwk.crv as Curve]);
  ecdh.setPrivateKey(d);
  return ecdh.getPublicKey();
}

const OPENSSL_CURVES: Record<Curve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

function toBigInt(value: Buffer): bigint {
  return value.length === 0 ? 0n : BigInt(`0x${value.toString('hex')}`);
}

function fromBigInt(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

/** Runs a parser, turning WireErrors into `damaged` PrivateKeyErrors. */
function wire<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof WireError)
      throw new PrivateKeyError('damaged', l10n.t('The private key is damaged ({0}).', err.message));
    throw err;
  }
}
