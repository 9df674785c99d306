/**
 * Host keys pinned for the servers Connect writes entries for, and the key a server presents.
 *
 * Where the keys go (the choice, and why): a known-hosts file of our own,
 * `~/.ssh/server-keypairs_known_hosts`, named in each entry we write with `UserKnownHostsFile`
 * (see {@link knownHostsEntryOption}), never the user's `~/.ssh/known_hosts`:
 * - for our entries ssh reads exactly the keys the console listed (or the user accepted), so an
 *   old key of a reused cloud address in the user's file can neither vouch for a new server
 *   nor turn a verified one into a "REMOTE HOST IDENTIFICATION HAS CHANGED" stop;
 * - Rotate can log in with strict checking against exactly these keys
 *   (`-o UserKnownHostsFile=<ours> -o StrictHostKeyChecking=yes`);
 * - we never rewrite a file that ssh itself appends to and the user edits, with its markers,
 *   hashed lines and comments; ours is written whole, atomically, by us alone;
 * - removing an entry and its pins leaves the user's file as it was.
 * `HashKnownHosts` is still respected: with it on (Debian's and Ubuntu's /etc/ssh/ssh_config
 * turn it on), the lines are written hashed as ssh writes them (`|1|salt|hmac`), since the file
 * is as readable as the user's own known_hosts. Pure; no `vscode` import.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConsoleFingerprint, ConsoleHostKeys } from '../servers/consoleHostKeys';
import { sha256Fingerprint, md5Fingerprint } from '../keys/fingerprint';
import { PublicKeyError, parsePublicKey } from '../keys/publicKey';
import { configWord } from './config/words';
import { homeRelative } from './config/paths';
import { matchesPatternList } from './config/parse';
import { toSshConfigFileError, updateConfigFile } from './config/file';
import { resolveWithSsh } from './config/check';

/** Our known-hosts file, under `~/.ssh`. */
export const KNOWN_HOSTS_FILE_NAME = 'server-keypairs_known_hosts';

export function knownHostsPath(home: string): string {
  return path.join(home, '.ssh', KNOWN_HOSTS_FILE_NAME);
}

/**
 * The option an entry gets so ssh reads (and, for a key the user accepts in ssh's own prompt,
 * writes) our file: `UserKnownHostsFile ~/.ssh/server-keypairs_known_hosts`.
 */
export function knownHostsEntryOption(
  file: string,
  home: string,
  platform: NodeJS.Platform = process.platform,
): { keyword: 'UserKnownHostsFile'; value: string } {
  const rel = homeRelative(file, home, platform);
  const value = rel !== undefined ? `~/${rel}` : file;
  return { keyword: 'UserKnownHostsFile', value: configWord(value, { tokens: true }) };
}

/** The name ssh looks a host up by: lower-case, `[host]:port` when the port is not 22. */
export function knownHostName(host: string, port = 22): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** A hashed host field as ssh writes it with `HashKnownHosts yes`: `|1|base64(salt)|base64(HMAC-SHA1)`. */
export function hashKnownHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  return `|1|${salt.toString('base64')}|${mac}`;
}

/** Whether a known_hosts host field (hashed, or a comma list of patterns with `*`, `?`, `!`) names `name`. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt = '', mac = ''] = field.split('|');
    return hashKnownHostName(name, Buffer.from(salt, 'base64')) === `|1|${salt}|${mac}`;
  }
  // known_hosts patterns match without case, as ssh does for host names.
  return matchesPatternList(field.toLowerCase().split(','), name.toLowerCase());
}

/** One usable line of a known_hosts file; `@cert-authority` and `@revoked` lines are kept apart. */
export interface KnownHostsLine {
  hosts: string;
  /** `type base64`. */
  key: string;
  marker?: 'cert-authority' | 'revoked';
}

/** Lines with a host field and a key this code can read; comments, blank and broken lines are skipped. */
export function parseKnownHosts(text: string): KnownHostsLine[] {
  const out: KnownHostsLine[] = [];
  for (const line of text.split(/\r?\n/)) {
    const words = line.trim().split(/[ \t]+/);
    if (words[0] === undefined || words[0] === '' || words[0].startsWith('#')) continue;
    const marker = words[0] === '@cert-authority' ? 'cert-authority' : words[0] === '@revoked' ? 'revoked' : undefined;
    const [hosts, type, data] = marker ? words.slice(1) : words;
    if (!hosts || !type || !data) continue;
    out.push(marker ? { hosts, key: `${type} ${data}`, marker } : { hosts, key: `${type} ${data}` });
  }
  return out;
}

/** The keys a known_hosts text pins for `name` (plain lines, no markers), in file order, once each. */
export function pinnedKeys(text: string, name: string): string[] {
  const keys: string[] = [];
  for (const l of parseKnownHosts(text)) {
    if (l.marker === undefined && hostFieldMatches(l.hosts, name) && !keys.includes(l.key)) keys.push(l.key);
  }
  return keys;
}

/** SHA256 fingerprint of a `type base64` key, or the key itself cut short when it can't be read. */
export function keySha256(key: string): string {
  try {
    return sha256Fingerprint(parsePublicKey(key, 'server').blob);
  } catch (err) {
    if (err instanceof PublicKeyError) return `${key.slice(0, 24)}…`;
    throw err;
  }
}

export type PinPlan =
  | { status: 'unchanged' }
  | { status: 'add'; keys: string[] }
  /** The file already pins other keys for the name: a stop; both sides' SHA256 fingerprints. */
  | { status: 'mismatch'; pinned: string[]; offered: string[] };

/** What pinning `keys` for `name` would do to a known_hosts text. */
export function planPins(text: string, name: string, keys: readonly string[]): PinPlan {
  const pinned = pinnedKeys(text, name);
  if (pinned.some((k) => !keys.includes(k))) {
    return { status: 'mismatch', pinned: pinned.map(keySha256), offered: keys.map(keySha256) };
  }
  const missing = keys.filter((k) => !pinned.includes(k));
  return missing.length === 0 ? { status: 'unchanged' } : { status: 'add', keys: missing };
}

/**
 * Pins `keys` (`type base64`, validated) for `host`/`port` in `file`: adds the missing ones, or
 * changes nothing and answers `mismatch` when the file already pins another key for that name.
 * Our file is rewritten whole through the SSH config writer (`updateConfigFile`): writers take
 * turns across windows (a lock file beside it) and the write is a compare-and-swap, so a pin
 * another window adds meanwhile is never lost nor doubled; a symlinked file is written at its
 * target and stays a link; the mode is kept (a new file 0600, `~/.ssh` 0700). Any other file
 * (the user's known_hosts) is only appended to, unless `replace`. Throws
 * {@link SshConfigFileError} (which file, and why) when the file can't be written.
 */
export async function pinHostKeys(opts: {
  file: string;
  /** The name ssh looks the key up by: `host`/`port`, or `name` as it is (a HostKeyAlias). */
  host?: string;
  port?: number;
  name?: string;
  keys: readonly string[];
  /** `HashKnownHosts` as ssh resolves it for the entry (`ssh -G`: `hashknownhosts yes`). */
  hash: boolean;
  /**
   * Drop the keys pinned for the name before (the user chose to trust the server's new key:
   * Trust Host Key…): lines that name it (plain or hashed; from a list of names only that
   * name) go, lines that cover it by a pattern stay (then it is still a `mismatch`), comments,
   * `@revoked` and `@cert-authority` lines and other hosts stay byte for byte. In the user's
   * known_hosts too: what `ssh-keygen -R` does, which ssh's own warning tells users to run.
   */
  replace?: boolean;
}): Promise<PinPlan> {
  const keys = opts.keys.map((k) => {
    const info = parsePublicKey(k, 'server');
    return `${info.type} ${info.blob.toString('base64')}`;
  });
  const name = opts.name !== undefined ? opts.name.toLowerCase() : knownHostName(opts.host ?? '', opts.port);
  if (name === '') throw new Error('pinHostKeys: no host name');
  const linesFor = (missing: string[]) =>
    missing.map((k) => `${opts.hash ? hashKnownHostName(name) : name} ${k}\n`).join('');

  if (!isOurFile(opts.file) && !opts.replace) {
    // The user's file, which ssh appends to: planned on what is there, then appended to only.
    let text = '';
    try {
      text = await fs.promises.readFile(opts.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw await toSshConfigFileError(err, opts.file);
    }
    const plan = planPins(text, name, keys);
    if (plan.status !== 'add') return plan;
    try {
      await appendLines(opts.file, (text === '' || text.endsWith('\n') ? '' : '\n') + linesFor(plan.keys));
    } catch (err) {
      throw await toSshConfigFileError(err, opts.file);
    }
    return plan;
  }
  let plan = { status: 'unchanged' } as PinPlan;
  await updateConfigFile(opts.file, (content) => {
    let text = content?.toString('utf8') ?? '';
    if (opts.replace) text = withoutHost(text, name);
    plan = planPins(text, name, keys);
    if (plan.status === 'mismatch') return undefined;
    // Unchanged: written only when stale lines went (a pattern line already pins the key).
    if (plan.status === 'unchanged')
      return content && !content.equals(Buffer.from(text)) ? Buffer.from(text) : undefined;
    const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
    return Buffer.from(body + linesFor(plan.keys), 'utf8');
  });
  return plan;
}

/** Our file is rewritten whole; any other (the user's known_hosts, which ssh appends to) only grows. */
function isOurFile(file: string): boolean {
  return path.basename(file) === KNOWN_HOSTS_FILE_NAME;
}

/** Appends to a file we do not own (O_APPEND: its mode, owner and every byte stay); created 0600 when missing. */
async function appendLines(file: string, text: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const handle = await fs.promises.open(
    file,
    fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT,
    0o600,
  );
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `text` without what pins `name` by name: a plain line naming only it, or hashed for it, goes;
 * from a list of names only `name` goes. Lines that cover it by a pattern, marker lines,
 * comments and other hosts stay as they are (line ends included).
 */
function withoutHost(text: string, name: string): string {
  return text
    .split(/(?<=\n)/)
    .flatMap((line) => {
      const m = /^([ \t]*)(\S+)([ \t].*)?$/s.exec(line);
      const field = m?.[2] ?? '';
      if (!m || field.startsWith('#') || field.startsWith('@')) return [line];
      if (field.startsWith('|1|')) return hostFieldMatches(field, name) ? [] : [line];
      const names = field.split(',');
      const rest = names.filter((n) => n.toLowerCase() !== name);
      if (rest.length === names.length) return [line];
      return rest.length === 0 ? [] : [`${m[1] ?? ''}${rest.join(',')}${m[3] ?? ''}`];
    })
    .join('');
}

// ------------------------------------------------------------------ the presented key

export type PresentedHostKey =
  | { status: 'presented'; key: string; sha256: string }
  /** ssh could not get to the key exchange (`detail`: its first error line, control characters removed). */
  | { status: 'failed'; reason: 'no-ssh' | 'timeout' | 'no-key'; detail: string };

/**
 * The host key the server behind `alias` presents, read through ssh itself so that the entry's
 * HostName, Port, ProxyJump and ProxyCommand apply: ssh runs with a temporary known-hosts file
 * (`StrictHostKeyChecking=accept-new` writes the presented key there, nowhere else), no global
 * file, no KnownHostsCommand, and every way of authenticating turned off, so it stops at
 * "Permission denied" right after the key exchange. Never `StrictHostKeyChecking=no`.
 * `configArgs`: `['-F', path]` for a config other than the default.
 */
export async function presentedHostKey(opts: {
  alias: string;
  /** `-p`: for an address without an entry (an alias takes its Port from the config). */
  port?: number;
  configArgs?: string[];
  sshPath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<PresentedHostKey> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'skp-hostkey-'));
  const file = path.join(dir, 'known_hosts');
  const option = (o: string) => ['-o', o];
  const args = [
    ...(opts.configArgs ?? []),
    ...option('BatchMode=yes'),
    ...option('StrictHostKeyChecking=accept-new'),
    ...option(`UserKnownHostsFile=${configWord(file, { tokens: true })}`),
    ...option('GlobalKnownHostsFile=none'),
    ...option('KnownHostsCommand=none'),
    ...option('UpdateHostKeys=no'),
    ...option('HashKnownHosts=no'),
    ...option('CheckHostIP=no'),
    ...option('VerifyHostKeyDNS=no'),
    ...option('ControlMaster=no'),
    ...option('ControlPath=none'),
    ...option('PubkeyAuthentication=no'),
    ...option('PasswordAuthentication=no'),
    ...option('KbdInteractiveAuthentication=no'),
    ...option('HostbasedAuthentication=no'),
    ...option('GSSAPIAuthentication=no'),
    ...option('IdentityAgent=none'),
    ...option('ForwardAgent=no'),
    ...option('ClearAllForwardings=yes'),
    ...option('PermitLocalCommand=no'),
    ...option('RequestTTY=no'),
    ...option(`ConnectTimeout=${Math.max(1, Math.round((opts.timeoutMs ?? 15_000) / 1000))}`),
    '-T',
    ...(opts.port !== undefined ? ['-p', String(opts.port)] : []),
    '--',
    opts.alias,
  ];
  try {
    const stderr = await new Promise<{ text: string; timedOut: boolean; missing: boolean }>((resolve) => {
      execFile(
        opts.sshPath ?? 'ssh',
        args,
        {
          timeout: (opts.timeoutMs ?? 15_000) + 5_000,
          windowsHide: true,
          maxBuffer: 256 * 1024,
          encoding: 'utf8',
          signal: opts.signal,
        },
        (err, _out, errText) => {
          const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
          resolve({ text: errText, timedOut: !!e?.killed, missing: e?.code === 'ENOENT' });
        },
      );
    });
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('cancelled');
    if (stderr.missing) return { status: 'failed', reason: 'no-ssh', detail: '' };
    let written = '';
    try {
      written = await fs.promises.readFile(file, 'utf8');
    } catch {
      // nothing written: no key exchange
    }
    const line = parseKnownHosts(written)[0];
    if (line) {
      try {
        const info = parsePublicKey(line.key, 'server');
        return { status: 'presented', key: info.line, sha256: sha256Fingerprint(info.blob) };
      } catch (err) {
        if (!(err instanceof PublicKeyError)) throw err;
      }
    }
    const detail = firstErrorLine(stderr.text);
    const timedOut = stderr.timedOut || /timed out/i.test(detail);
    return { status: 'failed', reason: timedOut ? 'timeout' : 'no-key', detail };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

function firstErrorLine(text: string): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').trim())
    .find((l) => l !== '' && !/^(Warning: Permanently added|Pseudo-terminal)/.test(l));
  return (line ?? '').slice(0, 300);
}

// ------------------------------------------------------------------ verdict

export type HostKeyVerdict =
  /** The presented key is one the console listed (or its fingerprint is): pin `pin`. */
  | { status: 'verified'; presented: string; pin: string[] }
  /** The console lists other keys: a stop. SHA256 fingerprints of both sides. */
  | { status: 'mismatch'; presented: string; listed: string[] }
  /** Nothing to verify against: show `presented` and pin `pin` only if the user accepts it. */
  | { status: 'unverified'; presented: string; pin: string[] };

/**
 * Compares the key the server presented (`type base64`, from {@link presentedHostKey}) with
 * what its console printed. With the keys block, every listed key is pinned (ssh may pick
 * another type later); with fingerprints only, the presented key is, when its SHA256 (or MD5,
 * very old images) is among them.
 */
export function compareHostKey(presentedKey: string, consoleKeys: ConsoleHostKeys): HostKeyVerdict {
  const info = parsePublicKey(presentedKey, 'server');
  const key = `${info.type} ${info.blob.toString('base64')}`;
  const presented = sha256Fingerprint(info.blob);
  if (consoleKeys.status === 'keys') {
    const listed = consoleKeys.keys.map((k) => k.key);
    return listed.includes(key)
      ? { status: 'verified', presented, pin: listed }
      : { status: 'mismatch', presented, listed: consoleKeys.keys.map((k) => k.sha256) };
  }
  if (consoleKeys.status === 'fingerprints') {
    const md5 = md5Fingerprint(info.blob);
    const known = (f: ConsoleFingerprint) => f.sha256 === presented || f.md5 === md5;
    return consoleKeys.fingerprints.some(known)
      ? { status: 'verified', presented, pin: [key] }
      : {
          status: 'mismatch',
          presented,
          listed: consoleKeys.fingerprints.map((f) => f.sha256 ?? `MD5:${f.md5 ?? ''}`),
        };
  }
  return { status: 'unverified', presented, pin: [key] };
}

// ------------------------------------------------------------------ where ssh checks a host

/** What `ssh -G` says about checking a host's key. */
export interface KnownHostsFor {
  /** The first UserKnownHostsFile (`~` expanded with `home`): where a pin goes. */
  file: string;
  /** Every UserKnownHostsFile, expanded. */
  files: string[];
  hash: boolean;
  /** The name ssh looks the key up by: the HostKeyAlias, else `host` or `[host]:port`. */
  name: string;
  /** StrictHostKeyChecking as resolved (`true`, `false`, `ask`, `accept-new`, `off`…). */
  strict: string;
  /** What decides which host answers and which key it shows: {@link CONNECTION_OPTIONS} as resolved. */
  connection: Record<string, string>;
  /** The ControlPath ssh would use (expanded), when one is set: only then can a ControlMaster carry the login. */
  controlPath?: string;
}

/**
 * The `ssh -G` values that decide which machine ssh reaches and which host key that machine
 * presents: where to (HostName, Port), through what (ProxyJump, ProxyCommand), from where
 * (AddressFamily, BindAddress, BindInterface), how the name is resolved (the Canonicalize*
 * options), and which key types and key exchanges are offered. Not in it: the user, keys and
 * authentication (a key-exchange-only contact uses none of them), known-hosts files and
 * HostKeyAlias (where the key is looked up, not which key is presented).
 */
export const CONNECTION_OPTIONS: readonly string[] = [
  'hostname',
  'port',
  'proxyjump',
  'proxycommand',
  'addressfamily',
  'bindaddress',
  'bindinterface',
  'canonicalizehostname',
  'canonicaldomains',
  'canonicalizefallbacklocal',
  'canonicalizemaxdots',
  'canonicalizepermittedcnames',
  'hostkeyalgorithms',
  'kexalgorithms',
  'requiredrsasize',
];

/**
 * Whether two hosts resolve to the same connection ({@link KnownHostsFor.connection}): the
 * options that differ (empty when the same). A ProxyCommand or ProxyJump with a `%` token other
 * than `%h`, `%p` and `%%` (the user, the name typed, a hash of them…) may run differently for
 * another name even when its text is the same: it is never the same.
 */
export function connectionDifferences(then: Record<string, string>, now: Record<string, string>): string[] {
  const tokens = (v: string | undefined) => /%[^hp%]/.test((v ?? '').replace(/%%/g, ''));
  return CONNECTION_OPTIONS.filter(
    (o) => (then[o] ?? '') !== (now[o] ?? '') || ((o === 'proxycommand' || o === 'proxyjump') && tokens(then[o])),
  );
}

/**
 * `ssh -G [configArgs] -- host`: the known-hosts files, HashKnownHosts, the name the key is
 * looked up by and StrictHostKeyChecking. `home` is the passwd home ssh expands `~` with.
 * Throws when ssh fails.
 */
export async function knownHostsFor(opts: {
  host: string;
  port?: number;
  configArgs?: readonly string[];
  home: string;
  sshPath?: string;
  /** That `ssh -G` already asked (no port), shared with another reader of it. */
  resolved?: Promise<string>;
  /** Ends the `ssh -G` (and what the user's config runs for it, such as a `Match exec`). */
  signal?: AbortSignal;
}): Promise<KnownHostsFor> {
  const out = await (opts.resolved ?? resolveWithSsh(opts));
  return parseKnownHostsFor(out, opts.host, opts.home);
}

function parseKnownHostsFor(out: string, host: string, home: string): KnownHostsFor {
  const opts = { host, home };
  const values = new Map<string, string>();
  for (const line of out.split(/\r?\n/)) {
    const at = line.indexOf(' ');
    if (at > 0 && !values.has(line.slice(0, at))) values.set(line.slice(0, at), line.slice(at + 1));
  }
  const expand = (file: string) =>
    file === '~' ? opts.home : file.startsWith('~/') ? path.join(opts.home, file.slice(2)) : file;
  const files = (values.get('userknownhostsfile') ?? '~/.ssh/known_hosts').split(' ').filter(Boolean).map(expand);
  const alias = values.get('hostkeyalias');
  const port = Number(values.get('port') ?? '22');
  const control = values.get('controlpath');
  return {
    file: files[0] ?? expand('~/.ssh/known_hosts'),
    files,
    hash: values.get('hashknownhosts') === 'yes',
    name:
      alias && alias !== 'none'
        ? alias.toLowerCase()
        : knownHostName(values.get('hostname') ?? opts.host, Number.isInteger(port) ? port : 22),
    strict: values.get('stricthostkeychecking') ?? 'ask',
    connection: Object.fromEntries(CONNECTION_OPTIONS.map((o) => [o, values.get(o) ?? ''])),
    ...(control !== undefined && control !== 'none' ? { controlPath: control } : {}),
  };
}

/**
 * The HostKeyAlias Connect gives a server's entry: its id, so that keys are pinned for the
 * server rather than for its address (a floating IP moved to another server is that server's
 * first contact, checked against its own console; a rebuilt server keeps its id and is a
 * mismatch). Undefined for an id that is not a plain word (then the address is the name).
 */
export function serverHostKeyAlias(serverId: string): string | undefined {
  const id = serverId.toLowerCase();
  return /^[a-z0-9][a-z0-9-]{0,63}$/.test(id) ? `server-${id}` : undefined;
}
