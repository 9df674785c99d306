/**
 * OpenBSD's bcrypt_pbkdf, the key derivation OpenSSH uses for passphrase-protected
 * private keys (kdf "bcrypt"). node:crypto lacks it; the `bcrypt-pbkdf` package computes it
 * in a worker thread (src/core/keys/bcryptWorker.ts), so the extension host never blocks on it.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BcryptJob } from './bcryptWorker';

/** The derivation failed or was given invalid arguments; never carries the passphrase. */
export class KdfError extends Error {
  override name = 'KdfError';
}

/** File of the worker: next to this module in `out/`, and dist/bcryptWorker.js in the bundle. */
export const WORKER_FILE = path.join(__dirname, 'bcryptWorker.js');

/**
 * Derives `length` bytes from `passphrase` and `salt` with `rounds` rounds. The passphrase
 * must not be empty (as in OpenSSH). Throws {@link KdfError}.
 */
export async function bcryptPbkdf(
  passphrase: Uint8Array,
  salt: Uint8Array,
  rounds: number,
  length: number,
  workerFile = WORKER_FILE,
): Promise<Buffer> {
  if (passphrase.length === 0) throw new KdfError('The passphrase is empty.');
  if (salt.length === 0 || salt.length > 1 << 20) throw new KdfError('The key derivation salt is invalid.');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 1 << 16) {
    throw new KdfError('The key derivation round count is invalid.');
  }
  if (!Number.isInteger(length) || length < 1 || length > 1024) throw new KdfError('Invalid key length.');
  const job: BcryptJob = { passphrase: Uint8Array.from(passphrase), salt: Uint8Array.from(salt), rounds, length };
  const reply = await new Promise<{ key?: Uint8Array; failed?: boolean }>((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: job });
    job.passphrase.fill(0);
    worker.once('message', (message: { key?: Uint8Array; failed?: boolean }) => resolve(message));
    worker.once('error', () => reject(new KdfError('The passphrase key derivation failed.')));
    worker.once('exit', () => reject(new KdfError('The passphrase key derivation stopped.')));
  });
  if (!reply.key || reply.key.length !== length) throw new KdfError('The passphrase key derivation failed.');
  return Buffer.from(reply.key);
}
