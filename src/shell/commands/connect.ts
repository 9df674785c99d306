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
import { COMMAND } from '../../core/base/commandIds';
import { sshConfigArgs, SshConfigTarget } from '../../core/ssh/config/tree';
import { log } from '../log';
import { showError } from '../messages';
import { CommandContext } from './context';
import { sshDirectory, uiOnAnotherMachine } from '../settings';
import { sshConfigTarget } from '../flowSettings';
import { ensureSetup } from './setup';
import { confirmHostKey } from './hostKeyPrompt';
import { pickServer } from './pickServer';
import { terminalStarted } from '../ui/terminalStarted';

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
    return { alias, configPath, ...(await open(ctx, alias, config, node.server.name)) };
  };
  return checkAndOpen();
}

type Opened = Pick<ConnectResult, 'opened' | 'settling'>;
async function open(ctx: CommandContext, alias: string, target: SshConfigTarget, name: string): Promise<Opened> {
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
  // A toast drawn while the workbench builds the terminal delays it (and the login): the note waits.
  const settling = terminalStarted(terminal);
  const note = remoteName && remoteTerminalNote(remoteName, alias);
  if (note) void settling.then((open) => (open ? ctx.messages.show('info', note) : undefined));
  log.info(`connect "${name}": terminal for Host "${alias}" created`);
  return { opened: { kind: 'terminal', terminal }, settling };
}
