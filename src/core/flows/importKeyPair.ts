/**
 * Import Public Key without UI: the key is read and checked here (a malformed key never
 * reaches the server), then sent under the chosen name; the server's fingerprint is
 * compared with the one computed here. No `vscode` import.
 */
import type { ComputeClient, KeyPair } from '../api/compute';
import { ApiError } from '../api/errors';
import { md5Fingerprint } from '../keys/fingerprint';
import { parsePublicKey, PublicKeyInfo } from '../keys/publicKey';
import { readPublicKeyFile } from '../keys/localKeys';

export interface ImportResult {
  keyPair: KeyPair;
  /** MD5 fingerprint computed here from the key sent. */
  localFingerprint: string;
  /** True when the server's fingerprint is the one computed here. */
  matches: boolean;
}

/** Reads and validates a public key file; throws PublicKeyError (for the user) or an fs error. */
export async function loadPublicKey(file: string): Promise<PublicKeyInfo> {
  return parsePublicKey(await readPublicKeyFile(file));
}

/** Time allowed for looking up the pair after an import whose answer was lost. */
const CHECK_TIMEOUT_MS = 20_000;

/**
 * Sends `key` as key pair `name`. Throws ApiError as ComputeClient.create does (409: name
 * taken). The POST is never resent: when its answer is lost (ambiguous failure: timeout,
 * broken connection, cancel in flight, unreadable answer) the pair is looked up, and if it
 * holds this very key the import did happen.
 */
export async function importKeyPair(options: {
  compute: Pick<ComputeClient, 'create' | 'get'>;
  name: string;
  key: PublicKeyInfo;
  signal?: AbortSignal;
}): Promise<ImportResult> {
  const localFingerprint = md5Fingerprint(options.key.blob);
  let keyPair: KeyPair;
  try {
    keyPair = await options.compute.create(options.name, { publicKey: options.key.line, signal: options.signal });
  } catch (err) {
    if (!(err instanceof ApiError) || !err.ambiguous) throw err;
    const existing = await options.compute
      .get(options.name, AbortSignal.timeout(CHECK_TIMEOUT_MS))
      .catch(() => undefined);
    if (!existing || existing.fingerprint.trim().toLowerCase() !== localFingerprint) throw err;
    keyPair = existing;
  }
  return { keyPair, localFingerprint, matches: keyPair.fingerprint.trim().toLowerCase() === localFingerprint };
}
