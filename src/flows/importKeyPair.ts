/**
 * Import Public Key without UI: the key is read and checked here (a malformed key never
 * reaches the server), then sent under the chosen name; the server's fingerprint is
 * compared with the one computed here. No `vscode` import.
 */
import type { ComputeClient, KeyPair } from '../api/compute';
import { md5Fingerprint } from '../keys/fingerprint';
import { parsePublicKey, PublicKeyInfo } from '../keys/publicKey';
import { readPublicKeyFile } from './localKeys';

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

/** Sends `key` as key pair `name`. Throws ApiError as ComputeClient.create does (409: name taken). */
export async function importKeyPair(o: {
  compute: Pick<ComputeClient, 'create'>;
  name: string;
  key: PublicKeyInfo;
  signal?: AbortSignal;
}): Promise<ImportResult> {
  const localFingerprint = md5Fingerprint(o.key.blob);
  const keyPair = await o.compute.create(o.name, { publicKey: o.key.line, signal: o.signal });
  return { keyPair, localFingerprint, matches: keyPair.fingerprint.trim().toLowerCase() === localFingerprint };
}
