/**
 * Connect to Server…: every decision it makes, and the flow that makes them in order. Why a
 * server can't be connected to; the address (best first), the login user (guessed, with its
 * reason) and the alias to suggest; the `Host` entry to write (our known-hosts file, pinned
 * per server); what the write and `ssh -G` mean (go on, warn, or stop, and whether another
 * alias helps); what to say about a `remote.SSH.configFile` not used; and how to open the host.
 * Pure: no `vscode` import. The command asks (a StepInput), calls {@link connectToServer},
 * tells what it reports, has the host key confirmed and opens.
 */
import * as path from 'node:path';
import * as l10n from '../base/l10n';
import { runSteps, Step, StepInput } from '../ask/wizard';
import { ConsoleHostKeysRead, readHostKeysFromConsole } from '../api/console';
import type { ComputeClient } from '../api/compute';
import { getImageLoginHints } from '../api/servers';
import { guessServerLoginUser } from '../servers/loginUser';
import { HostKeyPrefetch, prefetchHostKey } from './hostKeyCheck';
import { displayPath } from '../keys/keyFiles';
import type { LoginUserGuess } from '../servers/loginUser';
import { knownHostsPath, serverHostKeyAlias } from '../ssh/knownHosts';
import { checkConfigWord } from '../ssh/config/words';
import { checkWithSsh, resolveWithSsh, SshCheck } from '../ssh/config/check';
import type { HostEntry } from '../ssh/config/hostEntry';
import { SshConfigFileError } from '../ssh/config/file';
import { sshHome } from '../ssh/config/paths';
import { SshConfigTarget, sshConfigArgs } from '../ssh/config/tree';
import { judgeSshCheck, suggestHostAlias } from './hostEntry';
import {
  addressStep,
  aliasStep,
  HostAnswers,
  readConfigEntries,
  userStep,
  writeHostEntryAsSeen,
} from './hostEntrySteps';
import type { ServerNode } from './keyPairList';

/** Why `value` can't be the login user (Connect's user step, Rotate's Edit user), or undefined. */
export function validateLoginUser(value: string): string | undefined {
  const user = value.trim();
  return user === '' ? l10n.t('Enter the user to log in as.') : checkConfigWord(user, 'user');
}

/** Why this server can't be connected to from here (`sshDir` holds the private keys), or undefined. */
export function connectProblem(node: ServerNode, sshDir: string): string | undefined {
  const server = node.server;
  if (!node.keyPair.local) {
    return l10n.t(
      'The private key of key pair "{0}" is not in {1}, so "{2}" can\'t be reached from this machine.',
      node.keyPair.keyPair.name,
      displayPath(sshDir),
      server.name,
    );
  }
  if (server.status !== 'ACTIVE') {
    return l10n.t('Server "{0}" is {1}, not ACTIVE: start it first.', server.name, server.status);
  }
  if (server.addresses.length === 0) return l10n.t('Server "{0}" has no IP address to connect to.', server.name);
  return undefined;
}

/** What the Choose Another Alias button passes: the same server, and the aliases found not to work. */
export type RetryArgument = ServerNode & { avoidAliases: string[] };

/** The aliases a Choose Another Alias retry asks to avoid (none for any other argument). */
export function aliasesToAvoid(arg: unknown): string[] {
  const avoid = (arg as { avoidAliases?: unknown } | undefined)?.avoidAliases;
  return Array.isArray(avoid) ? avoid.filter((a): a is string => typeof a === 'string') : [];
}

/** The user step's prompt: the guess and its reason, or examples when the image doesn't say. */
export function loginUserPrompt(guess: LoginUserGuess | undefined): string {
  return guess
    ? l10n.t('User to log in as (guessed {0}; change it if needed)', guess.reason)
    : l10n.t("User to log in as (the image doesn't say; e.g. root, ubuntu, debian)");
}

/**
 * What to say about a `remote.SSH.configFile` value that was not used: always a log line; a
 * warning too, except in a remote window (the local machine's setting: nothing to worry about).
 */
export function ignoredConfigNotice(target: SshConfigTarget): { log: string; warning?: string } | undefined {
  const ignored = target.ignored;
  if (!ignored) return undefined;
  const log = `remote.SSH.configFile "${ignored.value}" not used (${ignored.reason}); SSH config: ${target.path}`;
  const used = displayPath(target.path);
  switch (ignored.reason) {
    case 'remote-window':
      return { log };
    case 'workspace-value':
      return {
        log,
        warning: l10n.t(
          'This workspace sets remote.SSH.configFile to "{0}". Only your user settings choose the SSH config, so {1} is used.',
          ignored.value,
          used,
        ),
      };
    case 'not-absolute':
      return {
        log,
        warning: l10n.t(
          'remote.SSH.configFile is "{0}", which is not an absolute path, so {1} is used instead.',
          ignored.value,
          used,
        ),
      };
    default:
      return {
        log,
        warning: l10n.t(
          'remote.SSH.configFile names "{0}", a file inside an open workspace folder, so {1} is used instead.',
          ignored.value,
          used,
        ),
      };
  }
}

/**
 * The entry Connect writes: the answers, the key pair's private key, and the host key checked
 * against our known-hosts file, pinned per server (see ../ssh/knownHosts). The user's
 * ~/.ssh/known_hosts is read after ours, so that the keys they revoked there (`@revoked`) are
 * refused for this server too; pinned under the server's HostKeyAlias, its lines for addresses
 * name other hosts. Without a HostKeyAlias (the address is the name) it is not read: an old key
 * of a reused address there would stop a verified server.
 */
export function connectEntry(answers: HostAnswers, privatePath: string, serverId: string, home: string): HostEntry {
  const hostKeyAlias = serverHostKeyAlias(serverId);
  return {
    alias: answers.alias,
    hostName: answers.hostName,
    user: answers.user,
    // Where a new server's sshd listens: a `Host *` Port after the entry would send it elsewhere.
    port: 22,
    identityFile: privatePath,
    hostKeys: {
      knownHostsFile: knownHostsPath(home),
      hostKeyAlias,
      ...(hostKeyAlias !== undefined ? { alsoRead: [path.join(home, '.ssh', 'known_hosts')] } : {}),
    },
  };
}

/** What Connect tells on the way. */
export type ConnectNotice =
  | { severity: 'info' | 'warning' | 'error'; text: string }
  /** Nothing was opened; the same server may be tried again with another alias, avoiding these. */
  | { severity: 'error'; text: string; retryAvoiding: string[] }
  /** An error to show as the shell shows errors, with what was being done. */
  | { severity: 'error'; error: unknown; doing: string };

export interface ConnectRun {
  node: ServerNode;
  /** The SSH folder (where the private key must be). */
  sshDirectory: string;
  /** The SSH config to write (see `sshConfigTarget`). */
  config: SshConfigTarget;
  /** Aliases a Choose Another Alias retry found not to work. */
  avoidAliases: readonly string[];
  /** The shell's UserInput: the address, user and alias steps ask through it. */
  ui: StepInput;
  /** The login user to suggest (see `guessServerLoginUser`); read while the address is asked. */
  guessUser(signal: AbortSignal): Promise<LoginUserGuess | undefined>;
  /**
   * Reads the server's console for its host keys (`readHostKeysFromConsole`). Given, the
   * console read and the contact with the address start while the steps are asked
   * (`prefetchHostKey`); {@link ConnectReady.prefetched} has them for the host key check.
   */
  readConsole?: (signal: AbortSignal) => Promise<ConsoleHostKeysRead>;
  /** The wording of an `ssh -G` check (`describeSshCheck`). */
  describeCheck(check: SshCheck, alias: string): { severity: 'info' | 'warning'; text: string };
  tell(notice: ConnectNotice): void;
  log: { info(line: string): void; warn(line: string): void; error(line: string): void };
  /** The home folder (`~/.ssh/…`); the user's by default. */
  home?: string;
  /** The `ssh` to check with (tests). */
  sshPath?: string;
}

/**
 * What Connect reads of a server from its cloud: the image's login hints (the user to suggest;
 * `provider`: the account's, Rackspace logs in as root) and its console's host keys.
 */
export function serverReads(
  compute: ComputeClient,
  server: ServerNode['server'],
  provider: string | undefined,
): Pick<ConnectRun, 'guessUser' | 'readConsole'> {
  return {
    guessUser: (signal) =>
      guessServerLoginUser(server, {
        provider,
        readHints: (imageId) => getImageLoginHints(compute, imageId, { signal }),
        signal,
      }),
    readConsole: (signal) => readHostKeysFromConsole(compute, server.id, { signal }),
  };
}

/** What the shell then does: the host key confirmed (first contact), ssh with `configArgs` for `alias` opened. */
export interface ConnectReady {
  alias: string;
  configPath: string;
  configArgs: string[];
  /** For `checkHostKey`: what was read and contacted while the steps were asked. */
  prefetched?: HostKeyPrefetch;
}

/**
 * Connect's flow up to the host key: refuses a server it can't reach, asks the address (when
 * more than one), the user and the alias, writes the entry, and checks with `ssh -G` that it is
 * what ssh uses. Undefined when it stopped (told through `tell`) or the user cancelled: nothing
 * may be opened then. Else the shell has the host key confirmed (a Retry there checks again,
 * without asking again) and opens.
 */
export async function connectToServer(run: ConnectRun): Promise<ConnectReady | undefined> {
  const early = new AbortController();
  const readConsole = connectProblem(run.node, run.sshDirectory) ? undefined : run.readConsole;
  const prefetched = readConsole && prefetch(run, readConsole);
  early.signal.addEventListener('abort', () => prefetched?.cancel());
  try {
    const ready = await connect(run, early.signal, prefetched);
    if (ready) return prefetched ? { ...ready, prefetched } : ready;
  } catch (err) {
    early.abort();
    throw err;
  }
  early.abort(); // stopped or cancelled: what was started for the host key check is not used
  return undefined;
}

function prefetch(
  run: ConnectRun,
  readConsole: (signal: AbortSignal) => Promise<ConsoleHostKeysRead>,
): HostKeyPrefetch {
  return prefetchHostKey({
    readConsole,
    configArgs: sshConfigArgs(run.config),
    home: run.home ?? sshHome(),
    sshPath: run.sshPath,
  });
}

async function connect(
  run: ConnectRun,
  signal: AbortSignal,
  prefetched: HostKeyPrefetch | undefined,
): Promise<ConnectReady | undefined> {
  const { node, config } = run;
  const server = node.server;
  const problem = connectProblem(node, run.sshDirectory);
  const local = node.keyPair.local;
  if (problem || !local) {
    if (problem) run.tell({ severity: 'error', text: problem });
    return undefined;
  }
  const notice = ignoredConfigNotice(config);
  if (notice) {
    run.log.info(notice.log);
    if (notice.warning) run.tell({ severity: 'warning', text: notice.warning });
  }
  const configPath = config.path;
  const configArgs = sshConfigArgs(config);
  run.log.info(`connect "${server.name}": started`);
  // The image's login hints are read while the address is asked: only the user step needs them.
  const guessing = run.guessUser(signal);
  guessing.catch(() => undefined); // awaited by the user step
  const entries = await readConfigEntries(configPath, (line) => run.log.warn(line));
  const addresses = server.addresses;
  const best = addresses[0]?.ip ?? '';
  const answers: HostAnswers = {
    hostName: best,
    user: '',
    alias: suggestHostAlias(server.name, entries, best, run.avoidAliases),
  };
  const title = l10n.t('Connect to {0}', server.name);
  let guessed = false;
  const askUser: Step<HostAnswers> = async (state, position) => {
    const guess = await guessing;
    if (!guessed) state.user = guess?.user ?? '';
    guessed = true;
    return userStep(run.ui, title, loginUserPrompt(guess), validateLoginUser)(state, position);
  };
  // The address known (the only one, or once picked), its host key contact starts: on the next
  // turn of the event loop, once the next step is shown (starting ssh takes the extension host
  // a few milliseconds the box would wait for).
  const contact = (address: string) => setTimeout(() => prefetched?.contact(address), 0);
  const contacting =
    (step: Step<HostAnswers>): Step<HostAnswers> =>
    async (state, position) => {
      const answer = await step(state, position);
      if (answer === 'next' && state.hostName) contact(state.hostName);
      return answer;
    };
  if (addresses.length === 1 && best) contact(best);
  const steps = [
    ...(addresses.length > 1 ? [contacting(addressStep(run.ui, title, addresses))] : []),
    askUser,
    aliasStep(run.ui, { title, configPath, entries, knowsHostName: true }),
  ];
  if (!(await runSteps(() => steps, answers)) || !answers.hostName) return undefined;
  run.log.info(`connect "${server.name}": steps answered`);

  const home = run.home ?? sshHome();
  const entry = connectEntry(answers, local.privatePath, server.id, home);
  const where = displayPath(configPath);
  const retryAvoiding = [...run.avoidAliases, entry.alias];
  let written;
  try {
    // What the alias box showed of our entry for it: changed by another window since, it stays.
    written = await writeHostEntryAsSeen(configPath, entry, entries, run.home);
  } catch (err) {
    if (!(err instanceof SshConfigFileError)) {
      run.tell({ severity: 'error', error: err, doing: l10n.t('Writing Host "{0}" to {1}', entry.alias, where) });
      return undefined;
    }
    run.log.error(`connect "${server.name}": ${err.message}`);
    const text = l10n.t(
      'Connect could not write Host "{0}" to {1}: {2} Nothing was changed.',
      entry.alias,
      where,
      err.message,
    );
    run.tell({ severity: 'error', text });
    return undefined;
  }
  if (written.outcome === 'exists' || written.outcome === 'taken') {
    // Taken: another window wrote this alias for another server since the box was shown.
    run.tell(
      written.outcome === 'exists'
        ? {
            severity: 'error',
            text: l10n.t(
              'Host "{0}" is already your own entry in {1}; nothing was changed. Choose another alias.',
              entry.alias,
              where,
            ),
          }
        : {
            severity: 'error',
            retryAvoiding,
            text: l10n.t(
              'Host "{0}" in {1} was just pointed at {2} by another window; nothing was changed and nothing was opened. Choose another alias.',
              entry.alias,
              where,
              written.hostName ?? entry.alias,
            ),
          },
    );
    return undefined;
  }
  // One `ssh -G` for the alias now: the entry's check and the host key check both read it.
  const resolved = resolveWithSsh({ host: entry.alias, configArgs, ...(run.sshPath && { sshPath: run.sshPath }) });
  resolved.catch(() => undefined); // read (and its failure told) by the check
  prefetched?.written(entry.alias, resolved);
  const check = await checkWithSsh({
    configPath,
    configArgs,
    entry,
    resolved,
    ...(run.home !== undefined ? { home: run.home } : {}),
    ...(run.sshPath !== undefined ? { sshPath: run.sshPath } : {}),
  });
  // The config as it is now, to name what overrides the entry (only then).
  const after = check.status === 'overridden' ? await readConfigEntries(configPath, (line) => run.log.warn(line)) : [];
  const verdict = judgeSshCheck(check, entry.alias, server.name, after, (c) => run.describeCheck(c, entry.alias));
  run.log.info(`connect "${server.name}": Host "${entry.alias}" ${written.outcome} in ${configPath}. ${verdict.text}`);
  if (!verdict.open) {
    // Another entry decides where "ssh <alias>" goes; when it does for every host, no alias helps.
    run.tell(
      verdict.anotherAliasHelps
        ? { severity: 'error', text: verdict.text, retryAvoiding }
        : { severity: 'error', text: verdict.text },
    );
    return undefined;
  }
  if (verdict.severity === 'warning') run.tell({ severity: 'warning', text: verdict.text });
  return { alias: entry.alias, configPath, configArgs };
}

/**
 * The note when the terminal opens in a window connected to a remote host: the key, the entry
 * and ssh are on that host.
 */
export function remoteTerminalNote(remoteName: string, alias: string): string {
  return l10n.t(
    'This window is connected to a remote host ({0}): the key and the Host entry "{1}" are on that host, and the terminal runs ssh from there.',
    remoteName,
    alias,
  );
}

/** The Remote-SSH extensions that resolve `ssh-remote+<host>` authorities. */
export const REMOTE_SSH_EXTENSIONS: readonly string[] = ['ms-vscode-remote.remote-ssh', 'jeanp413.open-remote-ssh'];

/**
 * How to open the host: a Remote-SSH window (`vscode.newWindow` with this authority, as
 * both extensions do themselves) when one of them is installed and this window is local
 * (they read the SSH config of the machine the UI runs on, where the entry is); else a
 * terminal running ssh with `configArgs` (none for the default `~/.ssh/config`).
 */
export function chooseOpener(opts: {
  alias: string;
  remoteName?: string;
  installed: readonly string[];
  configArgs: readonly string[];
  /**
   * The SSH config written. When it is not the one Remote-SSH reads (the user's own
   * `remote.SSH.configFile` names a file inside an open folder, so ~/.ssh/config was written
   * instead), Remote-SSH would not find the alias there and connect to whatever host the
   * name resolves to: a terminal then.
   */
  target?: SshConfigTarget;
}): { kind: 'window'; remoteAuthority: string } | { kind: 'terminal'; shellPath: 'ssh'; shellArgs: string[] } {
  const extension = REMOTE_SSH_EXTENSIONS.some((id) => opts.installed.includes(id));
  const refused = opts.target?.ignored?.reason;
  const remoteSshReadsIt = refused !== 'inside-workspace' && refused !== 'not-absolute';
  if (extension && !opts.remoteName && remoteSshReadsIt) {
    return { kind: 'window', remoteAuthority: remoteAuthority(opts.alias) };
  }
  return { kind: 'terminal', shellPath: 'ssh', shellArgs: [...opts.configArgs, opts.alias] };
}

/**
 * `ssh-remote+<alias>`; an alias an authority can't carry as it is (VS Code lower-cases
 * authorities, and ssh's Host matching is case-sensitive) goes hex-encoded as
 * `{"hostName":"<alias>"}`, which both Remote-SSH extensions read.
 */
export function remoteAuthority(alias: string): string {
  if (/^[a-z0-9._-]+$/.test(alias)) return `ssh-remote+${alias}`;
  return `ssh-remote+${Buffer.from(JSON.stringify({ hostName: alias }), 'utf8').toString('hex')}`;
}
