/**
 * The create flow without any UI: ask the server for a key pair, check it, save it, and
 * make sure no failure leaves a key pair on the server whose private key is lost.
 * The shell supplies the one thing it cannot decide: where else to save (Save As…).
 * No `vscode` import: unit-tested against the emulator in plain Node.
 */
import { ApiError } from '../api/errors';
import { ComputeClient, KeyPairDetails } from '../api/compute';
import { compareVersions } from '../base/microversion';
import { md5Fingerprint } from '../keys/fingerprint';
import { generateKey, KeyType } from '../keys/generate';
import { keyFileName } from '../keys/names';
import { checkTargets, KeyFileError, removeKeyFiles, saveKeyPair } from '../keys/keyFiles';
import { checkPrivateKey, PrivateKeyError } from '../keys/privateKey';
import { parsePublicKey, PublicKeyError, PublicKeyInfo } from '../keys/publicKey';
import * as l10n from '../base/l10n';

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
  /** Preferred generation; a cloud at 2.92+ always gets 'local'. Default 'local'. */
  generation?: KeyGeneration;
  /** Local generation only: the type of the new key. Default 'ed25519'. */
  keyType?: KeyType;
  /**
   * Local generation only: the server refused the ed25519 public key as an older Nova does
   * (400 "Keypair data is invalid"). Nothing is left on either side when this is asked.
   * Resolve true to create an RSA 4096 key instead (asked once), false to stop: the create
   * then throws KeyTypeRefusedError with `declined` set. Absent: the server's error is thrown.
   */
  onKeyTypeRefused?(refused: KeyType): Promise<boolean>;
  signal?: AbortSignal;
  /**
   * The key files could not be written after the server created the pair. Save the
   * private key elsewhere (the shell asks the user) and say where, or return undefined
   * to give up: the pair is then deleted on the server.
   */
  rescue(
    problem: KeyFileError,
    key: { privateKey: string; publicKey: string; fileBase: string },
  ): Promise<SavedKeyFiles | undefined>;
  /**
   * Local generation only: protects the new private key with this passphrase (OpenSSH
   * format, bcrypt_pbkdf + aes256-ctr). Empty or absent: no passphrase.
   */
  passphrase?: string;
  /**
   * Server generation only: turns the server's private key (already checked against its
   * public key) into the text to write, e.g. encrypts it with a passphrase. If it throws,
   * nothing is written and the pair is deleted on the server, as when saving fails.
   */
  protectPrivateKey?(privateKey: string): Promise<string>;
  /** Progress lines for the log (never key material). */
  log?(line: string): void;
  /**
   * Waits between the looks for a pair whose create was cut short (default: a real timer of
   * the given length). Tests pass their own clock.
   */
  sleep?(ms: number): Promise<void>;
}

export interface CreateKeyPairResult extends SavedKeyFiles {
  name: string;
  publicKey: string;
  /** The server's fingerprint (MD5, colon-separated hex). */
  fingerprint: string;
  generation: KeyGeneration;
  /** The type of the key generated here (absent when the server generated it). */
  keyType?: KeyType;
  /** Set when the fingerprint computed from the public key is not the server's. */
  fingerprintMismatch?: { server: string; computed: string };
  /** True when the files went elsewhere through `rescue`. */
  rescued: boolean;
  /**
   * The private key as written (encrypted when a passphrase was given), kept in memory for
   * ssh-agent. Not enumerable: it never shows up in logs or when the result is printed.
   */
  readonly privateKey?: string;
}

function withPrivateKey<T extends object>(result: T, privateKey: string): T & { readonly privateKey?: string } {
  return Object.defineProperty(result, 'privateKey', { value: privateKey, enumerable: false });
}

/** What became of the key pair on the server after a failed create. */
export type ServerOutcome =
  /** The server did not create it. */
  | 'not-created'
  /** It was created, its private key could not be kept, so it was deleted again. */
  | 'deleted'
  /** Whether it exists could not be found out, or deleting it failed. */
  | 'unknown'
  /**
   * A pair with the name is on the server, but it cannot be proven to be the one this create
   * made (see `leftAlone`), so it was left alone: it may be ours without its private key.
   */
  | 'kept';

/** Why a pair found on the server after an unclear create is not taken for ours. */
export type LeftAloneReason =
  /** It was there just before our POST (same fingerprint). */
  | 'existed-before'
  /** Its name differs from ours only in case: the server ignores case, ours cannot exist beside it. */
  | 'name-differs-in-case'
  /** Its public key is not the one generated here (a local key). */
  | 'other-public-key'
  /** Nothing proves it ours: the look before the POST failed, or the pair changed meanwhile. */
  | 'unproven';

/** A key pair found on the server that a failed create did not touch, and what the user can check. */
export interface LeftAlonePair {
  /** The name as the server has it. */
  name: string;
  /** The fingerprint the server shows for it. */
  fingerprint: string;
  /** The Compute endpoint (region) it is in. */
  endpoint: string;
  why: LeftAloneReason;
}

/** What was wrong with the keys in the server's answer (the pair is ours: it is deleted again). */
export type ServerKeyProblem = 'public-key' | 'private-key' | 'mismatch';

const SERVER_KEY_PROBLEMS: Record<ServerKeyProblem, string> = {
  'public-key': 'a bad public key',
  'private-key': 'a bad private key',
  mismatch: 'keys that do not belong together',
};

/** The server's answer held keys that cannot be saved as the pair; `message` has no key material. */
export class ServerKeyError extends Error {
  override name = 'ServerKeyError';

  constructor(
    readonly problem: ServerKeyProblem,
    /** The parser's reason, for the user (e.g. "the text has several lines"). */
    readonly detail: string,
  ) {
    super(`the server's answer holds ${SERVER_KEY_PROBLEMS[problem]}: ${detail}`);
  }
}

/**
 * The server refused a local key of this type (400 "Keypair data is invalid") and the user did
 * not want another type. Nothing was created and the key files were removed.
 */
export class KeyTypeRefusedError extends Error {
  override name = 'KeyTypeRefusedError';

  constructor(
    readonly keyType: KeyType,
    readonly reason: ApiError,
    /** True when the user said no to the RSA key offered instead. */
    readonly declined: boolean,
  ) {
    super(`the server refused the ${keyType} key: ${reason.message}`);
  }
}

/** True for Nova's answer to a public key it cannot fingerprint (an older Nova and ed25519). */
export function isKeyRefused(err: unknown): err is ApiError {
  return (
    err instanceof ApiError && err.kind === 'bad-request' && /keypair data is invalid/i.test(err.serverMessage ?? '')
  );
}

/** A create that failed after it may have reached the server. */
export class CreateAbandonedError extends Error {
  readonly name = 'CreateAbandonedError';
  /** Set (not enumerable, never logged) when the private key exists only in memory. */
  declare readonly unsavedPrivateKey?: string;
  /** A pair with this name (or one differing in case) found on the server and left alone. */
  readonly leftAlone?: LeftAlonePair;
  /** Local key files kept because the pair may exist on the server. */
  readonly keptFiles?: SavedKeyFiles;

  constructor(
    readonly keyPairName: string,
    readonly reason: ApiError | KeyFileError | ServerKeyError | Error,
    readonly server: ServerOutcome,
    unsavedPrivateKey?: string,
    details: { leftAlone?: LeftAlonePair; keptFiles?: SavedKeyFiles } = {},
  ) {
    super(`create of "${keyPairName}" abandoned (${server}): ${reason.message}`);
    if (unsavedPrivateKey !== undefined) {
      Object.defineProperty(this, 'unsavedPrivateKey', { value: unsavedPrivateKey, enumerable: false });
    }
    this.leftAlone = details.leftAlone;
    this.keptFiles = details.keptFiles;
  }
}

/** How long to wait before looking again for a pair whose create was cut short. */
export const RECHECK_DELAY_MS = 1500;
/** How many times to look for it (both key paths): a request cut short may be carried out late. */
export const RECHECK_LOOKS = 2;
/** Time allowed for the clean-up calls of a failed create. */
const CLEANUP_TIMEOUT_MS = 20_000;

/**
 * Creates the key pair `name` and saves it as `<sshDirectory>/<file>` (0600) and
 * `<file>.pub` (0644). Throws KeyFileError (nothing sent), ApiError (nothing created) or
 * CreateAbandonedError (something may have reached the server; see `server`).
 */
export async function createKeyPair(options: CreateKeyPairOptions): Promise<CreateKeyPairResult> {
  const fileBase = keyFileName(options.name);
  const targets = await checkTargets(options.sshDirectory, fileBase);
  const existing = targets.existing[0];
  if (existing !== undefined) throw new KeyFileError('exists', existing);
  const version = await options.compute.version(options.signal);
  const localOnly =
    version.microversion !== undefined && compareVersions(version.microversion, LOCAL_ONLY_MICROVERSION) >= 0;
  const generation: KeyGeneration = localOnly ? 'local' : (options.generation ?? 'local');
  if (generation === 'server') return createOnServer(options, fileBase);
  const keyType = options.keyType ?? 'ed25519';
  try {
    return await createLocal(options, fileBase, keyType);
  } catch (err) {
    if (!isKeyRefused(err) || keyType !== 'ed25519' || !options.onKeyTypeRefused) throw err;
    // Nothing is left: the server created nothing (400) and createLocal removed the files.
    options.log?.(`the server refused the ${keyType} key of "${options.name}"; asking about RSA`);
    if (!(await options.onKeyTypeRefused(keyType))) throw new KeyTypeRefusedError(keyType, err, true);
    return createLocal(options, fileBase, 'rsa');
  }
}

/** The server generates the key; its answer is the only copy of the private key. */
async function createOnServer(o: CreateKeyPairOptions, fileBase: string): Promise<CreateKeyPairResult> {
  // Look right before the POST: a pair found after an unclear answer is ours only if the
  // name was free just before (undefined), not if it was taken or could not be looked up.
  const before = await lookBefore(o);
  let created;
  try {
    created = await o.compute.create(o.name, { signal: o.signal });
  } catch (err) {
    if (err instanceof ApiError && err.ambiguous) throw await afterUnclearServerCreate(o, err, before);
    throw err;
  }
  // The answer came: the pair is ours. Its keys must be sound before anything is written.
  let publicKey: string;
  let privateKey: string;
  try {
    const info = serverPublicKey(created.publicKey);
    publicKey = info.line;
    privateKey = serverPrivateKey(created.privateKey as string, info);
  } catch (err) {
    const problem =
      err instanceof ServerKeyError ? err : new ServerKeyError('private-key', l10n.t('The key could not be checked.'));
    o.log?.(`the answer for "${o.name}" is not usable (${problem.problem}); deleting the pair`);
    throw new CreateAbandonedError(o.name, problem, (await deleteQuietly(o)) ? 'deleted' : 'unknown');
  }
  const result = {
    name: created.name,
    publicKey,
    fingerprint: created.fingerprint,
    generation: 'server' as const,
    fingerprintMismatch: compareFingerprint(publicKey, created.fingerprint),
  };

  if (o.protectPrivateKey) {
    try {
      privateKey = await o.protectPrivateKey(privateKey);
    } catch (err) {
      const problem = err instanceof Error ? err : new Error(String(err));
      o.log?.(`protecting the private key of "${o.name}" failed; deleting the pair`);
      const server = (await deleteQuietly(o)) ? 'deleted' : 'unknown';
      throw new CreateAbandonedError(o.name, problem, server, server === 'unknown' ? privateKey : undefined);
    }
  }

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
  return withPrivateKey({ ...result, ...saved, rescued }, privateKey);
}

/**
 * The key is generated here and saved before anything is sent, so the private key never
 * leaves this machine and is on disk before the server knows the pair.
 */
async function createLocal(o: CreateKeyPairOptions, fileBase: string, keyType: KeyType): Promise<CreateKeyPairResult> {
  const key = await generateKey(keyType, { comment: o.name, passphrase: o.passphrase });
  const saved = await saveKeyPair({
    dir: o.sshDirectory,
    fileBase,
    privateKey: key.privateKey,
    publicKey: key.publicKey,
  });
  const discardFiles = () => removeKeyFiles(saved).catch(() => undefined);
  let created;
  try {
    created = await o.compute.create(o.name, { publicKey: key.publicKey, signal: o.signal });
  } catch (err) {
    if (!(err instanceof ApiError) || !err.ambiguous) {
      await discardFiles();
      throw err;
    }
    // Did it arrive? Our public key on the server means it did: then all is well. Look as
    // often as the server-key path; while it may exist, the private key stays on disk.
    const ours = parsePublicKey(key.publicKey);
    let existing: KeyPairDetails | undefined | null;
    for (let look = 0; look < RECHECK_LOOKS && !existing; look++) {
      if (look > 0) await (o.sleep ?? realSleep)(RECHECK_DELAY_MS);
      existing = await findQuietly(o);
      if (existing === null) {
        // Unknown: keep the key files, so a pair that does exist stays usable.
        throw new CreateAbandonedError(o.name, err, 'unknown', undefined, { keptFiles: saved });
      }
    }
    if (!existing) {
      await discardFiles();
      throw new CreateAbandonedError(o.name, err, 'not-created');
    }
    if (!samePublicKey(existing, ours, key.fingerprint)) {
      // The name is taken by another key: ours cannot be on the server. That pair is not touched.
      await discardFiles();
      const theirs = leftAlone(o, existing, 'other-public-key');
      throw new CreateAbandonedError(o.name, err, 'not-created', undefined, { leftAlone: theirs });
    }
    created = existing;
  }
  return withPrivateKey(
    {
      name: created.name,
      publicKey: key.publicKey,
      fingerprint: created.fingerprint,
      generation: 'local',
      keyType,
      fingerprintMismatch: compareFingerprint(key.publicKey, created.fingerprint),
      ...saved,
      rescued: false,
    },
    key.privateKey,
  );
}

/** True when the server's pair holds our public key (same key data, or the same fingerprint). */
function samePublicKey(pair: KeyPairDetails, ours: PublicKeyInfo, fingerprint: string): boolean {
  if (pair.fingerprint.toLowerCase() === fingerprint) return true;
  try {
    return parsePublicKey(pair.publicKey, 'server').blob.equals(ours.blob);
  } catch {
    return false;
  }
}

function leftAlone(o: CreateKeyPairOptions, pair: KeyPairDetails, why: LeftAloneReason): LeftAlonePair {
  o.log?.(`"${pair.name}" on the server is not proven ours (${why}): left alone`);
  return { name: pair.name, fingerprint: pair.fingerprint, endpoint: o.compute.endpoint, why };
}

/** The answer's public key, strictly one OpenSSH line of a known type. */
function serverPublicKey(text: string): PublicKeyInfo {
  try {
    return parsePublicKey(text, 'server');
  } catch (err) {
    if (err instanceof PublicKeyError) throw new ServerKeyError('public-key', err.message);
    throw err;
  }
}

/** The answer's private key as it is to be written, once it is proven to belong to `publicKey`. */
function serverPrivateKey(text: string, publicKey: PublicKeyInfo): string {
  try {
    return checkPrivateKey(text, publicKey);
  } catch (err) {
    if (err instanceof PrivateKeyError) {
      throw new ServerKeyError(err.code === 'mismatch' ? 'mismatch' : 'private-key', err.message);
    }
    throw err;
  }
}

function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function compareFingerprint(publicKey: string, server: string): CreateKeyPairResult['fingerprintMismatch'] {
  let computed: string;
  try {
    computed = md5Fingerprint(publicKey);
  } catch {
    computed = l10n.t('(unreadable public key)');
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
 * The pair as it was right before the POST: undefined when the name was free, null when that
 * could not be found out (then nothing found later can be proven ours). A cancel is thrown.
 */
async function lookBefore(o: CreateKeyPairOptions): Promise<KeyPairDetails | undefined | null> {
  try {
    return await o.compute.get(o.name, o.signal);
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'cancelled') throw err;
    o.log?.(`looking for "${o.name}" before creating it failed: ${(err as Error).message}`);
    return null;
  }
}

/**
 * After a create whose answer was lost: look for the pair (as often as RECHECK_LOOKS says, as
 * a request cut short may still be carried out a moment later). Delete it, since its private
 * key is gone, only when it is provably ours: the name was free just before the POST and the
 * pair has exactly our name. Anything else is left alone and named in the error.
 */
async function afterUnclearServerCreate(
  o: CreateKeyPairOptions,
  err: ApiError,
  before: KeyPairDetails | undefined | null,
): Promise<CreateAbandonedError> {
  const abandon = (server: ServerOutcome, pair?: LeftAlonePair) =>
    new CreateAbandonedError(o.name, err, server, undefined, { leftAlone: pair });
  for (let look = 0; look < RECHECK_LOOKS; look++) {
    if (look > 0) await (o.sleep ?? realSleep)(RECHECK_DELAY_MS);
    const found = await findQuietly(o);
    if (found === null) return abandon('unknown');
    if (!found) continue;
    if (before === undefined && found.name === o.name) {
      return abandon((await deleteQuietly(o)) ? 'deleted' : 'unknown');
    }
    if (before && found.name === before.name && found.fingerprint === before.fingerprint) {
      // The same pair as before our POST: ours was refused (names are unique).
      return abandon('not-created', leftAlone(o, found, 'existed-before'));
    }
    if (before !== null && found.name !== o.name && found.name.toLowerCase() === o.name.toLowerCase()) {
      // Found under another case: the server ignores case, so ours cannot exist beside it.
      return abandon('not-created', leftAlone(o, found, 'name-differs-in-case'));
    }
    return abandon('kept', leftAlone(o, found, 'unproven'));
  }
  return abandon('not-created');
}
