// Runs a program as if the password database gave the current user another home directory.
//
// ssh never reads $HOME: it expands `~` (default known_hosts, `IdentityFile ~/.ssh/…`) with the
// home of the passwd entry. A test that gives VS Code a temp HOME therefore still has ssh read
// and write the real account's ~/.ssh. Here the program runs in a private mount namespace
// (`unshare --mount`, as root) in which a copy of /etc/passwd, with that user's home replaced,
// is bind-mounted over /etc/passwd: inside, HOME and the passwd home are the same temp dir, as
// on a real machine; outside, nothing changes (the namespace ends with its last process).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Why a program can't be run with another passwd home here, or undefined when it can. */
export function passwdHomeProblem(): string | undefined {
  if (process.platform !== 'linux') return `Only on Linux (this is ${process.platform}).`;
  if (process.getuid?.() !== 0) return 'Needs root (a private mount namespace with a bind mount over /etc/passwd).';
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'pipe' });
  } catch (err) {
    return `\`unshare --mount\` does not work here (it needs CAP_SYS_ADMIN): ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * The command line that runs `command args…` with `home` as the current user's passwd home.
 * Writes the passwd copy into `dir` (a temp dir the caller owns). Spawn the result without a
 * shell; the program's pid is the spawned pid (unshare and sh exec it).
 */
export function withPasswdHome(
  home: string,
  dir: string,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  const uid = String(process.getuid?.() ?? 0);
  const lines = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  let found = false;
  const changed = lines.map((line) => {
    const fields = line.split(':');
    if (fields.length < 7 || fields[2] !== uid || found) return line;
    found = true;
    fields[5] = home;
    return fields.join(':');
  });
  if (!found) throw new Error(`No entry for uid ${uid} in /etc/passwd (${os.userInfo().username}).`);
  const passwd = path.join(dir, 'passwd');
  fs.writeFileSync(passwd, changed.join('\n'), { mode: 0o644 });
  return {
    command: 'unshare',
    args: [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'mount --bind "$0" /etc/passwd && exec "$@"',
      passwd,
      command,
      ...args,
    ],
  };
}
