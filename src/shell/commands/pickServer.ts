/**
 * The server Connect to Server… connects to: the node it was run on, the only one of Create's,
 * or the user's pick of the servers that use one of the account's key pairs (the view's list
 * when it is fresh, else read now).
 */
import * as vscode from 'vscode';
import { ComputeClient } from '../../core/api/compute';
import { plainLabel } from '../../core/base/plainText';
import { readServerNodes } from '../../core/flows/inventory';
import { isServerChoice, isServerNode, ServerNode } from '../../core/flows/keyPairList';
import { showError } from '../messages';
import { sshDirectory } from '../settings';
import { withCancellableProgress } from '../ui/progress';
import { BACK } from '../ui/userInput';
import { CommandContext } from './context';

/** The server: the node given, one of Create's, or the user's pick (the view's list when fresh, else read now). */
export async function pickServer(
  ctx: CommandContext,
  arg: unknown,
  compute: ComputeClient,
): Promise<ServerNode | undefined> {
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
