/**
 * Key fingerprints in the formats `ssh-keygen -l` prints (and Nova stores: MD5).
 */
import { createHash } from 'node:crypto';
import { parsePublicKey } from './publicKey';

/**
 * MD5 fingerprint as lowercase colon-separated hex (`aa:bb:…`), as Nova reports it and
 * as `ssh-keygen -E md5 -lf` prints it without the `MD5:` prefix.
 * Takes a public key line (validated with `parsePublicKey`, which may throw
 * `PublicKeyError`) or the decoded key blob.
 */
export function md5Fingerprint(publicKeyLineOrBlob: string | Buffer): string {
  const hex = createHash('md5').update(toBlob(publicKeyLineOrBlob)).digest('hex');
  return hex.replace(/(..)(?!$)/g, '$1:');
}

/** SHA-256 fingerprint, `SHA256:` + unpadded base64, as `ssh-keygen -lf` prints it. Same input as {@link md5Fingerprint}. */
export function sha256Fingerprint(publicKeyLineOrBlob: string | Buffer): string {
  const digest = createHash('sha256').update(toBlob(publicKeyLineOrBlob)).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/**
 * Both fingerprints of a key, for showing side by side: `md5` as Nova reports it
 * (`aa:bb:…`) and `sha256` as `ssh-keygen -l` prints it (`SHA256:…`). Same input as
 * {@link md5Fingerprint}.
 */
export function fingerprints(publicKeyLineOrBlob: string | Buffer): { md5: string; sha256: string } {
  const blob = toBlob(publicKeyLineOrBlob);
  return { md5: md5Fingerprint(blob), sha256: sha256Fingerprint(blob) };
}

function toBlob(input: string | Buffer): Buffer {
  return typeof input === 'string' ? parsePublicKey(input).blob : input;
}
