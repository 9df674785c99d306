/**
 * The key pair a view command acts on: the node it was invoked on, else the user's pick
 * among the account's key pairs (those the view has loaded when it has all of them).
 */
import * as vscode from 'vscode';
import { readKeyPairNodes } from '../../core/flows/inventory';
import { KeyPairNode, isKeyPairNode } from '../../core/flows/keyPairList';
import { displayPath } from '../../core/keys/keyFiles';
import { showError } from '../messages';
import { CommandContext } from './context';
import { sshDirectory } from '../settings';
import { withCancellableProgress } from '../ui/progress';
import { BACK } from '../ui/userInput';
import { ensureSetup } from './setup';

/** Only those with a local private key when `localOnly`. */
export async function pickKeyPair(
  ctx: CommandContext,
  arg: unknown,
  options: { title: string; localOnly?: boolean },
): Promise<KeyPairNode | undefined> {
  if (isKeyPairNode(arg)) return arg;
  const compute = await ensureSetup(ctx);
  if (!compute) return undefined;
  const dir = sshDirectory();
  let nodes = await ctx.services.keyPairList?.completeList();
  if (!nodes) {
    try {
      nodes = await withCancellableProgress(
        vscode.l10n.t('Loading key pairs…'),
        (signal) => readKeyPairNodes(compute, dir, signal),
        ctx.signal,
      );
    } catch (err) {
      void showError(ctx.messages, err, vscode.l10n.t('Loading key pairs'));
      return undefined;
    }
  }
  if (options.localOnly) nodes = nodes.filter((n) => n.local);
  if (nodes.length === 0) {
    void ctx.messages.show(
      'info',
      options.localOnly
        ? vscode.l10n.t('None of your key pairs has its private key in {0}.', displayPath(dir))
        : vscode.l10n.t('There are no key pairs in this account yet.'),
    );
    return undefined;
  }
  const picked = await ctx.ui.pick({
    title: options.title,
    placeholder: vscode.l10n.t('Choose a key pair'),
    matchOnDescription: true,
    items: nodes.map((node) => ({
      label: node.keyPair.name,
      description: node.keyPair.fingerprint,
      detail: node.local ? vscode.l10n.t('Private key: {0}', displayPath(node.local.privatePath)) : undefined,
      value: node,
    })),
  });
  return picked === BACK ? undefined : picked;
}
