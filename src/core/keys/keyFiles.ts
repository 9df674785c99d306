/**
 * Saving key files without loss: never overwriting, never writing through a symlink,
 * never exposing a private key with wider permissions than 0600, and never leaving a
 * half-written file behind.
 *
 * Every file is first written to a hidden temp file (`.<random>.tmp`) in the target
 * directory, created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, fchmod-ed to its
 * final mode (so the umask can't widen or skew it), written and fsync-ed. It is then
 * hard-linked to its final name (link(2) fails with EEXIST if anything, even a dangling
 * symlink, is there) and the temp name is removed; with `overwrite` it is renamed over
 * the target instead. On file systems without hard links the final file is created
 * directly with the same exclusive flags (still no overwrite, but not atomic).
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs, Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { redactText } from '../base/redact';
import { describeKeyFileProblem, isPlainFileName, keyFileProblem } from './names';
import { UserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

/** Kind of a {@link KeyFileError}. */
export type KeyFileErrorCode = 'exists' | 'not-directory' | 'permission' | 'no-space' | 'read-only' | 'io';

/**
 * A file could not be written. `message` is meant for the user and follows from `code`
 * and `path` (e.g. `~/.ssh/mykey already exists; it was not overwritten.`); `cause` is
 * the underlying errno error, if any.
 */
export class KeyFileError extends UserSafeError {
  override name = 'KeyFileError';

  constructor(
    readonly code: KeyFileErrorCode,
    readonly path: string,
    cause?: unknown,
  ) {
    // The cause's own message (an OS error) is quoted: credentials in it are not.
    super(redactText(keyFileMessage(code, path, cause)), { cause });
  }
}

/** Expands a leading `~` or `~/…` (also `~\…`) to `home`; `~user` and other paths are returned unchanged. */
export function expandHome(fsPath: string, home = os.homedir()): string {
  if (fsPath === '~') return home;
  if (fsPath.startsWith('~/') || fsPath.startsWith('~\\')) return path.join(home, fsPath.slice(2));
  return fsPath;
}

/** Shows a path for the user, with `home` abbreviated to `~`. */
export function displayPath(fsPath: string, home = os.homedir()): string {
  if (fsPath === home) return '~';
  const prefix = home.endsWith(path.sep) ? home : home + path.sep;
  return home !== '' && fsPath.startsWith(prefix) ? `~${path.sep}${fsPath.slice(prefix.length)}` : fsPath;
}

/**
 * Converts an fs error about `filePath` into a {@link KeyFileError}:
 * EEXIST → exists, ENOTDIR → not-directory, EACCES/EPERM → permission,
 * ENOSPC/EDQUOT → no-space, EROFS → read-only, anything else → io.
 * A KeyFileError is returned as is.
 */
export function toKeyFileError(err: unknown, filePath: string): KeyFileError {
  if (err instanceof KeyFileError) return err;
  const code = errnoCode(err);
  const kind = code === undefined ? 'io' : (ERRNO_KINDS[code] ?? 'io');
  return new KeyFileError(kind, filePath, err);
}

const ERRNO_KINDS: Record<string, KeyFileErrorCode> = {
  EEXIST: 'exists',
  ENOTDIR: 'not-directory',
  EACCES: 'permission',
  EPERM: 'permission',
  ENOSPC: 'no-space',
  EDQUOT: 'no-space',
  EROFS: 'read-only',
};

/** The sentence of each code, for the file shown; `io` words its cause below. */
const KEY_FILE_MESSAGES: Record<Exclude<KeyFileErrorCode, 'io'>, (shown: string) => string> = {
  exists: (shown) => l10n.t('{0} already exists; it was not overwritten.', shown),
  'not-directory': (shown) => l10n.t('{0} is not a folder.', shown),
  permission: (shown) => l10n.t('No permission to write {0}.', shown),
  'no-space': (shown) => l10n.t('Not enough disk space (or quota) to save {0}.', shown),
  'read-only': (shown) => l10n.t("Can't save {0}: the file system is read-only.", shown),
};

function keyFileMessage(code: KeyFileErrorCode, filePath: string, cause: unknown): string {
  const shown = displayPath(filePath);
  if (code !== 'io') return KEY_FILE_MESSAGES[code](shown);
  if (errnoCode(cause) === 'ENAMETOOLONG') return l10n.t("Can't save {0}: the file name is too long.", shown);
  return cause instanceof Error
    ? l10n.t("Couldn't save {0}: {1}", shown, cause.message)
    : l10n.t("Couldn't save {0}.", shown);
}

/**
 * Removes saved key files (e.g. after the server refused the key pair); files already
 * gone are fine. Throws {@link KeyFileError} if one can't be removed.
 */
export async function removeKeyFiles(files: { privatePath: string; publicPath?: string }): Promise<void> {
  for (const file of [files.privatePath, files.publicPath]) {
    if (file === undefined) continue;
    await fs.rm(file, { force: true }).catch((err: unknown) => Promise.reject(toKeyFileError(err, file)));
  }
}

/**
 * Target paths for a key pair (`<dir>/<fileBase>` and `<dir>/<fileBase>.pub`) and which of
 * them already exist (checked with lstat, so a dangling symlink counts as existing).
 * Call it before creating the key pair on the server. Throws {@link KeyFileError} if `dir`
 * exists but is not a directory (not-directory) or can't be written to (checked by
 * creating and removing an empty hidden temp file); a missing `dir` is fine (saving
 * creates it). Throws a plain Error if `fileBase` is not a plain file name.
 */
export async function checkTargets(
  dir: string,
  fileBase: string,
): Promise<{ privatePath: string; publicPath: string; existing: string[] }> {
  const targets = targetPaths(dir, fileBase);
  const stat = await statIfExists(targets.dir, fs.stat);
  if (stat && !stat.isDirectory()) throw new KeyFileError('not-directory', targets.dir);
  if (stat) await probeWritable(targets.dir);

  const existing: string[] = [];
  for (const p of [targets.privatePath, targets.publicPath]) {
    if (await statIfExists(p, fs.lstat)) existing.push(p);
  }
  return { privatePath: targets.privatePath, publicPath: targets.publicPath, existing };
}

/**
 * Saves a key pair as `<dir>/<fileBase>` (mode 0600) and `<dir>/<fileBase>.pub` (0644),
 * all or nothing: on any failure, whatever this call created is removed and a
 * {@link KeyFileError} is thrown. Existing files are never overwritten (code `exists`).
 * `dir` is created (mode 0700 for every directory created) if missing; a symlink to a
 * directory is followed, anything else that is not a directory fails with `not-directory`.
 * The private key gets a trailing newline if it lacks one (OpenSSH needs it); the public
 * key is written with exactly one. On Windows the private key's ACL is restricted to the
 * current user with icacls.
 */
export async function saveKeyPair(opts: {
  dir: string;
  fileBase: string;
  privateKey: string;
  publicKey: string;
}): Promise<{ privatePath: string; publicPath: string }> {
  const { dir, privatePath, publicPath } = targetPaths(opts.dir, opts.fileBase);
  await ensureDirectory(dir);
  const privateKey = opts.privateKey.endsWith('\n') ? opts.privateKey : `${opts.privateKey}\n`;
  await placeFile(privatePath, privateKey, 0o600, false);
  try {
    await placeFile(publicPath, `${opts.publicKey.trimEnd()}\n`, 0o644, false);
  } catch (err) {
    await removeKeyFiles({ privatePath }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(dir);
  return { privatePath, publicPath };
}

/**
 * Writes `content` to `filePath` with `mode`, through a 0600 temp file in the same
 * directory, so the file appears complete or not at all. Without `overwrite` an existing
 * file (or symlink) fails with code `exists`; with `overwrite` (for Save As, after the
 * user confirmed) the temp file is renamed over the target, replacing a symlink rather
 * than writing through it. The directory must exist. Throws {@link KeyFileError}.
 * On Windows a mode without group/other bits restricts the file's ACL to the current user.
 */
export async function saveFileExclusive(
  filePath: string,
  content: string | Uint8Array,
  mode: number,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const target = path.resolve(filePath);
  await placeFile(target, content, mode, options.overwrite ?? false);
  await syncDirectory(path.dirname(target));
}

/**
 * Compare-and-swap: writes `content` with `mode` to a temp file next to `filePath`, then
 * replaces `filePath` with it only if `unchanged()` still holds just before the rename.
 * Resolves false (nothing written, the temp file gone) when it does not. Throws
 * {@link KeyFileError}. Callers serialise their own writers (see sshConfig's
 * `updateConfigFile`); `unchanged` catches everyone else.
 */
export async function replaceFileIfUnchanged(
  filePath: string,
  content: string | Uint8Array,
  mode: number,
  unchanged: () => Promise<boolean>,
): Promise<boolean> {
  const target = path.resolve(filePath);
  const temp = tempPath(path.dirname(target));
  try {
    await createFile(temp, content, mode);
    try {
      if (!(await unchanged())) return false;
      await fs.rename(temp, target);
    } finally {
      await fs.rm(temp, { force: true }).catch(() => undefined);
    }
  } catch (err) {
    throw toKeyFileError(err, target);
  }
  await syncDirectory(path.dirname(target));
  return true;
}

/**
 * Creates `dir` if missing, recursively, with mode 0700 for every directory created.
 * Succeeds if `dir` is a directory or a symlink to one; throws {@link KeyFileError}
 * (`not-directory`, or the mapped errno) otherwise.
 */
export async function ensureDirectory(dir: string): Promise<void> {
  const resolved = path.resolve(dir);
  const stat = await statIfExists(resolved, fs.stat);
  if (stat?.isDirectory()) return;
  // Not a directory, or a dangling symlink (stat says missing, lstat finds it) — unless it
  // is a directory made meanwhile (another save into the same new folder), which is fine.
  if (stat || (await statIfExists(resolved, fs.lstat))) {
    if ((await statIfExists(resolved, fs.stat))?.isDirectory()) return;
    throw new KeyFileError('not-directory', resolved);
  }
  try {
    const first = await fs.mkdir(resolved, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask; make every created directory exactly 0700.
    for (let d = resolved; first !== undefined; d = path.dirname(d)) {
      await fs.chmod(d, 0o700);
      if (d === first || d === path.dirname(d)) break;
    }
  } catch (err) {
    throw toKeyFileError(err, resolved);
  }
}

/** The icacls invocation that gives only `userName` access to `filePath` (full control, no inherited entries). */
export function windowsAclCommand(filePath: string, userName: string): { command: string; args: string[] } {
  // Full path, so an icacls.exe in the current (workspace) folder is never picked up.
  const command = path.win32.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'icacls.exe');
  return { command, args: [filePath, '/inheritance:r', '/grant:r', `${userName}:F`] };
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** link(2) errors that mean "this file system has no hard links". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

function targetPaths(dir: string, fileBase: string): { dir: string; privatePath: string; publicPath: string } {
  if (!isPlainFileName(fileBase)) throw new Error(`Not a plain file name: "${fileBase}"`);
  // Defence in depth: the name check refuses these first; a caller that skipped it still can't.
  const problem = keyFileProblem(fileBase);
  if (problem) throw new Error(describeKeyFileProblem(problem, displayPath(path.resolve(dir))));
  const resolved = path.resolve(dir);
  const privatePath = path.join(resolved, fileBase);
  return { dir: resolved, privatePath, publicPath: `${privatePath}.pub` };
}

/** Writes `target` via a temp file (see the module comment); throws KeyFileError. */
async function placeFile(
  target: string,
  content: string | Uint8Array,
  mode: number,
  overwrite: boolean,
): Promise<void> {
  const temp = tempPath(path.dirname(target));
  try {
    await createFile(temp, content, mode);
    try {
      if (overwrite) await fs.rename(temp, target);
      else await linkOrCreate(temp, target, content, mode);
    } finally {
      await fs.rm(temp, { force: true }).catch(() => undefined);
    }
  } catch (err) {
    throw toKeyFileError(err, target);
  }
}

async function linkOrCreate(temp: string, target: string, content: string | Uint8Array, mode: number): Promise<void> {
  try {
    await fs.link(temp, target);
  } catch (err) {
    if (!NO_HARD_LINKS.has(errnoCode(err) ?? '')) throw err;
    await createFile(target, content, mode);
  }
}

/** Creates `file` exclusively, sets `mode`, writes and fsyncs; removes it again on failure. */
async function createFile(file: string, content: string | Uint8Array, mode: number): Promise<void> {
  const handle = await fs.open(file, CREATE_FLAGS, 0o600);
  try {
    await handle.chmod(mode);
    if (process.platform === 'win32' && (mode & 0o077) === 0) await restrictToCurrentUser(file);
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.unlink(file).catch(() => undefined);
    throw err;
  }
}

async function restrictToCurrentUser(file: string): Promise<void> {
  const user = os.userInfo().username;
  const domain = process.env.USERDOMAIN;
  const { command, args } = windowsAclCommand(file, domain ? `${domain}\\${user}` : user);
  // Loaded here (Windows only), not on activation.
  const { execFile } = await import('node:child_process');
  await promisify(execFile)(command, args, { windowsHide: true });
}

/** Makes the directory entries durable; best effort (not possible on Windows or some file systems). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await fs.open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The files are complete and in place; only durability across a power loss is weaker.
  }
}

/** `statFn(p)`, or undefined if nothing is there; other errors become KeyFileErrors. */
async function statIfExists(p: string, statFn: typeof fs.stat): Promise<Stats | undefined> {
  try {
    return await statFn(p);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw toKeyFileError(err, p);
  }
}

/** Creates and removes an empty temp file in `dir`: the only reliable write check (ACLs, read-only mounts, root). */
async function probeWritable(dir: string): Promise<void> {
  const probe = tempPath(dir);
  try {
    await (await fs.open(probe, CREATE_FLAGS, 0o600)).close();
  } catch (err) {
    throw toKeyFileError(err, dir);
  }
  await fs.unlink(probe).catch(() => undefined);
}

function tempPath(dir: string): string {
  return path.join(dir, `.${randomBytes(8).toString('hex')}.tmp`);
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
