/**
 * The create flow without any UI: ask the server for a key pair, check it, save it, and
 * make sure no failure leaves a key pair on the server whose private key is lost.
 * The shell supplies the one thing it cannot decide: where else to save (Save As…).
 * No `vscode` import: unit-tested against the emulator in plain Node.
 */
import { ApiError } from '../api/errors';
import { ComputeClient, compareVersions } from '../api/compute';
import { md5Fingerprint } from '../keys/fingerprint';
import { generateEd25519 } from '../keys/generate';
import { keyFileName } from '../keys/names';
import { checkTargets, KeyFileError, removeKeyFiles, saveKeyPair } from '../keys/keyFiles';

/** Where the key is generated: by the server (answer holds the private key) or here. */
export type KeyGeneration = 'server' | 'local';

/** From this microversion on the server only imports keys: the key is generated here. */
export const LOCAL_ONLY_MICROVERSION = '2.92';

export interface SavedKeyFiles {
  privatePath: string;
  /** Absent when the user saved only the private key elsewhere (Save As…). */
  publicPath?: string;
}

export interface CreateKeyPairOptions {
  compute: ComputeClient;
  name: string;
  /** Folder for `<file>` and `<file>.pub`, already expanded (no `~`). */
  sshDirectory: string;
  /** Preferred generation; a cloud at 2.92+ always gets 'local'. Default 'server'. */
  generation?: KeyGeneration;
  signal?: AbortSignal;
  /**
   * The key files could not be written after the server created the pair. Save the
   * private key elsewhere (the shell asks the user) and say where, or return undefined
   * to give up: the pair is then deleted on the server.
   */
  rescue(problem: KeyFileError, key: { privateKey: string; publicKey: string; fileBase: string }): Promise<SavedKeyFiles | undefined>;
  /** Progress lines for the log (never key material). */
  log?(line: string): void;
}

export interface CreateKeyPairResult extends SavedKeyFiles {
  name: string;
  publicKey: string;
  /** The server's fingerprint (MD5, colon-separated hex). */
  fingerprint: string;
  generation: KeyGeneration;
  /** Set when the fingerprint computed from the public key is not the server's. */
  fingerprintMismatch?: { server: string; computed: string };
  /** True when the files went elsewhere through `rescue`. */
  rescued: boolean;
}

/** What became of the key pair on the server after a failed create. */
export type ServerOutcome =
  /** The server did not create it. */
  | 'not-created'
  /** It was created, its private key could not be kept, so it was deleted again. */
  | 'deleted'
  /** Whether it exists could not be found out, or deleting it failed. */
  | 'unknown';

/** A create that failed after it may have reached the server. */
export class CreateAbandonedError extends Error {
  readonly name = 'CreateAbandonedError';
  /** Set (not enumerable, never logged) when the private key exists only in memory. */
  declare readonly unsavedPrivateKey?: string;

  constructor(
    readonly keyPairName: string,
    readonly reason: ApiError | KeyFileError | Error,
    readonly server: ServerOutcome,
    unsavedPrivateKey?: string,
  ) {
    super(`create of "${keyPairName}" abandoned (${server}): ${reason.message}`);
    if (unsavedPrivateKey !== undefined) {
      Object.defineProperty(this, 'unsavedPrivateKey', { value: unsavedPrivateKey, enumerable: false });
    }
  }
}

/** How long to wait before looking again for a pair whose create was cut short. */
const RECHECK_DELAY_MS = 1500;
/** Time allowed for the clean-up calls of a failed create. */
const CLEANUP_TIMEOUT_MS = 20_000;

/**
 * Creates the key pair `name` and saves it as `<sshDirectory>/<file>` (0600) and
 * `<file>.pub` (0644). Throws KeyFileError (nothing sent), ApiError (nothing created) or
 * CreateAbandonedError (something may have reached the server; see `server`).
 */
export async function createKeyPair(o: CreateKeyPairOptions): Promise<CreateKeyPairResult> {
  const fileBase = keyFileName(o.name);
  const targets = await checkTargets(o.sshDirectory, fileBase);
  if (targets.existing.length > 0) {
    throw new KeyFileError('exists', targets.existing[0]);
  }
  const version = await o.compute.version(o.signal);
  const localOnly = version.microversion !== undefined && compareVersions(version.microversion, LOCAL_ONLY_MICROVERSION) >= 0;
  const generation: KeyGeneration = localOnly ? 'local' : (o.generation ?? 'server');
  return generation === 'local' ? createLocal(o, fileBase) : createOnServer(o, fileBase);
}

/** The server generates the key; its answer is the only copy of the private key. */
async function createOnServer(o: CreateKeyPairOptions, fileBase: string): Promise<CreateKeyPairResult> {
  let created;
  try {
    created = await o.compute.create(o.name, { signal: o.signal });
  } catch (err) {
    if (err instanceof ApiError && err.ambiguous) {
      throw new CreateAbandonedError(o.name, err, await removeIfCreated(o));
    }
    throw err;
  }
  const privateKey = created.privateKey as string;
  const publicKey = created.publicKey.trim();
  const result = {
    name: created.name,
    publicKey,
    fingerprint: created.fingerprint,
    generation: 'server' as const,
    fingerprintMismatch: compareFingerprint(publicKey, created.fingerprint),
  };

  let saved: SavedKeyFiles | undefined;
  let rescued = false;
  try {
    saved = await saveKeyPair({ dir: o.sshDirectory, fileBase, privateKey, publicKey });
  } catch (err) {
    const problem = err instanceof KeyFileError ? err : new KeyFileError('io', o.sshDirectory, err);
    o.log?.(`saving "${o.name}" failed: ${problem.code}; asking where else to save`);
    try {
      saved = await o.rescue(problem, { privateKey, publicKey, fileBase });
      rescued = saved !== undefined;
    } catch (rescueErr) {
      o.log?.(`saving elsewhere failed: ${(rescueErr as Error).message}`);
    }
    if (!saved) {
      const server = (await deleteQuietly(o)) ? 'deleted' : 'unknown';
      throw new CreateAbandonedError(o.name, problem, server, server === 'unknown' ? privateKey : undefined);
    }
  }
  return { ...result, ...saved, rescued };
}

/**
 * The key is generated here and saved before anything is sent, so the private key never
 * leaves this machine and is on disk before the server knows the pair.
 */
async function createLocal(o: CreateKeyPairOptions, fileBase: string): Promise<CreateKeyPairResult> {
  const key = generateEd25519(o.name);
  const saved = await saveKeyPair({ dir: o.sshDirectory, fileBase, privateKey: key.privateKey, publicKey: key.publicKey });
  const discardFiles = () => removeKeyFiles(saved).catch(() => undefined);
  let created;
  try {
    created = await o.compute.create(o.name, { publicKey: key.publicKey, signal: o.signal });
  } catch (err) {
    if (!(err instanceof ApiError) || !err.ambiguous) {
      await discardFiles();
      throw err;
    }
    // Did it arrive? Our public key on the server means it did: then all is well.
    const existing = await findQuietly(o);
    if (existing === null) {
      // Unknown: keep the key files, so a pair that does exist stays usable.
      throw new CreateAbandonedError(o.name, err, 'unknown');
    }
    if (!existing || existing.fingerprint !== key.fingerprint) {
      await discardFiles();
      throw new CreateAbandonedError(o.name, err, 'not-created');
    }
    created = existing;
  }
  return {
    name: created.name,
    publicKey: key.publicKey,
    fingerprint: created.fingerprint,
    generation: 'local',
    fingerprintMismatch: compareFingerprint(key.publicKey, created.fingerprint),
    ...saved,
    rescued: false,
  };
}

function compareFingerprint(publicKey: string, server: string): CreateKeyPairResult['fingerprintMismatch'] {
  let computed: string;
  try {
    computed = md5Fingerprint(publicKey);
  } catch {
    computed = '(unreadable public key)';
  }
  return computed === server.toLowerCase() ? undefined : { server, computed };
}

function cleanupSignal(): AbortSignal {
  return AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
}

/**
 * The pair as the server has it, undefined when it does not exist, null when that could
 * not be found out.
 */
async function findQuietly(o: CreateKeyPairOptions) {
  try {
    return await o.compute.get(o.name, cleanupSignal());
  } catch (err) {
    o.log?.(`checking "${o.name}" failed: ${(err as Error).message}`);
    return null;
  }
}

async function deleteQuietly(o: CreateKeyPairOptions): Promise<boolean> {
  try {
    await o.compute.delete(o.name, cleanupSignal());
    o.log?.(`deleted "${o.name}" on the server: its private key could not be kept`);
    return true;
  } catch (err) {
    o.log?.(`deleting "${o.name}" failed: ${(err as Error).message}`);
    return false;
  }
}

/**
 * After a create whose answer was lost: look for the pair (twice, as a request cut short
 * may still be carried out a moment later) and delete it, since its private key is gone.
 */
async function removeIfCreated(o: CreateKeyPairOptions): Promise<ServerOutcome> {
  for (let check = 0; check < 2; check++) {
    if (check > 0) await new Promise((r) => setTimeout(r, RECHECK_DELAY_MS));
    const existing = await findQuietly(o);
    if (existing === null) return 'unknown';
    if (existing) return (await deleteQuietly(o)) ? 'deleted' : 'unknown';
  }
  return 'not-created';
}
