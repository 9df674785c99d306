/**
 * Key Pairs: Connect to Server… — from a server node (or a pick of servers with their key
 * pair): asks the address, the login user and a host alias, writes one `Host` entry to the one
 * SSH config the user's ssh reads (`sshConfigTarget()`), checks it with `ssh -G`, then opens
 * it: a Remote-SSH window when such an extension is installed in a local window, else an
 * integrated terminal running `ssh [-F <config>] <alias>` (no shell string). Every decision is
 * the core's (../../core/flows/connect); this file asks, calls the flow and tells. Not in
 * Restricted Mode: it writes the SSH config and runs ssh.
 */
import * as l10n from '../../core/base/l10n';
import * as vscode from 'vscode';
import { refusedInRestrictedMode } from '../ui/restricted';
import { ComputeClient } from '../../core/api/compute';
import { describeSshCheck } from '../../core/wording/sshCheck';
import {
  aliasesToAvoid,
  chooseOpener,
  connectToServer,
  ConnectNotice,
  REMOTE_SSH_EXTENSIONS,
  remoteTerminalNote,
  RetryArgument,
  serverReads,
} from '../../core/flows/connect';
import { readServerNodes } from '../../core/flows/inventory';
import { isServerChoice, isServerNode, ServerNode } from '../../core/flows/keyPairList';
import { COMMAND } from '../../core/base/commandIds';
import { sshConfigArgs, SshConfigTarget } from '../../core/ssh/config/tree';
import { log } from '../log';
import { showError } from '../messages';
import { plainLabel } from '../../core/base/plainText';
import { CommandContext } from './context';
import { sshDirectory, uiOnAnotherMachine } from '../settings';
import { sshConfigTarget } from '../flowSettings';
import { withCancellableProgress } from '../ui/progress';
import { BACK } from '../ui/userInput';
import { ensureSetup } from './setup';
import { confirmHostKey } from './hostKeyPrompt';

export const CHOOSE_ANOTHER_ALIAS = l10n.label('Choose Another Alias');

export interface ConnectResult {
  alias: string;
  configPath: string;
  /** How it was opened: a Remote-SSH window (`vscode.newWindow` with this authority) or a terminal. */
  opened: { kind: 'window'; remoteAuthority: string } | { kind: 'terminal'; terminal: vscode.Terminal };
  /**
   * Until the terminal's process has started (or the terminal closed, or a few seconds passed: a
   * process that cannot start never does): what is not urgent (a note, the walkthrough's tick) waits for it.
   */
  settling?: Thenable<unknown>;
}

/** The server: the node given, one of Create's, or the user's pick (the view's list when fresh, else read now). */
async function pickServer(ctx: CommandContext, arg: unknown, compute: ComputeClient): Promise<ServerNode | undefined> {
  if (isServerNode(arg)) return arg;
  let nodes: ServerNode[] | undefined = isServerChoice(arg) ? arg.nodes : undefined;
  if (nodes?.length === 1) return nodes[0];
  try {
    nodes ??=
      (await ctx.services.keyPairList?.serverList?.()) ??
      (await withCancellableProgress(
        vscode.l10n.t('Loading servers…'),
        (signal) => readServerNodes(compute, sshDirectory(), signal),
        ctx.signal,
      ));
  } catch (err) {
    void showError(ctx.messages, err, vscode.l10n.t('Loading servers'));
    return undefined;
  }
  if (nodes.length === 0) {
    void ctx.messages.show('info', vscode.l10n.t('No server of this account uses one of its key pairs.'));
    return undefined;
  }
  const picked = await ctx.ui.pick<ServerNode>({
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
  return picked === BACK ? undefined : picked;
}

export async function connectCommand(ctx: CommandContext, arg?: unknown): Promise<ConnectResult | undefined> {
  const refusal = vscode.l10n.t(
    'Connect to Server is not available in Restricted Mode: it writes your SSH config and runs ssh. Trust this workspace first.',
  );
  if (refusedInRestrictedMode(ctx.messages, refusal)) return undefined;
  const compute = await ensureSetup(ctx);
  const node = compute && (await pickServer(ctx, arg, compute));
  if (!compute || !node) return undefined;
  const config = sshConfigTarget();
  const tell = (notice: ConnectNotice): void => {
    if ('error' in notice) return void showError(ctx.messages, notice.error, notice.doing);
    if (!('retryAvoiding' in notice)) return void ctx.messages.show(notice.severity, notice.text);
    void ctx.messages.show('error', notice.text, [CHOOSE_ANOTHER_ALIAS]).then((picked) => {
      const retry: RetryArgument = { ...node, avoidAliases: notice.retryAvoiding };
      if (picked === CHOOSE_ANOTHER_ALIAS) void vscode.commands.executeCommand(COMMAND.connect, retry);
    });
  };
  const ready = await connectToServer({
    node,
    sshDirectory: sshDirectory(),
    config,
    avoidAliases: aliasesToAvoid(arg),
    ui: ctx.ui,
    ...serverReads(compute, node.server, ctx.services.account.profile()?.provider),
    describeCheck: describeSshCheck,
    tell,
    log,
  });
  if (!ready) return undefined;
  // First contact, verified against the server's console before anything opens. Retry (a
  // server still booting) checks again and opens: the entry is written, nothing is asked again.
  const checkAndOpen = async (): Promise<ConnectResult | undefined> => {
    const retry = () =>
      void checkAndOpen().catch((err: unknown) =>
        showError(ctx.messages, err, vscode.l10n.t('Connecting to {0}', node.server.name)),
      );
    // What was read and contacted during the steps is used once: a Retry checks afresh.
    const { alias, configArgs, configPath, prefetched } = ready;
    if (!(await confirmHostKey(ctx, { compute, server: node.server, host: alias, configArgs, prefetched }, retry)))
      return undefined;
    const { opened, settling } = await open(ctx, alias, config, node.server.name);
    return settling ? { alias, configPath, opened, settling } : { alias, configPath, opened };
  };
  return checkAndOpen();
}

type Opened = ConnectResult['opened'];
/** What is not urgent waits for the terminal's process this long at most: a process that never starts never has an id. */
const SETTLE_MS = 3_000;

/**
 * Resolves once the terminal's process has started, or after {@link SETTLE_MS} (a process that
 * could not start: ssh missing, a starting folder that is gone), or once the terminal closed:
 * false only when the user closed it (nothing more to say about it then).
 */
function started(terminal: vscode.Terminal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (open: boolean) => {
      clearTimeout(timer);
      closed.dispose();
      resolve(open);
    };
    const timer = setTimeout(() => done(true), SETTLE_MS);
    const closed = vscode.window.onDidCloseTerminal(
      (t) => t === terminal && done(t.exitStatus?.reason !== vscode.TerminalExitReason.User),
    );
    Promise.resolve(terminal.processId).then(
      () => done(true),
      () => done(true),
    );
  });
}

async function open(
  ctx: CommandContext,
  alias: string,
  target: SshConfigTarget,
  name: string,
): Promise<{ opened: Opened; settling?: Promise<boolean> }> {
  const remoteName = vscode.env.remoteName;
  const how = chooseOpener({
    alias,
    remoteName: uiOnAnotherMachine(remoteName) ? remoteName : undefined,
    installed: REMOTE_SSH_EXTENSIONS.filter((id) => vscode.extensions.getExtension(id) !== undefined),
    configArgs: sshConfigArgs(target),
    target,
  });
  if (how.kind === 'window') {
    // What both Remote - SSH and Open Remote - SSH do to open a host themselves.
    await vscode.commands.executeCommand('vscode.newWindow', { remoteAuthority: how.remoteAuthority });
    return { opened: { kind: 'window', remoteAuthority: how.remoteAuthority } };
  }
  const terminal = vscode.window.createTerminal({ name: alias, shellPath: how.shellPath, shellArgs: how.shellArgs });
  terminal.show();
  // The note waits for the terminal's process: a toast drawn while the workbench builds the
  // terminal delays the terminal, and with it the login.
  const settling = started(terminal);
  const note = remoteName && remoteTerminalNote(remoteName, alias);
  if (note) void settling.then((open) => (open ? ctx.messages.show('info', note) : undefined));
  log.info(`connect "${name}": terminal for Host "${alias}" created`);
  return { opened: { kind: 'terminal', terminal }, settling };
}
