/**
 * Worker thread for {@link bcryptPbkdf}: runs bcrypt_pbkdf (about a second at 16 rounds in
 * JavaScript) off the extension host's main thread. Bundled as its own file
 * (dist/bcryptWorker.js), so the library is loaded only when a passphrase is used.
 * Input arrives in `workerData`; the key is posted back, or `{ failed: true }` (never
 * any input in an error).
 */
import { pbkdf } from 'bcrypt-pbkdf';
import { parentPort, workerData } from 'node:worker_threads';

/** What {@link bcryptPbkdf} sends the worker. */
export interface BcryptJob {
  passphrase: Uint8Array;
  salt: Uint8Array;
  rounds: number;
  length: number;
}

const job = workerData as BcryptJob;
const key = new Uint8Array(job.length);
const status = pbkdf(job.passphrase, job.passphrase.length, job.salt, job.salt.length, key, job.length, job.rounds);
job.passphrase.fill(0);
parentPort?.postMessage(status === 0 ? { key } : { failed: true });
