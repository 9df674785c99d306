/**
 * Checking a written entry with the real ssh: `ssh -G` says what `ssh <alias>` would use.
 */
import { execFile } from 'node:child_process';
import type { HostEntry } from './hostEntry';
import { homeRelative, platformPath, resolveIdentityArgument, sshHome } from './paths';

/** One option where what ssh resolves is not what the entry says. */
export interface SshOptionDifference {
  option:
    | 'HostName'
    | 'User'
    | 'Port'
    | 'IdentityFile'
    | 'IdentitiesOnly'
    | 'UserKnownHostsFile'
    | 'HostKeyAlias'
    | 'StrictHostKeyChecking';
  expected: string;
  actual: string;
}

/** The verdict of {@link checkWithSsh}. */
export type SshCheck =
  | { status: 'effective' }
  | { status: 'overridden'; differences: SshOptionDifference[] }
  | { status: 'not-checked'; reason: 'no-ssh' | 'failed'; detail?: string };

/**
 * `ssh -G [configArgs] [-p port] -- host`: what ssh would use for `host`, as ssh prints it.
 * Rejects with ssh's error (its standard error as `stderrText`); ENOENT when there is no ssh.
 * `signal` ends it (and what the user's config runs for it, such as a `Match exec`).
 */
export function resolveWithSsh(opts: {
  host: string;
  port?: number;
  configArgs?: readonly string[];
  sshPath?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<string> {
  const port = opts.port !== undefined ? ['-p', String(opts.port)] : [];
  return new Promise<string>((resolve, reject) => {
    execFile(
      opts.sshPath ?? 'ssh',
      ['-G', ...(opts.configArgs ?? []), ...port, '--', opts.host],
      {
        timeout: opts.timeoutMs ?? 10_000,
        windowsHide: true,
        maxBuffer: 1024 * 1024,
        encoding: 'utf8',
        signal: opts.signal,
      },
      (err, out, errOut) => (err ? reject(Object.assign(err, { stderrText: errOut })) : resolve(out)),
    );
  });
}

/**
 * Asks the real ssh what it would use for `alias`: `ssh -G <configArgs> -- <alias>`, where
 * `configArgs` is `['-F', configPath]` unless given (the shell passes `sshConfigArgs(target)`:
 * nothing for the default `~/.ssh/config`, so the system's file is read too, as plain `ssh`
 * does), and compares HostName (the alias when none is given), User, Port, the first
 * IdentityFile and IdentitiesOnly with `entry`. Note that `ssh -G` runs `Match exec`
 * commands of the config, as any ssh call would. `ssh` missing or failing is
 * `not-checked`, never an exception.
 */
export async function checkWithSsh(opts: {
  configPath: string;
  /** How ssh is told which config to read (default `['-F', configPath]`). */
  configArgs?: readonly string[];
  entry: HostEntry;
  home?: string;
  platform?: NodeJS.Platform;
  sshPath?: string;
  timeoutMs?: number;
  /** `ssh -G` for the alias already asked ({@link resolveWithSsh}, shared with another reader of it). */
  resolved?: Promise<string>;
}): Promise<SshCheck> {
  const home = opts.home ?? sshHome();
  const platform = opts.platform ?? process.platform;
  let stdout: string;
  try {
    stdout = await (opts.resolved ??
      resolveWithSsh({
        host: opts.entry.alias,
        configArgs: opts.configArgs ?? ['-F', opts.configPath],
        sshPath: opts.sshPath,
        timeoutMs: opts.timeoutMs,
      }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderrText?: string };
    if (e.code === 'ENOENT') return { status: 'not-checked', reason: 'no-ssh' };
    const firstLine = (e.stderrText ?? '').split(/\r?\n/).find((l) => l.trim() !== '' && !/^Pseudo-terminal/.test(l));
    return { status: 'not-checked', reason: 'failed', detail: (firstLine ?? e.message).slice(0, 300) };
  }
  const resolved = new Map<string, string[]>();
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    resolved.set(key, [...(resolved.get(key) ?? []), m[2] ?? '']);
  }
  const first = (key: string) => resolved.get(key)?.[0] ?? '(none)';
  const differences: SshOptionDifference[] = [];
  type Option = SshOptionDifference['option'];
  const compare = (option: Option, expected: string, actual: string, same = expected === actual) => {
    if (!same) differences.push({ option, expected, actual });
  };
  // ssh lower-cases host names.
  const hostName = opts.entry.hostName ?? opts.entry.alias;
  compare('HostName', hostName, first('hostname'), hostName.toLowerCase() === first('hostname').toLowerCase());
  if (opts.entry.user !== undefined) compare('User', opts.entry.user, first('user'));
  if (opts.entry.port !== undefined) compare('Port', String(opts.entry.port), first('port'));
  const identity = first('identityfile');
  const p = platformPath(platform);
  compare(
    'IdentityFile',
    opts.entry.identityFile,
    identity,
    resolveIdentityArgument(identity, home, platform) === p.normalize(opts.entry.identityFile),
  );
  compare('IdentitiesOnly', 'yes', first('identitiesonly'));
  const pins = opts.entry.hostKeys;
  if (pins) {
    // Where the host key is checked: an earlier global line (`StrictHostKeyChecking no`,
    // `UserKnownHostsFile /dev/null`) would leave the keys pinned for the server unread.
    compare('StrictHostKeyChecking', 'true', first('stricthostkeychecking'));
    // ssh -G shows the files with `~` expanded by the passwd home; the entry says `~/` under `home`.
    const known = (resolved.get('userknownhostsfile')?.[0] ?? '').split(' ')[0] ?? '';
    const rel = homeRelative(pins.knownHostsFile, home, platform);
    const expected = rel !== undefined ? p.join(sshHome(), rel) : pins.knownHostsFile;
    compare('UserKnownHostsFile', pins.knownHostsFile, known || '(none)', p.normalize(known) === p.normalize(expected));
    const alias = pins.hostKeyAlias ?? '(none)';
    compare('HostKeyAlias', alias, first('hostkeyalias'), alias.toLowerCase() === first('hostkeyalias').toLowerCase());
  }
  return differences.length === 0 ? { status: 'effective' } : { status: 'overridden', differences };
}
