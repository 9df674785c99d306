/** Key Pairs: Copy Public Key — the key line to the clipboard. */
import * as vscode from 'vscode';
import { CommandContext } from './context';
import { confirmQuietly } from '../ui/quiet';
import { pickKeyPair } from './pickKeyPair';

export async function copyPublicKeyCommand(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  const node = await pickKeyPair(ctx, arg, { title: vscode.l10n.t('Copy Public Key') });
  if (!node) return undefined;
  await vscode.env.clipboard.writeText(node.keyPair.publicKey);
  confirmQuietly(vscode.l10n.t('Copied the public key of "{0}".', node.keyPair.name));
  return node.keyPair.publicKey;
}
