/**
 * Installing and removing public keys in a server's `~/.ssh/authorized_keys` over SSH, as
 * ssh-copy-id does, and the per-server step of key rotation. Pure core: no `vscode` import.
 *
 * How the file is changed, safely:
 *  - Read: one `ssh` run prints the file's state (absent, or its POSIX `cksum`) and its bytes.
 *  - Edit locally with src/keys/authorizedKeys.ts (exact lines, nothing appended twice).
 *  - Write: a second `ssh` run gets the new bytes on stdin (key material never goes on a
 *    command line). The remote script writes them to a temp file in `~/.ssh` that first got
 *    the old file's mode (`cp -p`), checks the byte count, checks that the file is still what
 *    was read, and only then renames the temp file over it. On any failure the file is
 *    untouched. `~/.ssh` (0700) and the file (0600) are created when missing.
 * The remote scripts are fixed text; the only arguments are numbers made here.
 */
import { spawn } from 'node:child_process';
import { AuthorizedKeysError, addAuthorizedKey, authorizedKeyLine, removeAuthorizedKey } from '../keys/authorizedKeys';
import { UserSafeError } from '../api/userSafe';
import * as l10n from '../l10n';

/** Where to log in. */
export interface SshTarget {
  host: string;
  port?: number;
  user: string;
  /** An ssh_config file to use; default `/dev/null` (the user's own config is never read by accident). */
  configFile?: string;
  /** known_hosts file to check the host key against (UserKnownHostsFile); default: ssh's own. */
  knownHostsFile?: string;
  /** StrictHostKeyChecking; default `yes`. */
  strictHostKeyChecking?: 'yes' | 'accept-new' | 'no';
}

/** Why an SSH step failed. */
export type RemoteFailureKind =
  | 'auth-refused' // the server did not accept the key
  | 'unreachable' // no connection (refused, no route, unknown host name)
  | 'host-key-mismatch' // the host key differs from known_hosts
  | 'host-key-unknown' // no known host key and strict checking
  | 'timeout' // no answer in time
  | 'identity-unusable' // the private key file is missing, unreadable, or has a passphrase
  | 'file-changed' // authorized_keys changed between read and write: nothing written
  | 'unsupported-file' // authorized_keys is a symbolic link, or not a regular file
  | 'bad-key' // the public key given is not one valid key
  | 'same-key' // rotation from a key to itself
  | 'remote-error'; // anything else on the remote side (disk full, permissions, no HOME)

export class RemoteKeyError extends UserSafeError {
  override name = 'RemoteKeyError';
  constructor(
    readonly kind: RemoteFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export type LoginCheck = { ok: true } | { ok: false; kind: RemoteFailureKind; message: string };

export interface SshRunOptions {
  /** Seconds for the whole `ssh` run (default 30); ConnectTimeout is at most this. */
  timeoutSeconds?: number;
  /** The `ssh` program (default `ssh` on PATH). */
  sshPath?: string;
}

const MAX_FILE_BYTES = 1024 * 1024;

/** The `ssh` arguments (before the remote command) for `target` with only `identityFile`. */
export function sshArguments(target: SshTarget, identityFile: string, timeoutSeconds = 30): string[] {
  checkWord(target.host, (shown) => l10n.t('Invalid host "{0}".', shown));
  checkWord(target.user, (shown) => l10n.t('Invalid user "{0}".', shown));
  const port = target.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RemoteKeyError('unreachable', l10n.t('Invalid port {0}.', port));
  const args = [
    '-F',
    target.configFile ?? '/dev/null',
    '-i',
    identityFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    'KbdInteractiveAuthentication=no',
    '-o',
    'PreferredAuthentications=publickey',
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
    '-o',
    'ForwardAgent=no',
    '-o',
    'ClearAllForwardings=yes',
    '-o',
    'RequestTTY=no',
    '-o',
    `ConnectTimeout=${Math.max(1, Math.min(timeoutSeconds, 30))}`,
    '-o',
    `StrictHostKeyChecking=${target.strictHostKeyChecking ?? 'yes'}`,
  ];
  if (target.knownHostsFile) {
    args.push('-o', `UserKnownHostsFile=${target.knownHostsFile}`, '-o', 'GlobalKnownHostsFile=/dev/null');
  }
  args.push('-p', String(port), '-l', target.user, '--', target.host);
  return args;
}

function checkWord(value: string, message: (shown: string) => string): void {
  // eslint-disable-next-line no-control-regex
  if (value === '' || value.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new RemoteKeyError('unreachable', message(value.replace(/[^\x20-\x7e]/g, '?')));
  }
}

interface SshRun {
  status: number | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

function runSsh(args: string[], input: Buffer, opts: SshRunOptions): Promise<SshRun> {
  const timeoutMs = (opts.timeoutSeconds ?? 30) * 1000;
  return new Promise((resolve, reject) => {
    const child = spawn(opts.sshPath ?? 'ssh', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_FILE_BYTES + 4096) child.kill('SIGKILL');
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined); // the remote side may close early; status tells
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new RemoteKeyError('remote-error', l10n.t('Could not run ssh: {0}', e.message)));
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    child.stdin.end(input);
  });
}

/** Classifies a failed `ssh` run from its status and stderr (ssh exits 255 for its own errors). */
export function classifySshFailure(
  status: number | null,
  stderr: string,
  timedOut: boolean,
): LoginCheck & { ok: false } {
  const text = stderr.replace(/[^\x20-\x7e\n]/g, '?').trim();
  const last = text
    .split('\n')
    .filter((l) => l && !l.startsWith('Warning: Permanently added'))
    .slice(-3)
    .join(' ');
  const fail = (kind: RemoteFailureKind, message: string) => ({ ok: false as const, kind, message });
  if (timedOut || /Connection timed out|Operation timed out|timed out during banner exchange/.test(text)) {
    return fail('timeout', last ? l10n.t('No answer in time ({0}).', last) : l10n.t('No answer in time.'));
  }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(text)) {
    return fail('host-key-mismatch', l10n.t("The server's host key does not match the known host key."));
  }
  if (/No \S+ host key is known|Host key verification failed/.test(text)) {
    return fail('host-key-unknown', l10n.t("The server's host key is not known, and strict host key checking is on."));
  }
  if (
    /Identity file .* not accessible|Load key .*: (?:No such file|Permission denied|incorrect passphrase|error in libcrypto|invalid format)|UNPROTECTED PRIVATE KEY FILE|no such identity/i.test(
      text,
    )
  ) {
    return fail('identity-unusable', l10n.t("The private key file can't be used: {0}", last));
  }
  if (/Permission denied \(|Too many authentication failures|No more authentication methods/.test(text)) {
    return fail('auth-refused', l10n.t('The server refused the key.'));
  }
  if (
    /Connection refused|No route to host|Network is unreachable|Could not resolve hostname|Name or service not known|Connection closed by|Connection reset/.test(
      text,
    )
  ) {
    return fail('unreachable', l10n.t('Could not connect: {0}', last));
  }
  const exit = status === null ? l10n.t('ssh exited with a signal') : l10n.t('ssh exited with {0}', status);
  return fail('remote-error', last ? l10n.t('{0}: {1}', exit, last) : exit);
}

/**
 * Logs in with only `identityFile` (BatchMode, IdentitiesOnly, no passwords) and runs a
 * harmless command. Never throws for SSH failures: they come back classified.
 */
export async function verifyLogin(
  target: SshTarget,
  identityFile: string,
  opts: SshRunOptions = {},
): Promise<LoginCheck> {
  let args: string[];
  try {
    args = sshArguments(target, identityFile, opts.timeoutSeconds);
  } catch (err) {
    if (err instanceof RemoteKeyError) return { ok: false, kind: err.kind, message: err.message };
    throw err;
  }
  const run = await runSsh([...args, 'echo keypairs-login-ok'], Buffer.alloc(0), opts);
  if (run.status === 0 && run.stdout.toString('latin1').includes('keypairs-login-ok')) return { ok: true };
  return classifySshFailure(run.status, run.stderr, run.timedOut);
}

// Remote scripts: one line (csh and fish run them too, through `exec sh -c '…'`), no single
// quotes, no "!". $1/$2 are numbers or "absent" made by this module.
const PREAMBLE =
  'umask 077; [ -n "$HOME" ] || { echo "HOME is not set" >&2; exit 20; }; ' +
  'd="$HOME/.ssh"; f="$d/authorized_keys"; ' +
  'bad() { echo "$f is not a regular file" >&2; exit 21; }; if [ -L "$f" ]; then bad; fi; ' +
  'if [ -e "$f" ]; then [ -f "$f" ] || bad; fi; ';
const READ_SCRIPT =
  PREAMBLE +
  'if [ -e "$f" ]; then s=$(cksum < "$f") || exit 22; echo KEYPAIRS-AK present $s; exec cat -- "$f"; ' +
  'else echo KEYPAIRS-AK absent; fi';
const WRITE_SCRIPT =
  PREAMBLE +
  't=; fail() { [ -z "$t" ] || rm -f -- "$t"; echo "$2" >&2; exit "$1"; }; ' +
  'trap "fail 26 interrupted" HUP INT TERM PIPE; ' +
  'state() { if [ -e "$f" ]; then s=$(cksum < "$f") || fail 22 "cannot read $f"; echo $s; else echo absent; fi; }; ' +
  '[ "$(state)" = "$1" ] || fail 23 "$f changed meanwhile"; ' +
  '[ -d "$d" ] || mkdir -m 700 -- "$d" || fail 24 "cannot create $d"; ' +
  't=$(mktemp "$d/.authorized_keys.XXXXXXXX") || fail 24 "cannot create a file in $d"; ' +
  'if [ -e "$f" ]; then cp -p -- "$f" "$t" || fail 24 "cannot copy $f"; else chmod 600 "$t" || fail 24 "chmod"; fi; ' +
  'cat > "$t" || fail 25 "cannot write $t"; ' +
  '[ "$(wc -c < "$t")" -eq "$2" ] || fail 25 "incomplete write"; ' +
  '[ "$(state)" = "$1" ] || fail 23 "$f changed meanwhile"; ' +
  'mv -f -- "$t" "$f" || fail 25 "cannot replace $f"';

function remoteCommand(script: string, ...args: string[]): string {
  return `exec sh -c '${script}' keypairs ${args.map((a) => `'${a}'`).join(' ')}`;
}

interface RemoteFile {
  /** `absent` or the `cksum` output ("crc size"). */
  state: string;
  /** The bytes as a latin1 string. */
  text: string;
}

async function readRemote(target: SshTarget, identityFile: string, opts: SshRunOptions): Promise<RemoteFile> {
  const run = await runSsh(
    [...sshArguments(target, identityFile, opts.timeoutSeconds), remoteCommand(READ_SCRIPT)],
    Buffer.alloc(0),
    opts,
  );
  if (run.status !== 0) throw remoteFailure(run);
  // Login scripts may print before the command runs: the answer starts at the marker line.
  const out = run.stdout.toString('latin1');
  const at = out.startsWith('KEYPAIRS-AK ') ? 0 : out.indexOf('\nKEYPAIRS-AK ') + 1;
  const all = at > 0 || out.startsWith('KEYPAIRS-AK ') ? out.slice(at) : '';
  const nl = all.indexOf('\n');
  const head = (nl < 0 ? all : all.slice(0, nl)).replace(/^KEYPAIRS-AK /, '');
  if (head === 'absent') return { state: 'absent', text: '' };
  const m = /^present (\d+) (\d+)$/.exec(head);
  if (!m)
    throw new RemoteKeyError(
      'remote-error',
      l10n.t('The server gave an unexpected answer while reading authorized_keys.'),
    );
  if (Number(m[2]) > MAX_FILE_BYTES)
    throw new RemoteKeyError('unsupported-file', l10n.t('authorized_keys is larger than 1 MiB.'));
  const text = all.slice(nl + 1);
  if (text.length !== Number(m[2]))
    throw new RemoteKeyError('file-changed', l10n.t('authorized_keys changed while it was read.'));
  return { state: `${m[1]} ${m[2]}`, text };
}

async function writeRemote(
  target: SshTarget,
  identityFile: string,
  before: RemoteFile,
  text: string,
  opts: SshRunOptions,
): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  const command = remoteCommand(WRITE_SCRIPT, before.state, String(bytes.length));
  const run = await runSsh([...sshArguments(target, identityFile, opts.timeoutSeconds), command], bytes, opts);
  if (run.status !== 0) throw remoteFailure(run);
}

function remoteFailure(run: SshRun): RemoteKeyError {
  if (run.status === 255 || run.timedOut || run.status === null) {
    const c = classifySshFailure(run.status, run.stderr, run.timedOut);
    return new RemoteKeyError(c.kind, c.message);
  }
  const detail =
    run.stderr
      .replace(/[^\x20-\x7e\n]/g, '?')
      .trim()
      .split('\n')
      .slice(-1)[0] ?? '';
  const kind: RemoteFailureKind =
    run.status === 21 ? 'unsupported-file' : run.status === 23 ? 'file-changed' : 'remote-error';
  return new RemoteKeyError(
    kind,
    detail
      ? l10n.t('The server could not update authorized_keys: {0}.', detail)
      : l10n.t('The server could not update authorized_keys.'),
  );
}

function keyLine(publicKey: string): { key: string; line: string } {
  try {
    return authorizedKeyLine(publicKey);
  } catch (err) {
    if (err instanceof AuthorizedKeysError) throw new RemoteKeyError('bad-key', err.message);
    throw err;
  }
}

/**
 * Adds `newPublicKey` to the target's `~/.ssh/authorized_keys`, logging in with `identityFile`.
 * Returns `changed: false` when the key was already there (nothing is appended twice).
 * Throws {@link RemoteKeyError}; the file is then unchanged.
 */
export async function installPublicKey(
  target: SshTarget,
  identityFile: string,
  newPublicKey: string,
  opts: SshRunOptions = {},
): Promise<{ changed: boolean }> {
  const { line } = keyLine(newPublicKey);
  const before = await readRemote(target, identityFile, opts);
  const { text, changed } = addAuthorizedKey(before.text, Buffer.from(line, 'utf8').toString('latin1'));
  if (changed) await writeRemote(target, identityFile, before, text, opts);
  return { changed };
}

/**
 * Removes exactly the line(s) of `oldPublicKey` from the target's authorized_keys, logging in
 * with `identityFile`; every other byte stays. `removed: 0` when the key was not there.
 * Throws {@link RemoteKeyError}; the file is then unchanged.
 */
export async function removePublicKey(
  target: SshTarget,
  identityFile: string,
  oldPublicKey: string,
  opts: SshRunOptions = {},
): Promise<{ removed: number }> {
  const { line } = keyLine(oldPublicKey);
  const before = await readRemote(target, identityFile, opts);
  const { text, removed } = removeAuthorizedKey(before.text, line);
  if (removed > 0) await writeRemote(target, identityFile, before, text, opts);
  return { removed };
}

export interface RotationKeys {
  oldIdentityFile: string;
  oldPublicKey: string;
  newIdentityFile: string;
  newPublicKey: string;
}

export interface ServerRotationResult {
  /** The new key is in authorized_keys (added now or already there). */
  installed: boolean;
  /** A login with only the new key worked. */
  verified: boolean;
  /** The old key's line(s) are gone. */
  oldRemoved: boolean;
  /** Where and why it stopped; absent on success. */
  error?: { step: 'install' | 'verify' | 'remove'; kind: RemoteFailureKind; message: string };
}

/**
 * One server's rotation: install the new key with the old one, check that the new key logs
 * in, and only then remove the old key's line (logged in with the new key). Stops at the
 * first failure; the old key keeps working until the new one is verified.
 */
export async function rotateOnServer(
  target: SshTarget,
  keys: RotationKeys,
  opts: SshRunOptions = {},
): Promise<ServerRotationResult> {
  const result: ServerRotationResult = { installed: false, verified: false, oldRemoved: false };
  const stop = (step: 'install' | 'verify' | 'remove', err: unknown): ServerRotationResult => {
    if (!(err instanceof RemoteKeyError)) throw err;
    return { ...result, error: { step, kind: err.kind, message: err.message } };
  };
  try {
    if (keyLine(keys.oldPublicKey).key === keyLine(keys.newPublicKey).key) {
      throw new RemoteKeyError('same-key', l10n.t('The new key is the same as the old key.'));
    }
    await installPublicKey(target, keys.oldIdentityFile, keys.newPublicKey, opts);
    result.installed = true;
  } catch (err) {
    return stop('install', err);
  }
  const check = await verifyLogin(target, keys.newIdentityFile, opts);
  if (!check.ok) return { ...result, error: { step: 'verify', kind: check.kind, message: check.message } };
  result.verified = true;
  try {
    await removePublicKey(target, keys.newIdentityFile, keys.oldPublicKey, opts);
    result.oldRemoved = true;
  } catch (err) {
    return stop('remove', err);
  }
  return result;
}
