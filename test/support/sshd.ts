// A real OpenSSH server for tests and the sandbox: Debian's /usr/sbin/sshd run as a plain
// process (no systemd) with `-D -e -f <its own config>`, on a loopback address of its own
// (127.x.y.z, port 22), with a fresh host key and a home of its own in a temp directory.
//
// Hermetic: the login user (the user running the tests, root) gets HOME=<temp>/home through
// sshd's `SetEnv` (applied after sshd sets HOME from passwd), and `AuthorizedKeysFile` is
// <temp>/home/.ssh/authorized_keys, so `~/.ssh/authorized_keys` in a session is the temp file,
// never the machine's real one. Only the session's working directory is still the passwd home.
// `StrictModes no`: the temp dir lies under /tmp (world-writable), which StrictModes refuses.
//
// Needs root (sshd must switch users and bind port 22) and openssh-server: both are checked
// first, with a message saying what to do (`npm run test-host:setup` installs openssh-server).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const SSHD_PATH = '/usr/sbin/sshd';

export interface SshdOptions {
  /** Loopback address to listen on; default: a random free 127.x.y.z. */
  address?: string;
  /** Default 22. */
  port?: number;
  /** Public key lines for authorized_keys at start. Default: none (an empty 0600 file). */
  authorizedKeys?: string[];
  /** More files sshd reads keys from, after {@link Sshd.authorizedKeysFile} (e.g. to log in while that one is missing). */
  moreAuthorizedKeysFiles?: string[];
  /** Extra sshd_config lines (sshd takes the first value of a keyword: these can't override the ones here). */
  extraConfig?: string[];
  /** Milliseconds to wait for sshd to accept connections; default 15 000. */
  readyTimeoutMs?: number;
  /** Host key types, each a fresh key (default: ed25519 only; RSA is 3072 bits, as images make it). */
  hostKeyTypes?: Array<'ed25519' | 'ecdsa' | 'rsa'>;
}

export interface Sshd {
  address: string;
  port: number;
  /** The login user (the user running the tests). */
  user: string;
  /** HOME in this server's sessions (a temp dir). */
  homeDir: string;
  /** `<homeDir>/.ssh/authorized_keys`, the only file sshd reads keys from. */
  authorizedKeysFile: string;
  /** `127.x.y.z ssh-ed25519 AAAA…` (or `[addr]:port …`): the host key for a known_hosts file. */
  knownHostsLine: string;
  /** A file in the server's temp dir with a line per host key (just {@link knownHostsLine} by default). */
  knownHostsFile: string;
  /** Every host public key, `type base64 comment`, in the order of {@link SshdOptions.hostKeyTypes}. */
  hostPublicKeys: string[];
  /** Appends one public key line (a newline is added) to authorized_keys. */
  addAuthorizedKey(publicKey: string): void;
  /** sshd's log (stderr, `-e`) so far. */
  log(): string;
  /** The same, line by line, each with when it reached the test (Node's clock). */
  logLines(): Array<{ at: number; line: string }>;
  /** Ends sshd and every session it started, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** sshd can't run here; the message says why and what to do. */
export class SshdUnavailableError extends Error {
  override name = 'SshdUnavailableError';
}

/** Why a real sshd can't be started on this machine, or undefined when it can. */
export function sshdProblem(): string | undefined {
  if (process.platform !== 'linux') return `The test sshd runs on Linux only (this is ${process.platform}).`;
  if (!fs.existsSync(SSHD_PATH)) {
    return (
      `${SSHD_PATH} is missing: install Debian's openssh-server with \`npm run test-host:setup\` ` +
      '(as root; CI runs it), or `apt-get install openssh-server`.'
    );
  }
  if (process.getuid?.() !== 0) {
    return (
      'The test sshd needs root (it binds port 22 on a loopback address and switches to the login ' +
      'user like a real server). Run the tests as root, e.g. in the CI container.'
    );
  }
  return undefined;
}

/** Every running server, stopped synchronously if this process exits without stopping them. */
const live = new Map<number, string>();
process.once('exit', () => {
  for (const [pid, dir] of live) {
    killTree(pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

interface Proc {
  pid: number;
  ppid: number;
  zombie: boolean;
}

/** `pid`'s descendants (sshd's per-connection children run in sessions of their own). */
function descendants(pid: number): Proc[] {
  const children = new Map<number, Proc[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const proc = { pid: Number(entry), ppid: Number(ppid), zombie: state === 'Z' };
      children.set(proc.ppid, [...(children.get(proc.ppid) ?? []), proc]);
    } catch {
      // gone meanwhile
    }
  }
  const out: Proc[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Last resort (process exit): kills `pid` and all its descendants at once. */
function killTree(pid: number): void {
  for (const p of [pid, ...descendants(pid).map((d) => d.pid)]) kill(p);
}

/**
 * Kills `pid`'s descendants leaves first, so that each dies while its parent still lives to
 * reap it (orphans would become zombies of init, which may not reap them here), then `pid`.
 */
async function killTreeLeavesFirst(pid: number): Promise<void> {
  for (let round = 0; round < 100; round++) {
    const live = descendants(pid).filter((d) => !d.zombie);
    if (live.length === 0) break;
    const parents = new Set(live.map((d) => d.ppid));
    for (const leaf of live.filter((d) => !parents.has(d.pid))) kill(leaf.pid);
    await new Promise<void>((resolve) => setTimeout(resolve, 10)); // let parents reap (SIGCHLD)
  }
  kill(pid);
}

function randomLoopback(): string {
  return `127.${2 + crypto.randomInt(250)}.${crypto.randomInt(256)}.${1 + crypto.randomInt(254)}`;
}

interface ConfigValues {
  address: string;
  port: number;
  user: string;
  home: string;
  moreKeys: string[];
  extra: string[];
  hostKeyTypes: string[];
}

function config(dir: string, o: ConfigValues): string {
  return [
    `ListenAddress ${o.address}:${o.port}`,
    ...o.hostKeyTypes.map((type) => `HostKey ${path.join(dir, `ssh_host_${type}_key`)}`),
    'PidFile none',
    `AuthorizedKeysFile ${[path.join(o.home, '.ssh', 'authorized_keys'), ...o.moreKeys].join(' ')}`,
    'AuthorizedPrincipalsFile none',
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'HostbasedAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PermitUserEnvironment no',
    `AllowUsers ${o.user}`,
    `SetEnv HOME=${o.home}`,
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'MaxStartups 100:30:200',
    'LoginGraceTime 30',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    ...o.extra,
    '',
  ].join('\n');
}

/** Starts sshd; resolves once it answers with an SSH banner. Throws {@link SshdUnavailableError} when it can't run here. */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const problem = sshdProblem();
  if (problem) throw new SshdUnavailableError(problem);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-sshd-'));
  try {
    const user = os.userInfo().username;
    const homeDir = path.join(dir, 'home');
    const sshDir = path.join(homeDir, '.ssh');
    const authorizedKeysFile = path.join(sshDir, 'authorized_keys');
    fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    const keys = (opts.authorizedKeys ?? []).map((k) => `${k.trim()}\n`).join('');
    fs.writeFileSync(authorizedKeysFile, keys, { mode: 0o600 });
    const hostKeyTypes = opts.hostKeyTypes ?? ['ed25519'];
    const hostPublicKeys = hostKeyTypes.map((type) => {
      const hostKey = path.join(dir, `ssh_host_${type}_key`);
      const size = type === 'rsa' ? ['-b', '3072'] : [];
      execFileSync(
        'ssh-keygen',
        ['-q', '-t', type, ...size, '-N', '', '-C', 'root@keypairs-test-host', '-f', hostKey],
        {
          stdio: 'pipe',
        },
      );
      return fs.readFileSync(`${hostKey}.pub`, 'utf8').trim();
    });
    const hostPublic = (hostPublicKeys[0] ?? '').split(/\s+/).slice(0, 2).join(' ');
    // Privilege separation directory of Debian's sshd (systemd's RuntimeDirectory makes it otherwise).
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

    const port = opts.port ?? 22;
    for (let attempt = 0; ; attempt++) {
      const address = opts.address ?? randomLoopback();
      const configFile = path.join(dir, 'sshd_config');
      const values = {
        address,
        port,
        user,
        home: homeDir,
        moreKeys: opts.moreAuthorizedKeysFiles ?? [],
        extra: opts.extraConfig ?? [],
        hostKeyTypes,
      };
      fs.writeFileSync(configFile, config(dir, values));
      const started = await launch(configFile, address, port, opts.readyTimeoutMs ?? 15_000);
      if (started.kind === 'in-use' && !opts.address && attempt < 5) continue;
      if (started.kind !== 'ready') {
        throw new Error(`sshd did not start on ${address}:${port} (${started.kind}):\n${started.log}`);
      }
      const { proc, log, arrived } = started;
      const pid = proc.pid!;
      live.set(pid, dir);
      const knownHostsLine = `${port === 22 ? address : `[${address}]:${port}`} ${hostPublic}`;
      const knownHostsFile = path.join(dir, 'known_hosts');
      const hostWord = port === 22 ? address : `[${address}]:${port}`;
      const knownHostsLines = hostPublicKeys.map((k) => `${hostWord} ${k.split(/\s+/).slice(0, 2).join(' ')}\n`);
      fs.writeFileSync(knownHostsFile, knownHostsLines.join(''));
      let stopped: Promise<void> | undefined;
      return {
        address,
        port,
        user,
        homeDir,
        authorizedKeysFile,
        knownHostsLine,
        knownHostsFile,
        hostPublicKeys,
        addAuthorizedKey(publicKey: string) {
          fs.appendFileSync(authorizedKeysFile, `${publicKey.trim()}\n`);
        },
        log: () => log.join(''),
        logLines: () =>
          log.flatMap((chunk, i) =>
            chunk
              .split('\n')
              .filter((line) => line !== '')
              .map((line) => ({ at: arrived[i] ?? 0, line })),
          ),
        stop() {
          stopped ??= (async () => {
            const exited = new Promise<void>((resolve) => {
              if (proc.exitCode !== null || proc.signalCode !== null) resolve();
              else proc.once('exit', () => resolve());
            });
            await killTreeLeavesFirst(pid);
            await exited;
            live.delete(pid);
            fs.rmSync(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

type Launch =
  | { kind: 'ready'; proc: ChildProcess; log: string[]; arrived: number[] }
  | { kind: 'in-use' | 'exited' | 'timeout'; log: string };

/** Runs sshd and waits for "Server listening on", then for its banner on a real connection. */
function launch(configFile: string, address: string, port: number, timeoutMs: number): Promise<Launch> {
  const proc = spawn(SSHD_PATH, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  const log: string[] = [];
  /** When each chunk of `log` arrived. */
  const arrived: number[] = [];
  let size = 0;
  return new Promise<Launch>((resolve) => {
    let done = false;
    // One banner check: each check is a connection sshd logs, so checking again on every new
    // log chunk fed itself (a connection a moment, all along the sshd's life, until the kept
    // log was full and later logins were no longer in it).
    let probed = false;
    const finish = (result: Launch): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (result.kind !== 'ready') {
        if (proc.exitCode === null && proc.signalCode === null) killTree(proc.pid!);
      }
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', log: log.join('') }), timeoutMs);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk: string) => {
      if (size < 1_000_000) {
        log.push(chunk);
        arrived.push(Date.now());
      }
      size += chunk.length;
      if (!probed && log.join('').includes('Server listening on')) {
        probed = true;
        bannerOf(address, port).then(
          () => finish({ kind: 'ready', proc, log, arrived }),
          (err: Error) => finish({ kind: 'exited', log: `${log.join('')}\n(no banner: ${err.message})` }),
        );
      }
    });
    proc.once('exit', (code, signal) => {
      const text = log.join('');
      const inUse = /Address already in use|Cannot bind any address/.test(text);
      finish({ kind: inUse ? 'in-use' : 'exited', log: `${text}\n(sshd exited with ${signal ?? code})` });
    });
  });
}

/** Connects and resolves when the server's `SSH-2.0-` banner arrives. */
function bannerOf(address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    let text = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (b: Buffer) => {
      text += b.toString('latin1');
      if (text.includes('\n')) {
        socket.destroy();
        if (text.startsWith('SSH-2.0-')) resolve();
        else reject(new Error(`unexpected banner ${JSON.stringify(text.slice(0, 40))}`));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed before the banner')));
  });
}

/** `ssh` arguments that log in to `server` with only `identityFile` (no user config, no agent keys, no prompts). */
export function sshArgsFor(
  server: Pick<Sshd, 'address' | 'port' | 'user' | 'knownHostsFile'>,
  identityFile: string,
): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    identityFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    `UserKnownHostsFile=${server.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-p',
    String(server.port),
    '-l',
    server.user,
    server.address,
  ];
}
