/**
 * Key Pairs: Connect to Server… — from a server node (or a pick of servers with their key
 * pair): choose the address (best by default), the login user (guessed from the image, shown
 * with its reason) and a host alias, write one `Host` entry to the one SSH config the user's
 * ssh reads (`sshConfigTarget()`: their own `remote.SSH.configFile`, else `~/.ssh/config`),
 * check it with `ssh -G`, then open it: a Remote-SSH window when such an extension is
 * installed in a local window, else an integrated terminal running `ssh [-F <config>] <alias>`
 * (no shell string). What to suggest, what to refuse or warn about, and whether the check
 * allows opening are decided in ../flows/connectPlan; this file asks and tells. Not in
 * Restricted Mode: it writes the SSH config and runs ssh.
 */
import * as l10n from '../../core/base/l10n';
import * as vscode from 'vscode';
import { refusedInRestrictedMode } from '../ui/restricted';
import { ComputeClient } from '../../core/api/compute';
import { getImageLoginHints, listServers } from '../../core/api/servers';
import { describeSshCheck } from '../../core/wording/sshCheck';
import { findLocalKey, localKeyIndex } from '../../core/keys/localKeys';
import { isServerNode, KeyPairNode, ServerNode } from '../../core/flows/keyPairList';
import { displayPath } from '../../core/keys/keyFiles';
import { COMMAND } from '../../core/base/commandIds';
import {
  aliasProblem,
  aliasWarning,
  chooseOpener,
  ConfigEntry,
  configEntries,
  judgeSshCheck,
  ourEntrySeen,
  REMOTE_SSH_EXTENSIONS,
  suggestHostAlias,
  warnOnce,
} from '../../core/flows/connectPlan';
import { checkConfigWord } from '../../core/ssh/config/words';
import { checkWithSsh } from '../../core/ssh/config/check';
import { HostEntry, writeHostEntry } from '../../core/ssh/config/hostEntry';
import { SshConfigFileError } from '../../core/ssh/config/file';
import { sshHome } from '../../core/ssh/config/paths';
import { readConfigTree, SshConfigTarget, sshConfigArgs } from '../../core/ssh/config/tree';
import { log } from '../log';
import { showError } from '../messages';
import { plainLabel } from '../../core/base/plainText';
import { describeAddress, ServerAddress } from '../../core/servers/addresses';
import { groupServersByKey } from '../../core/servers/group';
import { guessLoginUser, LoginUserGuess } from '../../core/servers/loginUser';
import { Services } from '../services';
import { sshDirectory, uiOnAnotherMachine } from '../settings';
import { sshConfigTarget } from '../flowSettings';
import { withCancellableProgress } from '../ui/progress';
import { BACK } from '../ui/userInput';
import { pickStep, runSteps, Step, textStep } from '../../core/ask/wizard';
import { ensureSetup } from './setup';
import { confirmHostKey } from './hostKeyPrompt';
import { knownHostsPath, serverHostKeyAlias } from '../../core/ssh/knownHosts';

export const CHOOSE_ANOTHER_ALIAS = l10n.label('Choose Another Alias');

export interface ConnectResult {
  alias: string;
  configPath: string;
  /** How it was opened: a Remote-SSH window (`vscode.newWindow` with this authority) or a terminal. */
  opened: { kind: 'window'; remoteAuthority: string } | { kind: 'terminal'; terminal: vscode.Terminal };
}

/**
 * What Create's "Connect…" button passes when several servers use the new pair: Connect
 * offers its own pick of just these.
 */
export interface ServerChoice {
  kind: 'servers';
  nodes: ServerNode[];
}

export function isServerChoice(value: unknown): value is ServerChoice {
  const choice = value as Partial<ServerChoice> | undefined;
  return choice?.kind === 'servers' && Array.isArray(choice.nodes) && choice.nodes.every(isServerNode);
}

interface ConnectAnswers {
  address?: ServerAddress;
  user: string;
  alias: string;
}

/** The SSH config Connect and Rotate write: the one target of every command (see `sshConfigTarget`). */
export function connectConfigPath(): string {
  return sshConfigTarget().path;
}

/** How old the view's server list may be for Connect's pick to use it instead of reading it again. */
export const SERVER_LIST_MAX_AGE_MS = 5 * 60_000;

/**
 * The servers to pick from: the view's when it has every key pair and read the servers less
 * than {@link SERVER_LIST_MAX_AGE_MS} ago, else read now (one server list, one key pair list).
 */
async function loadServers(services: Services, compute: ComputeClient): Promise<ServerNode[]> {
  const fromView = await services.keyPairList?.serverList?.({ maxAgeMs: SERVER_LIST_MAX_AGE_MS });
  if (fromView) return fromView;
  return withCancellableProgress(vscode.l10n.t('Loading servers…'), async (signal) => {
    const [keyPairs, index, list] = await Promise.all([
      compute.listAll({ signal }),
      localKeyIndex(sshDirectory()),
      listServers(compute, { signal }),
    ]);
    const grouped = groupServersByKey(list.servers);
    return keyPairs.flatMap((keyPair) => {
      const node: KeyPairNode = { kind: 'keypair', keyPair, local: findLocalKey(index, keyPair.fingerprint) };
      return (grouped.byKey.get(keyPair.name) ?? []).map((server): ServerNode => ({
        kind: 'server',
        server,
        keyPair: node,
      }));
    });
  });
}

async function pickServer(
  services: Services,
  arg: unknown,
): Promise<{ node: ServerNode; compute: ComputeClient } | undefined> {
  const compute = await ensureSetup(services);
  if (!compute) return undefined;
  if (isServerNode(arg)) return { node: arg, compute };
  let nodes: ServerNode[];
  if (isServerChoice(arg)) {
    nodes = arg.nodes;
    const [only] = nodes;
    if (only && nodes.length === 1) return { node: only, compute };
  } else {
    try {
      nodes = await loadServers(services, compute);
    } catch (err) {
      void showError(services.messages, err, 'Loading servers');
      return undefined;
    }
  }
  if (nodes.length === 0) {
    void services.messages.show('info', vscode.l10n.t('No server of this account uses one of its key pairs.'));
    return undefined;
  }
  const picked = await services.ui.pick<ServerNode>({
    title: vscode.l10n.t('Connect to Server'),
    placeholder: vscode.l10n.t('Choose a server'),
    matchOnDescription: true,
    items: nodes.map((node) => ({
      label: plainLabel(node.server.name || node.server.id),
      description: plainLabel(`${node.server.status} · ${node.keyPair.keyPair.name}`),
      detail: node.keyPair.local ? undefined : vscode.l10n.t('private key not on this machine'),
      value: node,
    })),
  });
  return picked === BACK || picked === undefined ? undefined : { node: picked, compute };
}

/** Why `value` can't be the login user (Connect's user step, Rotate's Edit user), or undefined. */
export function validateLoginUser(value: string): string | undefined {
  const user = value.trim();
  return user === '' ? vscode.l10n.t('Enter the user to log in as.') : checkConfigWord(user, 'user');
}

/** Why this server can't be connected to, or undefined. */
export function connectProblem(node: ServerNode, sshDir: string): string | undefined {
  const server = node.server;
  if (!node.keyPair.local) {
    return vscode.l10n.t(
      'The private key of key pair "{0}" is not in {1}, so "{2}" can\'t be reached from this machine.',
      node.keyPair.keyPair.name,
      displayPath(sshDir),
      server.name,
    );
  }
  if (server.status !== 'ACTIVE') {
    return vscode.l10n.t('Server "{0}" is {1}, not ACTIVE: start it first.', server.name, server.status);
  }
  if (server.addresses.length === 0) return vscode.l10n.t('Server "{0}" has no IP address to connect to.', server.name);
  return undefined;
}

async function guessUser(
  compute: ComputeClient,
  node: ServerNode,
  services: Services,
): Promise<LoginUserGuess | undefined> {
  const imageId = node.server.imageId;
  const rackspace = services.account.profile()?.provider.startsWith('rackspace') ?? false;
  try {
    const hints = imageId ? await getImageLoginHints(compute, imageId) : undefined;
    return guessLoginUser(hints, { rackspace });
  } catch {
    return guessLoginUser(undefined, { rackspace });
  }
}

/** What the Choose Another Alias button passes: the same server, and the aliases found not to work. */
interface RetryArgument {
  avoidAliases?: unknown;
}

/** Says once per command which `remote.SSH.configFile` value was not used, and why. */
function tellIgnored(services: Services, target: SshConfigTarget): void {
  const ignored = target.ignored;
  if (!ignored) return;
  log.info(`remote.SSH.configFile "${ignored.value}" not used (${ignored.reason}); SSH config: ${target.path}`);
  if (ignored.reason === 'remote-window') return; // the local machine's setting: nothing to worry about
  void services.messages.show(
    'warning',
    ignored.reason === 'workspace-value'
      ? vscode.l10n.t(
          'This workspace sets remote.SSH.configFile to "{0}". Only your user settings choose the SSH config, so {1} is used.',
          ignored.value,
          displayPath(target.path),
        )
      : ignored.reason === 'not-absolute'
        ? vscode.l10n.t(
            'remote.SSH.configFile is "{0}", which is not an absolute path, so {1} is used instead.',
            ignored.value,
            displayPath(target.path),
          )
        : vscode.l10n.t(
            'remote.SSH.configFile names "{0}", a file inside an open workspace folder, so {1} is used instead.',
            ignored.value,
            displayPath(target.path),
          ),
  );
}

export async function connectCommand(services: Services, arg?: unknown): Promise<ConnectResult | undefined> {
  if (
    refusedInRestrictedMode(
      services.messages,
      vscode.l10n.t(
        'Connect to Server is not available in Restricted Mode: it writes your SSH config and runs ssh. Trust this workspace first.',
      ),
    )
  )
    return undefined;
  const target = await pickServer(services, arg);
  if (!target) return undefined;
  const { node, compute } = target;
  const problem = connectProblem(node, sshDirectory());
  if (problem) {
    void services.messages.show('error', problem);
    return undefined;
  }
  const local = node.keyPair.local;
  if (!local) return undefined;
  const server = node.server;
  const title = vscode.l10n.t('Connect to {0}', server.name);
  const config = sshConfigTarget();
  tellIgnored(services, config);
  const configPath = config.path;
  const configArgs = sshConfigArgs(config);
  const avoid = (arg as RetryArgument | undefined)?.avoidAliases;
  const avoidAliases = Array.isArray(avoid) ? avoid.filter((a): a is string => typeof a === 'string') : [];
  const [guess, entries] = await Promise.all([guessUser(compute, node, services), readEntries(configPath)]);
  const addresses = server.addresses;
  const state: ConnectAnswers = {
    address: addresses[0],
    user: guess?.user ?? '',
    alias: suggestHostAlias(server.name, entries, addresses[0]?.ip, avoidAliases),
  };

  const addressStep = pickStep<'address', ServerAddress, ConnectAnswers>(services.ui, 'address', {
    title,
    placeholder: vscode.l10n.t('Address to connect to (the best one is first)'),
    items: addresses.map((address, i) => ({
      label: address.ip,
      description: plainLabel(describeAddress(address)),
      detail: i === 0 ? vscode.l10n.t('Recommended') : undefined,
      value: address,
    })),
  });
  const userStep = textStep<'user' | 'alias', ConnectAnswers & Record<'user' | 'alias', string>>(services.ui, 'user', {
    title,
    prompt: guess
      ? vscode.l10n.t('User to log in as (guessed {0}; change it if needed)', guess.reason)
      : vscode.l10n.t("User to log in as (the image doesn't say; e.g. root, ubuntu, debian)"),
    validate: validateLoginUser,
  });
  const aliasCheck = warnOnce((alias) => aliasWarning(alias, entries, state.address?.ip));
  const aliasStep = textStep<'user' | 'alias', ConnectAnswers & Record<'user' | 'alias', string>>(
    services.ui,
    'alias',
    {
      title,
      prompt: vscode.l10n.t('Host alias: the name to type after "ssh" (entry in {0})', displayPath(configPath)),
      validate: (v) => aliasProblem(v.trim(), entries),
      check: (answers) => aliasCheck(answers.alias),
    },
  );
  const steps = (): Array<Step<ConnectAnswers>> => [
    ...(addresses.length > 1 ? [addressStep] : []),
    userStep,
    aliasStep,
  ];
  if (!(await runSteps(steps, state)) || !state.address) return undefined;

  const entry: HostEntry = {
    alias: state.alias,
    hostName: state.address.ip,
    user: state.user,
    identityFile: local.privatePath,
    // ssh checks the host key against our known-hosts file, pinned per server (see knownHosts.ts).
    hostKeys: { knownHostsFile: knownHostsPath(sshHome()), hostKeyAlias: serverHostKeyAlias(server.id) },
  };
  let written;
  try {
    // What the alias box showed of our entry for it: changed by another window since, it stays.
    written = await writeHostEntry({ configPath, entry, ourEntry: ourEntrySeen(entry.alias, entries) });
  } catch (err) {
    if (err instanceof SshConfigFileError) {
      log.error(`connect "${server.name}": ${err.message}`);
      void services.messages.show(
        'error',
        vscode.l10n.t(
          'Connect could not write Host "{0}" to {1}: {2} Nothing was changed.',
          entry.alias,
          displayPath(configPath),
          err.message,
        ),
      );
    } else {
      void showError(services.messages, err, `Writing Host "${entry.alias}" to ${displayPath(configPath)}`);
    }
    return undefined;
  }
  if (written.outcome === 'exists') {
    void services.messages.show(
      'error',
      vscode.l10n.t(
        'Host "{0}" is already your own entry in {1}; nothing was changed. Choose another alias.',
        entry.alias,
        displayPath(configPath),
      ),
    );
    return undefined;
  }
  // Open nothing, and offer the same server again with another alias.
  const refuse = (text: string) =>
    void services.messages.show('error', text, [CHOOSE_ANOTHER_ALIAS]).then((picked) => {
      if (picked !== CHOOSE_ANOTHER_ALIAS) return;
      const retry: ServerNode & RetryArgument = { ...node, avoidAliases: [...avoidAliases, entry.alias] };
      void vscode.commands.executeCommand(COMMAND.connect, retry);
    });
  if (written.outcome === 'taken') {
    // Another window wrote this alias for another server since the box was shown.
    refuse(
      vscode.l10n.t(
        'Host "{0}" in {1} was just pointed at {2} by another window; nothing was changed and nothing was opened. Choose another alias.',
        entry.alias,
        displayPath(configPath),
        written.hostName ?? entry.alias,
      ),
    );
    return undefined;
  }
  const check = await checkWithSsh({ configPath, configArgs, entry });
  const verdict = judgeSshCheck(check, entry.alias, server.name, await readEntries(configPath), (c) =>
    describeSshCheck(c, entry.alias),
  );
  log.info(`connect "${server.name}": Host "${entry.alias}" ${written.outcome} in ${configPath}. ${verdict.text}`);
  if (!verdict.open) {
    // Another entry decides where "ssh <alias>" goes (for every alias: nothing to retry).
    if (verdict.anotherAliasHelps) refuse(verdict.text);
    else void services.messages.show('error', verdict.text);
    return undefined;
  }
  if (verdict.severity === 'warning') void services.messages.show('warning', verdict.text);
  // First contact, verified against the server's console before anything opens. Retry (a
  // server still booting) checks again and opens: the entry is written, nothing is asked again.
  const checkAndOpen = async (): Promise<ConnectResult | undefined> => {
    const retry = () =>
      void checkAndOpen().catch((err: unknown) =>
        showError(services.messages, err, vscode.l10n.t('Connecting to {0}', server.name)),
      );
    if (!(await confirmHostKey(services, { compute, server, host: entry.alias, configArgs }, retry))) return undefined;
    const opened = await open(services, entry.alias, configArgs, config);
    return { alias: entry.alias, configPath, opened };
  };
  return checkAndOpen();
}

/** The blocks of the SSH config ssh reads (the target and what it includes); unreadable parts are logged. */
async function readEntries(configPath: string): Promise<ConfigEntry[]> {
  const tree = await readConfigTree(configPath);
  for (const p of tree.problems) log.warn(`SSH config: ${p.path}: ${p.message}`);
  return configEntries(tree);
}

async function open(
  services: Services,
  alias: string,
  configArgs: string[],
  target: SshConfigTarget,
): Promise<ConnectResult['opened']> {
  const remoteName = vscode.env.remoteName;
  const how = chooseOpener({
    alias,
    remoteName: uiOnAnotherMachine(remoteName) ? remoteName : undefined,
    installed: REMOTE_SSH_EXTENSIONS.filter((id) => vscode.extensions.getExtension(id) !== undefined),
    configArgs,
    target,
  });
  if (how.kind === 'window') {
    // What both Remote - SSH and Open Remote - SSH do to open a host themselves.
    await vscode.commands.executeCommand('vscode.newWindow', { remoteAuthority: how.remoteAuthority });
    return { kind: 'window', remoteAuthority: how.remoteAuthority };
  }
  if (remoteName) {
    void services.messages.show(
      'info',
      vscode.l10n.t(
        'This window is connected to a remote host ({0}): the key and the Host entry "{1}" are on that host, and the terminal runs ssh from there.',
        remoteName,
        alias,
      ),
    );
  }
  const terminal = vscode.window.createTerminal({ name: alias, shellPath: how.shellPath, shellArgs: how.shellArgs });
  terminal.show();
  return { kind: 'terminal', terminal };
}
