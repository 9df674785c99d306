// SSH key helpers for the emulator: RSA generation in Nova's output format,
// OpenSSH public-key parsing/validation and MD5 fingerprints. Node built-ins only.
import * as crypto from 'node:crypto';
import { must } from '../support/must';

export interface GeneratedKeyPair {
  privateKey: string; // PKCS#1 PEM, trailing newline
  publicKey: string; // `ssh-rsa AAAA… Generated-by-Nova`
  fingerprint: string; // md5, colon-separated lowercase hex
}

export interface ParsedPublicKey {
  type: string;
  blob: Buffer;
  fingerprint: string;
}

export function sshString(data: Buffer | string): Buffer {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length, 0);
  return Buffer.concat([len, buf]);
}

/** SSH mpint of an unsigned big-endian magnitude. */
export function sshMpint(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  let b = magnitude.subarray(i);
  if (b.length > 0 && (b.readUInt8(0) & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

export function md5Fingerprint(blob: Buffer): string {
  const hex = crypto.createHash('md5').update(blob).digest('hex');
  const parts: string[] = [];
  for (let i = 0; i < hex.length; i += 2) parts.push(hex.slice(i, i + 2));
  return parts.join(':');
}

export function rsaBlobFromJwk(n: string, e: string): Buffer {
  return Buffer.concat([
    sshString('ssh-rsa'),
    sshMpint(Buffer.from(e, 'base64url')),
    sshMpint(Buffer.from(n, 'base64url')),
  ]);
}

/** RSA 2048 the way Nova hands it out. */
export function generateRsaKeyPair(bits = 2048): Promise<GeneratedKeyPair> {
  return new Promise((resolve, reject) => {
    crypto.generateKeyPair('rsa', { modulusLength: bits, publicExponent: 0x10001 }, (err, publicKey, privateKey) => {
      if (err) {
        reject(err);
        return;
      }
      try {
        const jwk = publicKey.export({ format: 'jwk' });
        if (!jwk.n || !jwk.e) throw new Error('RSA JWK without n/e');
        const blob = rsaBlobFromJwk(jwk.n, jwk.e);
        let pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
        if (!pem.endsWith('\n')) pem += '\n';
        resolve({
          privateKey: pem,
          publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`,
          fingerprint: md5Fingerprint(blob),
        });
      } catch (e) {
        reject(e);
      }
    });
  });
}

class BlobReader {
  private off = 0;
  constructor(private readonly buf: Buffer) {}
  readString(): Buffer | undefined {
    if (this.off + 4 > this.buf.length) return undefined;
    const len = this.buf.readUInt32BE(this.off);
    if (this.off + 4 + len > this.buf.length) return undefined;
    const out = this.buf.subarray(this.off + 4, this.off + 4 + len);
    this.off += 4 + len;
    return out;
  }
  atEnd(): boolean {
    return this.off === this.buf.length;
  }
}

const EC_CURVES: Record<string, { curve: string; jwkCrv: string; coordLen: number }> = {
  'ecdsa-sha2-nistp256': { curve: 'nistp256', jwkCrv: 'P-256', coordLen: 32 },
  'ecdsa-sha2-nistp384': { curve: 'nistp384', jwkCrv: 'P-384', coordLen: 48 },
  'ecdsa-sha2-nistp521': { curve: 'nistp521', jwkCrv: 'P-521', coordLen: 66 },
};

export const SUPPORTED_KEY_TYPES = ['ssh-rsa', 'ssh-ed25519', ...Object.keys(EC_CURVES)];

function stripMagnitude(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * Parses one OpenSSH public key line (`type base64 [comment]`). Returns undefined when the
 * line is not a well-formed key of a supported type (Nova answers 400
 * "Keypair data is invalid: failed to generate fingerprint").
 */
export function parseOpenSshPublicKey(line: string): ParsedPublicKey | undefined {
  const m = /^(\S+)[ \t]+(\S+)/.exec(line);
  if (!m) return undefined;
  const type = must(m[1], 'the key type');
  const b64 = must(m[2], 'the key data');
  if (!SUPPORTED_KEY_TYPES.includes(type)) return undefined;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const blob = Buffer.from(b64, 'base64');
  const r = new BlobReader(blob);
  const inner = r.readString();
  if (!inner || inner.toString('latin1') !== type) return undefined;
  try {
    if (type === 'ssh-rsa') {
      const e = r.readString();
      const n = r.readString();
      if (!e || !n || !r.atEnd() || e.length === 0 || n.length < 2) return undefined;
      if ((e.readUInt8(0) & 0x80) !== 0 || (n.readUInt8(0) & 0x80) !== 0) return undefined; // negative mpint
      crypto.createPublicKey({
        key: { kty: 'RSA', n: stripMagnitude(n).toString('base64url'), e: stripMagnitude(e).toString('base64url') },
        format: 'jwk',
      });
    } else if (type === 'ssh-ed25519') {
      const pk = r.readString();
      if (!pk || pk.length !== 32 || !r.atEnd()) return undefined;
    } else {
      const info = EC_CURVES[type];
      if (!info) return undefined;
      const curve = r.readString();
      const q = r.readString();
      if (!curve || !q || !r.atEnd() || curve.toString('latin1') !== info.curve) return undefined;
      if (q.length !== 1 + 2 * info.coordLen || q.readUInt8(0) !== 4) return undefined;
      crypto.createPublicKey({
        key: {
          kty: 'EC',
          crv: info.jwkCrv,
          x: q.subarray(1, 1 + info.coordLen).toString('base64url'),
          y: q.subarray(1 + info.coordLen).toString('base64url'),
        },
        format: 'jwk',
      });
    }
  } catch {
    return undefined;
  }
  return { type, blob, fingerprint: md5Fingerprint(blob) };
}

/** Cheap, deterministic, syntactically valid ssh-ed25519 key (for seeding big accounts). */
export function derivedEd25519PublicKey(
  seed: string,
  comment = 'seeded-by-emulator',
): { publicKey: string; fingerprint: string } {
  const pk = crypto.createHash('sha256').update(seed).digest();
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pk)]);
  return { publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, fingerprint: md5Fingerprint(blob) };
}
