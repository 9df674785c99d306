/**
 * Installing and removing public keys in a server's `~/.ssh/authorized_keys` over SSH, as
 * ssh-copy-id does, and the per-server step of key rotation. Pure core: no `vscode` import.
 *
 * How the file is changed, safely:
 *  - Read: one `ssh` run prints the file's state (absent, or its POSIX `cksum`) and its bytes.
 *  - Edit locally with src/core/ssh/authorizedKeys.ts (exact lines, nothing appended twice).
 *  - Write: a second `ssh` run gets the new bytes on stdin (key material never goes on a
 *    command line). The remote script writes them to a temp file in `~/.ssh` that first got
 *    the old file's mode (`cp -p`), checks the byte count, checks that the file is still what
 *    was read, and only then renames the temp file over it. On any failure the file is
 *    untouched. `~/.ssh` (0700) and the file (0600) are created when missing.
 * The remote scripts are fixed text; the only arguments are numbers made here.
 */
import { spawn } from 'node:child_process';
import {
  AuthorizedKeysError,
  addAuthorizedKeyWithOptions,
  authorizedKeyLine,
  authorizedKeyOptions,
  removeAuthorizedKey,
} from './authorizedKeys';
import { sha256Fingerprint } from '../keys/fingerprint';
import { UserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

/**
 * Where to log in, the way the user's own `ssh` reaches the server: through the user's SSH
 * config (`configArgs`: `sshConfigArgs(sshConfigTarget())`, `[]` for ssh's default file), to
 * the server's Host alias when it has an entry there (so its ProxyJump, Port, User,
 * HostKeyAlias apply), else to its address.
 */
export interface SshTarget {
  /** The Host alias of the server's entry, or its address. */
  host: string;
  /** `-p`: only for an address without an entry (an alias takes its Port from the config). */
  port?: number;
  /** `-l`; absent: the config's User for the host (or the local user name). */
  user?: string;
  /** Arguments choosing the SSH config (`['-F', path]`, or `[]` for ssh's default). */
  configArgs?: readonly string[];
  /**
   * Set by {@link resolveTarget}: what the user's config resolves for the host (`ssh -G`), as
   * options; ssh then reads no config file, so no IdentityFile of the config is offered besides
   * the one key under test.
   */
  resolved?: { host: string; args: string[] };
  /** known_hosts file for the host key (UserKnownHostsFile); default: what the config says. */
  knownHostsFile?: string;
}

/**
 * A private key to log in with: its file (`-i`), and the agent that may hold it when the
 * file is protected by a passphrase (`IdentityAgent`: a socket path, `none`, or absent for
 * what the user's config and SSH_AUTH_SOCK say).
 */
export type Identity = string | { file: string; agent?: string };

function identityFile(identity: Identity): string {
  return typeof identity === 'string' ? identity : identity.file;
}

/** Why an SSH step failed. */
export type RemoteFailureKind =
  | 'auth-refused' // the server did not accept the key
  | 'unreachable' // no connection (refused, no route, unknown host name)
  | 'host-key-mismatch' // the host key differs from known_hosts
  | 'host-key-unknown' // no known host key (and the user did not accept the one shown)
  | 'timeout' // no answer in time
  | 'identity-unusable' // the private key file is missing, unreadable, or has a passphrase
  | 'file-changed' // authorized_keys changed between read and write: nothing written
  | 'unsupported-file' // authorized_keys is a symbolic link, or not a regular file
  | 'bad-key' // the public key given is not one valid key
  | 'same-key' // rotation from a key to itself
  | 'config-write' // the SSH config entries could not be pointed at the new key
  | 'still-accepted' // the old key still logs in after its line was removed
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

export type LoginCheck =
  | {
      ok: true;
      /** SHA256 fingerprint of the key the server accepted (`SHA256:…`), when ssh said. */
      acceptedKey?: string;
    }
  | { ok: false; kind: RemoteFailureKind; message: string };

export interface SshRunOptions {
  /** Seconds for the whole `ssh` run (default 30); ConnectTimeout is at most this. */
  timeoutSeconds?: number;
  /** The `ssh` program (default `ssh` on PATH). */
  sshPath?: string;
}

const MAX_FILE_BYTES = 1024 * 1024;

/** One `-o` value, double-quoted when it holds a blank (ssh splits -o values as config lines). */
function optionValue(value: string): string {
  if (/["\r\n]/.test(value)) throw new RemoteKeyError('identity-unusable', l10n.t('Invalid path "{0}".', value));
  return /[ \t]/.test(value) ? `"${value}"` : value;
}

/**
 * The `ssh` arguments (before the remote command) for `target` with `identity` offered first.
 * The user's SSH config is read (never `-F /dev/null`); what is forced on the command line:
 * BatchMode, IdentitiesOnly, no passwords, no forwarding, no shared connection, and strict
 * host key checking (an unknown host key is shown to the user first, never trusted silently).
 * `verbose` adds `-v`, from which {@link verifyLogin} reads which key the server accepted.
 */
export function sshArguments(
  target: SshTarget,
  identity: Identity,
  timeoutSeconds = 30,
  extra: { verbose?: boolean; knownHostsFile?: string; strict?: 'yes' | 'accept-new' } = {},
): string[] {
  checkWord(target.host, (shown) => l10n.t('Invalid host "{0}".', shown));
  if (target.user !== undefined) checkWord(target.user, (shown) => l10n.t('Invalid user "{0}".', shown));
  const port = target.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new RemoteKeyError('unreachable', l10n.t('Invalid port {0}.', port));
  const args = [
    ...(target.resolved ? ['-F', '/dev/null'] : (target.configArgs ?? [])),
    ...(extra.verbose ? ['-v'] : []),
    '-i',
    identityFile(identity),
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
    'ForwardX11=no',
    '-o',
    'ClearAllForwardings=yes',
    '-o',
    'RequestTTY=no',
    '-o',
    'PermitLocalCommand=no',
    '-o',
    'UpdateHostKeys=no',
    '-o',
    `ConnectTimeout=${Math.max(1, Math.min(timeoutSeconds, 30))}`,
    '-o',
    `StrictHostKeyChecking=${extra.strict ?? 'yes'}`,
  ];
  if (typeof identity !== 'string' && identity.agent !== undefined) {
    args.push('-o', `IdentityAgent=${optionValue(identity.agent)}`);
  }
  const knownHosts = extra.knownHostsFile ?? target.knownHostsFile;
  if (knownHosts) {
    args.push('-o', `UserKnownHostsFile=${optionValue(knownHosts)}`, '-o', 'GlobalKnownHostsFile=/dev/null');
  }
  if (target.resolved) {
    args.push(...target.resolved.args, '--', target.resolved.host);
    return args;
  }
  if (port !== undefined) args.push('-p', String(port));
  if (target.user !== undefined) args.push('-l', target.user);
  args.push('--', target.host);
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
  const text = stderr
    .replace(/\r\n?/g, '\n')
    .replace(/[^\x20-\x7e\n]/g, '?')
    .trim();
  const last = text
    .split('\n')
    .filter((l) => l && !l.startsWith('Warning: Permanently added') && !/^debug\d:/.test(l))
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
 * A word for a ProxyCommand: ssh expands `%` tokens in it first (so a literal `%` is `%%`),
 * then runs it through the user's POSIX shell (so it is quoted when needed).
 */
function shellWord(value: string): string {
  const literal = value.replace(/%/g, '%%');
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(literal) ? literal : `'${literal.replace(/'/g, "'\\''")}'`;
}

/**
 * One ProxyJump hop as ssh reads it (`[ssh://][user@]host[:port]`, an IPv6 address in
 * brackets; the user is what comes before the last `@`): ssh takes no `host:port` as a
 * destination, so the last hop's user and port go to `-l` and `-p`, as ssh's own -J does.
 */
export function jumpHop(hop: string): { user?: string; host: string; port?: string } {
  let rest = hop.replace(/^ssh:\/\//i, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const m = /^\[([^\]]*)\](?::(\d+))?$/.exec(rest) ?? /^([^:]*)(?::(\d+))?$/.exec(rest);
  const host = m?.[1] ?? rest;
  const port = m?.[2];
  return { ...(user ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

/**
 * What the user's SSH config resolves for `target` (`ssh [config] -G [-p] [-l] -- host`):
 * every value of each keyword, in ssh's order (IdentityFile has several). Throws
 * {@link RemoteKeyError} when ssh can't resolve the host.
 */
export async function sshConfigValues(target: SshTarget, opts: SshRunOptions = {}): Promise<Map<string, string[]>> {
  sshArguments(target, '/dev/null'); // checks host, user and port
  const lookup = [
    ...(target.configArgs ?? []),
    '-G',
    ...(target.port !== undefined ? ['-p', String(target.port)] : []),
    ...(target.user !== undefined ? ['-l', target.user] : []),
    '--',
    target.host,
  ];
  const run = await runSsh(lookup, Buffer.alloc(0), opts);
  if (run.status !== 0) {
    const c = classifySshFailure(run.status, run.stderr, run.timedOut);
    throw new RemoteKeyError(c.kind, c.message);
  }
  const values = new Map<string, string[]>();
  for (const line of run.stdout.toString('utf8').split(/\r?\n/)) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) values.set(m[1], [...(values.get(m[1]) ?? []), m[2]]);
  }
  return values;
}

/**
 * `target` with what the user's SSH config resolves for it (`ssh -G`): HostName, Port, User,
 * HostKeyAlias, the known_hosts files, CheckHostIP, AddressFamily, BindAddress, and the way
 * there (ProxyCommand; a ProxyJump becomes `ssh <config> [-J …] -W [%h]:%p <last jump>`, so
 * the jump hosts are reached with the user's config as ssh itself does). Runs that use it read
 * no config file: ssh offers config IdentityFiles before `-i`, so only this way is a login
 * "with only this key". Throws {@link RemoteKeyError} when ssh can't resolve the host.
 */
export async function resolveTarget(target: SshTarget, opts: SshRunOptions = {}): Promise<SshTarget> {
  const all = await sshConfigValues(target, opts);
  const get = (k: string) => all.get(k)?.[0];
  const args: string[] = [];
  const o = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '' && v !== 'none') args.push('-o', `${k}=${v}`);
  };
  o('HostKeyAlias', get('hostkeyalias'));
  if (!target.knownHostsFile) {
    o('UserKnownHostsFile', get('userknownhostsfile'));
    o('GlobalKnownHostsFile', get('globalknownhostsfile'));
  }
  o('CheckHostIP', get('checkhostip'));
  o('AddressFamily', get('addressfamily'));
  o('BindAddress', get('bindaddress'));
  const jump = get('proxyjump');
  const command = get('proxycommand');
  if (command && command !== 'none') o('ProxyCommand', command);
  else if (jump && jump !== 'none') {
    const hops = jump.split(',');
    const last = jumpHop(hops.pop() ?? jump);
    const via = [
      'ssh',
      ...(target.configArgs ?? []).map(shellWord),
      ...(hops.length > 0 ? ['-J', shellWord(hops.join(','))] : []),
      ...(last.user !== undefined ? ['-l', shellWord(last.user)] : []),
      ...(last.port !== undefined ? ['-p', shellWord(last.port)] : []),
      '-W',
      "'[%h]:%p'",
      '--',
      shellWord(last.host),
    ].join(' ');
    args.push('-o', `ProxyCommand=${via}`);
  }
  args.push('-p', get('port') ?? '22', '-l', get('user') ?? target.user ?? '');
  return { ...target, resolved: { host: get('hostname') ?? target.host, args } };
}

/** The fingerprint (`SHA256:…`) of the key the server accepted, from `ssh -v` output (the last one: a ProxyJump's own comes first). */
export function acceptedKeyFingerprint(stderr: string): string | undefined {
  const all = [...stderr.matchAll(/^debug1: Server accepts key: .* (SHA256:[A-Za-z0-9+/=]+)/gm)];
  return all.at(-1)?.[1];
}

/**
 * Logs in with `identity` offered first (BatchMode, IdentitiesOnly, no passwords) and runs a
 * harmless command; `acceptedKey` says which key the server took (entries of the user's config
 * for the host are offered after `-i`, so a login may succeed with another key: callers check).
 * Never throws for SSH failures: they come back classified.
 */
export async function verifyLogin(
  target: SshTarget,
  identity: Identity,
  opts: SshRunOptions = {},
): Promise<LoginCheck> {
  let args: string[];
  try {
    args = sshArguments(target, identity, opts.timeoutSeconds, { verbose: true });
  } catch (err) {
    if (err instanceof RemoteKeyError) return { ok: false, kind: err.kind, message: err.message };
    throw err;
  }
  const run = await runSsh([...args, 'echo keypairs-login-ok'], Buffer.alloc(0), opts);
  if (run.status === 0 && run.stdout.toString('latin1').includes('keypairs-login-ok')) {
    const acceptedKey = acceptedKeyFingerprint(run.stderr);
    return acceptedKey ? { ok: true, acceptedKey } : { ok: true };
  }
  return classifySshFailure(run.status, run.stderr, run.timedOut);
}

/**
 * Logs in with `identity` and checks that the server accepted exactly `publicKey` (not another
 * key the user's config offers for the host). A login with another key is `auth-refused`.
 */
export async function verifyKeyLogin(
  target: SshTarget,
  identity: Identity,
  publicKey: string,
  opts: SshRunOptions = {},
): Promise<LoginCheck> {
  const check = await verifyLogin(target, identity, opts);
  if (!check.ok) return check;
  if (check.acceptedKey !== undefined && check.acceptedKey === sha256Fingerprint(publicKey)) return check;
  return { ok: false, kind: 'auth-refused', message: l10n.t('The server refused the key.') };
}

/**
 * Whether the server still accepts `publicKey` (offered through `identity` only, first):
 * `accepted` when it logs in with it, `refused` when the server turned it down (another key
 * of the user's config for the host may then have logged in), or the failure that kept it
 * from telling.
 */
export async function checkKeyRefused(
  target: SshTarget,
  identity: Identity,
  publicKey: string,
  opts: SshRunOptions = {},
): Promise<{ status: 'accepted' | 'refused' } | (LoginCheck & { ok: false })> {
  const check = await verifyLogin(target, identity, opts);
  if (check.ok) return { status: check.acceptedKey === sha256Fingerprint(publicKey) ? 'accepted' : 'refused' };
  if (check.kind === 'auth-refused') return { status: 'refused' };
  return check;
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

async function readRemote(target: SshTarget, identity: Identity, opts: SshRunOptions): Promise<RemoteFile> {
  const run = await runSsh(
    [...sshArguments(target, identity, opts.timeoutSeconds), remoteCommand(READ_SCRIPT)],
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
  identity: Identity,
  before: RemoteFile,
  text: string,
  opts: SshRunOptions,
  ifWritten: string,
): Promise<void> {
  const bytes = Buffer.from(text, 'latin1');
  const command = remoteCommand(WRITE_SCRIPT, before.state, String(bytes.length));
  const run = await runSsh([...sshArguments(target, identity, opts.timeoutSeconds), command], bytes, opts);
  if (run.status === 0) return;
  const failure = remoteFailure(run);
  // ssh's own failure (255), a signal or the timeout: the remote script may have finished.
  if (run.status === 255 || run.timedOut || run.status === null) {
    throw new RemoteKeyError(failure.kind, `${failure.message} ${ifWritten}`);
  }
  throw failure;
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
 * Adds `newPublicKey` to the target's `~/.ssh/authorized_keys`, logging in with `identity`.
 * With `keepOptionsOf`, the new line gets the options of that key's line (`from=`, `no-pty`,
 * `command=`…): a key that replaces another can do no more than it could. Returns
 * `changed: false` when the key was already there (nothing is appended twice), and the
 * options written. When `keepOptionsOf` is not in the file (the server authorizes it
 * elsewhere) nothing is written: `still-accepted`. Throws {@link RemoteKeyError}; the file is
 * then unchanged.
 */
export async function installPublicKey(
  target: SshTarget,
  identity: Identity,
  newPublicKey: string,
  opts: SshRunOptions = {},
  keepOptionsOf?: string,
): Promise<{ changed: boolean; options: string }> {
  const { line } = keyLine(newPublicKey);
  if (keepOptionsOf !== undefined) keyLine(keepOptionsOf);
  const before = await readRemote(target, identity, opts);
  const kept = keepOptionsOf === undefined ? '' : authorizedKeyOptions(before.text, keepOptionsOf);
  if (kept === undefined) {
    // The key it replaces logs in, but not through this file: its restrictions are unknown
    // here, and removing it from this file could not revoke it.
    throw new RemoteKeyError(
      'still-accepted',
      l10n.t(
        'The old key is not in ~/.ssh/authorized_keys: the server authorizes it elsewhere (authorized_keys2, a file under /etc/ssh, …), so here it can neither be revoked nor its restrictions be given to the new key. Nothing was changed there.',
      ),
    );
  }
  const options = kept;
  let edited;
  try {
    edited = addAuthorizedKeyWithOptions(before.text, Buffer.from(line, 'utf8').toString('latin1'), options);
  } catch (err) {
    if (err instanceof AuthorizedKeysError) throw new RemoteKeyError('unsupported-file', err.message);
    throw err;
  }
  if (edited.changed) {
    await writeRemote(
      target,
      identity,
      before,
      edited.text,
      opts,
      l10n.t('The connection ended while authorized_keys was written: it may now hold the new key as well.'),
    );
  }
  return { changed: edited.changed, options };
}

/**
 * Removes exactly the line(s) of `oldPublicKey` from the target's authorized_keys, logging in
 * with `identity`; every other byte stays. `removed: 0` when the key was not there.
 * Throws {@link RemoteKeyError}; the file is then unchanged.
 */
export async function removePublicKey(
  target: SshTarget,
  identity: Identity,
  oldPublicKey: string,
  opts: SshRunOptions = {},
): Promise<{ removed: number }> {
  const { line } = keyLine(oldPublicKey);
  const before = await readRemote(target, identity, opts);
  const { text, removed } = removeAuthorizedKey(before.text, line);
  if (removed > 0) {
    await writeRemote(
      target,
      identity,
      before,
      text,
      opts,
      l10n.t('The connection ended while authorized_keys was written: the old key may or may not be gone.'),
    );
  }
  return { removed };
}

export interface RotationKeys {
  oldIdentity: Identity;
  oldPublicKey: string;
  newIdentity: Identity;
  newPublicKey: string;
}

/** The steps of one server's rotation, in order. */
export type RotationStep = 'reach' | 'install' | 'verify' | 'config' | 'remove' | 'revoke';

export interface ServerRotationResult {
  /** A login with the old key worked (the way the user's ssh reaches the server). */
  reached: boolean;
  /** The new key is in authorized_keys (added now or already there). */
  installed: boolean;
  /** The options the new key's line got from the old one (`''`: none). */
  options?: string;
  /** A login with only the new key worked. */
  verified: boolean;
  /** The server's own SSH config entries now name the new key. */
  entriesMoved: boolean;
  /** The old key's line(s) were removed from ~/.ssh/authorized_keys (false when none was there). */
  oldRemoved: boolean;
  /** A login with the old key was refused afterwards. */
  revoked: boolean;
  /** Where and why it stopped; absent on success. */
  error?: { step: RotationStep; kind: RemoteFailureKind; message: string };
}

/** What a server's rotation asks of its caller. */
export interface RotationHooks {
  /**
   * The server's host key is not known: check it (its console first, see
   * ../flows/hostKeyCheck) and pin it, then the step is tried again; or say why not (a
   * mismatch, not accepted, not reached), which stops the server. Absent: an unknown host
   * key stops the server.
   */
  hostKeyUnknown?(): Promise<{ kind: RemoteFailureKind; message: string } | undefined>;
  /**
   * ssh refused the host key as changed (the pin is stale, or someone is in the middle): the
   * same check says what it presents and what is pinned (both fingerprints, and what it may
   * mean); it never replaces a pin. Absent: ssh's own sentence.
   */
  hostKeyChanged?(): Promise<{ kind: RemoteFailureKind; message: string } | undefined>;
  /** Points the server's own SSH config entries at the new key; throws when it can't (then nothing changed). */
  moveEntries?(): Promise<void>;
}

/**
 * One server's rotation, each step only when the one before worked:
 *  1. reach: a login with the old key (an unknown host key is shown through the hook first);
 *  2. install the new key, with the old line's options;
 *  3. verify: a login in which the server accepts exactly the new key;
 *  4. config: the server's own SSH config entries point at the new key (`moveEntries`);
 *  5. remove the old key's line (logged in with the new key);
 *  6. revoke: a login with the old key must now be refused; when it still works, the key is
 *     authorized outside ~/.ssh/authorized_keys and the server is reported as not revoked.
 * Until step 4 the user's entries and the old key are as they were.
 */
export async function rotateOnServer(
  target: SshTarget,
  keys: RotationKeys,
  opts: SshRunOptions = {},
  hooks: RotationHooks = {},
): Promise<ServerRotationResult> {
  const result: ServerRotationResult = {
    reached: false,
    installed: false,
    verified: false,
    entriesMoved: false,
    oldRemoved: false,
    revoked: false,
  };
  const stop = (step: RotationStep, kind: RemoteFailureKind, message: string): ServerRotationResult => ({
    ...result,
    error: { step, kind, message },
  });
  const thrown = (step: RotationStep, err: unknown): ServerRotationResult => {
    if (err instanceof RemoteKeyError) return stop(step, err.kind, err.message);
    throw err;
  };
  try {
    if (keyLine(keys.oldPublicKey).key === keyLine(keys.newPublicKey).key) {
      throw new RemoteKeyError('same-key', l10n.t('The new key is the same as the old key.'));
    }
  } catch (err) {
    return thrown('reach', err);
  }

  // 1. reach
  try {
    target = await resolveTarget(target, opts);
  } catch (err) {
    return thrown('reach', err);
  }
  let reach = await verifyKeyLogin(target, keys.oldIdentity, keys.oldPublicKey, opts);
  if (!reach.ok && reach.kind === 'host-key-unknown' && hooks.hostKeyUnknown) {
    const why = await hooks.hostKeyUnknown();
    if (why) return stop('reach', why.kind, why.message);
    reach = await verifyKeyLogin(target, keys.oldIdentity, keys.oldPublicKey, opts);
  }
  if (!reach.ok && reach.kind === 'host-key-mismatch' && hooks.hostKeyChanged) {
    const why = await hooks.hostKeyChanged();
    if (why) return stop('reach', why.kind, why.message);
  }
  if (!reach.ok) return stop('reach', reach.kind, reach.message);
  result.reached = true;

  // 2. install
  try {
    const installed = await installPublicKey(target, keys.oldIdentity, keys.newPublicKey, opts, keys.oldPublicKey);
    result.installed = true;
    result.options = installed.options;
  } catch (err) {
    return thrown('install', err);
  }

  // 3. verify
  const check = await verifyKeyLogin(target, keys.newIdentity, keys.newPublicKey, opts);
  if (!check.ok) return stop('verify', check.kind, check.message);
  result.verified = true;

  // 4. config
  if (hooks.moveEntries) {
    try {
      await hooks.moveEntries();
    } catch (err) {
      return stop('config', 'config-write', err instanceof Error ? err.message : String(err));
    }
  }
  result.entriesMoved = true;

  // 5. remove
  try {
    result.oldRemoved = (await removePublicKey(target, keys.newIdentity, keys.oldPublicKey, opts)).removed > 0;
  } catch (err) {
    return thrown('remove', err);
  }

  // 6. revoke
  const refused = await checkKeyRefused(target, keys.oldIdentity, keys.oldPublicKey, opts);
  if ('status' in refused) {
    if (refused.status === 'accepted') {
      return stop(
        'revoke',
        'still-accepted',
        l10n.t('still accepted: it is authorized outside ~/.ssh/authorized_keys.'),
      );
    }
    result.revoked = true;
    return result;
  }
  return stop('revoke', refused.kind, refused.message);
}
