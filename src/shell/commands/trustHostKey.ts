/**
 * Trust Host Key… on a server node: checks the key the server presents against its console
 * now, and pins it where ssh looks for that server (our entry's known-hosts file and
 * HostKeyAlias, else what `ssh -G` says for its address), replacing keys pinned before in our
 * file: for a server reinstalled on purpose, whose old pins stop Connect. Verified keys are
 * pinned without a question; without console keys the fingerprint is shown in a modal first.
 * Not in Restricted Mode: it runs ssh and writes a known-hosts file.
 */
import * as vscode from 'vscode';
import { refusedInRestrictedMode } from '../ui/restricted';
import { serverEntryAlias } from '../../core/flows/hostKeyCheck';
import { configEntries } from '../../core/flows/hostEntry';
import { serverHostKeyAlias } from '../../core/ssh/knownHosts';
import { configArgsNow, readConfigTree, sshConfigArgs } from '../../core/ssh/config/tree';
import { isServerNode } from '../../core/flows/keyPairList';
import { log } from '../log';
import { CommandContext } from './context';
import { sshConfigTarget } from '../flowSettings';
import { confirmHostKey } from './hostKeyPrompt';
import { ensureSetup } from './setup';
import { COMMAND } from '../../core/base/commandIds';

export async function trustHostKeyCommand(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  if (
    refusedInRestrictedMode(
      ctx.messages,
      vscode.l10n.t('Trust Host Key is not available in Restricted Mode: it runs ssh. Trust this workspace first.'),
    )
  )
    return false;
  if (!isServerNode(arg)) {
    void ctx.messages.show('info', vscode.l10n.t('Choose a server in the Key Pairs view first.'));
    return false;
  }
  const compute = await ensureSetup(ctx);
  if (!compute) return false;
  const server = arg.server;
  const addresses = server.addresses.map((a) => a.ip);
  const best = addresses[0];
  if (best === undefined) {
    void ctx.messages.show('info', vscode.l10n.t('Server {0} has no address yet.', server.name));
    return false;
  }
  const config = sshConfigTarget();
  const tree = await readConfigTree(config.path);
  for (const p of tree.problems) log.warn(`SSH config: ${p.path}: ${p.message}`);
  const hostKeyAlias = serverHostKeyAlias(server.id);
  const alias = serverEntryAlias(configEntries(tree), { ...(hostKeyAlias ? { hostKeyAlias } : {}), addresses });
  // remote.SSH.configFile naming a file not written yet: an empty config (no entry of ours in it).
  const configArgs = await configArgsNow(config.path, sshConfigArgs(config));
  const trusted = await confirmHostKey(
    ctx,
    { compute, server, host: alias ?? best, configArgs, replace: true },
    () => void vscode.commands.executeCommand(COMMAND.trustHostKey, arg),
  );
  if (trusted) {
    void ctx.messages.show(
      'info',
      alias
        ? vscode.l10n.t('The host key of server "{0}" is trusted: "ssh {1}" checks it strictly.', server.name, alias)
        : vscode.l10n.t('The host key of server "{0}" is trusted for {1}.', server.name, best),
    );
  }
  return trusted;
}
