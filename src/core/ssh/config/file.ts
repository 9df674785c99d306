/**
 * The SSH config file itself: read only when it is a regular file, changed with no update lost
 * (one writer at a time, a lock file across windows, a compare-and-swap replace), and every
 * failure as an {@link SshConfigFileError} that names the path at fault.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as l10n from '../../base/l10n';
import { UserSafeError } from '../../base/userSafe';
import { displayPath, ensureDirectory, KeyFileError, replaceFileIfUnchanged } from '../../keys/keyFiles';

/** Why an SSH config file can't be read or written. */
export type ConfigFileProblem =
  | 'is-directory' // a folder is at the config's path
  | 'not-regular-file' // a device, pipe or socket is there: never replaced
  | 'parent-not-directory' // a file is where a folder of its path should be
  | 'permission'
  | 'read-only'
  | 'no-space'
  | 'io';

/**
 * An SSH config file could not be read or written; nothing was changed. `message` names
 * the file (or the part of its path at fault) and why, in words for the user.
 */
export class SshConfigFileError extends UserSafeError {
  override name = 'SshConfigFileError';
  constructor(
    readonly problem: ConfigFileProblem,
    /** The config file. */
    readonly file: string,
    /** The path at fault: the file, or the file standing where a folder should be. */
    readonly culprit: string,
    cause?: unknown,
  ) {
    super(configFileMessage(problem, file, culprit, cause), { cause });
  }
}

function configFileMessage(problem: ConfigFileProblem, file: string, culprit: string, cause: unknown): string {
  const shown = displayPath(file);
  switch (problem) {
    case 'is-directory':
      return l10n.t('{0} is a folder, not a file.', shown);
    case 'not-regular-file':
      return l10n.t('{0} is not a regular file (a device, pipe or socket); it is not replaced.', shown);
    case 'parent-not-directory':
      return l10n.t("{0} is a file, not a folder, so {1} can't be there.", displayPath(culprit), shown);
    case 'permission':
      return culprit === file
        ? l10n.t('No permission to write {0}.', shown)
        : l10n.t("No permission to write in {0}, so {1} can't be written.", displayPath(culprit), shown);
    case 'read-only':
      return l10n.t('{0} is on a read-only file system.', shown);
    case 'no-space':
      return l10n.t('Not enough disk space (or quota) to write {0}.', shown);
    case 'io': {
      const code = errnoCode(cause);
      return code ? l10n.t("{0} can't be written ({1}).", shown, code) : l10n.t("{0} can't be written.", shown);
    }
  }
}

/** The errno code of an fs error, or of the one a KeyFileError carries. */
export function errnoCode(err: unknown): string | undefined {
  const direct = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof direct === 'string' && direct.startsWith('E')) return direct;
  // A KeyFileError carries the errno error as its cause.
  if (err instanceof Error && err.cause !== undefined) return errnoCode(err.cause);
  return undefined;
}

/** The first existing part of `file`'s path (from its folder up) that is not a folder, if any. */
async function fileInTheWay(file: string): Promise<string | undefined> {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const stat = await fs.stat(dir);
      return stat.isDirectory() ? undefined : dir;
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
    }
  }
  return undefined;
}

/**
 * An fs error (or KeyFileError) met reading or writing the SSH config `file` as a
 * {@link SshConfigFileError} that says which path is at fault and why.
 */
export async function toSshConfigFileError(err: unknown, file: string): Promise<SshConfigFileError> {
  if (err instanceof SshConfigFileError) return err;
  const code = errnoCode(err);
  const kind = err instanceof KeyFileError ? err.code : undefined;
  if (code === 'EISDIR') return new SshConfigFileError('is-directory', file, file, err);
  if (code === 'ENOTDIR' || code === 'EEXIST' || kind === 'not-directory') {
    const inTheWay = await fileInTheWay(file);
    if (inTheWay) return new SshConfigFileError('parent-not-directory', file, inTheWay, err);
  }
  if (code === 'EACCES' || code === 'EPERM' || kind === 'permission') {
    const culprit = err instanceof KeyFileError && err.path !== file ? err.path : file;
    return new SshConfigFileError('permission', file, culprit, err);
  }
  if (code === 'EROFS' || kind === 'read-only') return new SshConfigFileError('read-only', file, file, err);
  if (code === 'ENOSPC' || code === 'EDQUOT' || kind === 'no-space') {
    return new SshConfigFileError('no-space', file, file, err);
  }
  return new SshConfigFileError('io', file, file, err);
}

/** Writers of this process, per config file: one at a time. */
const configWriters = new Map<string, Promise<unknown>>();

/** How long a lock file of another writer is respected (a crashed writer leaves it behind). */
const STALE_LOCK_MS = 10_000;

async function sleep(ms: number): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/** Runs `work` holding `<file>.keypairs-lock` (O_EXCL), shared with other windows and processes. */
async function withLockFile<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.keypairs-lock`;
  const started = Date.now();
  for (;;) {
    try {
      await (await fs.open(lock, 'wx', 0o600)).close();
      break;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      const stat = await fs.stat(lock).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) await fs.rm(lock, { force: true });
      else if (Date.now() - started > STALE_LOCK_MS + 5_000) throw err;
      else await sleep(20 + Math.floor(Math.random() * 30));
    }
  }
  try {
    return await work();
  } finally {
    await fs.rm(lock, { force: true }).catch(() => undefined);
  }
}

/**
 * Changes the SSH config `file` (a symlink's target) with no update lost: `edit` gets the
 * current bytes (undefined when there is no file) and returns the new bytes, or undefined to
 * leave it. Writers of this extension take turns (in this process, and through a lock file
 * next to the config across processes); the write itself is a compare-and-swap: the new text
 * goes to a temp file that replaces the config only if the config still holds the bytes
 * `edit` saw, else `edit` runs again on what is there now (up to 20 times). The mode is kept;
 * a new file is 0600 in a 0700 folder. Throws {@link SshConfigFileError}; then the file is as
 * it was.
 */
export async function updateConfigFile(
  file: string,
  edit: (content: Buffer | undefined) => Buffer | undefined,
): Promise<{ path: string; written: boolean }> {
  let target = path.resolve(file);
  try {
    target = await resolveLink(target);
  } catch (err) {
    throw await toSshConfigFileError(err, target);
  }
  const previous = configWriters.get(target) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => casLoop(target, edit));
  configWriters.set(target, run);
  try {
    return await run;
  } finally {
    if (configWriters.get(target) === run) configWriters.delete(target);
  }
}

async function casLoop(
  target: string,
  edit: (content: Buffer | undefined) => Buffer | undefined,
): Promise<{ path: string; written: boolean }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const existing = await readConfigFile(target);
    const next = edit(existing?.content);
    if (next === undefined) return { path: target, written: false };
    try {
      if (!existing) await ensureDirectory(path.dirname(target));
      const swapped = await withLockFile(target, () =>
        replaceFileIfUnchanged(target, next, existing?.mode ?? 0o600, async () => {
          const now = await readConfigFile(target).catch(() => undefined);
          return existing === undefined ? now === undefined : now !== undefined && now.content.equals(existing.content);
        }),
      );
      if (swapped) return { path: target, written: true };
    } catch (err) {
      throw await toSshConfigFileError(err, target);
    }
    await sleep(5 + Math.floor(Math.random() * 20));
  }
  throw new SshConfigFileError(
    'io',
    target,
    target,
    Object.assign(new Error('The file kept changing while it was written'), { code: 'EAGAIN' }),
  );
}

/** Follows a chain of symlinks at `file` to the path that is really written (which may not exist yet). */
export async function resolveLink(file: string): Promise<string> {
  let current = file;
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      link = await fs.readlink(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Not a link, or nothing there (the write then says what is in the way).
      if (code === 'EINVAL' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'UNKNOWN') return current;
      throw err;
    }
    current = path.resolve(path.dirname(current), link);
  }
  throw new SshConfigFileError(
    'io',
    file,
    file,
    Object.assign(new Error('Too many levels of symbolic links'), { code: 'ELOOP' }),
  );
}

/**
 * The config's bytes and mode, or undefined when there is none. Only a regular file is
 * read: a folder, a device, a pipe or a socket at the path is an {@link SshConfigFileError}
 * (a pipe would block the read, and a device must never be replaced).
 */
export async function readConfigFile(file: string): Promise<{ content: Buffer; mode: number } | undefined> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw await toSshConfigFileError(err, file);
  }
  if (stat.isDirectory()) throw new SshConfigFileError('is-directory', file, file);
  if (!stat.isFile()) throw new SshConfigFileError('not-regular-file', file, file);
  try {
    return { content: await fs.readFile(file), mode: stat.mode & 0o7777 };
  } catch (err) {
    throw await toSshConfigFileError(err, file);
  }
}
