/** Key Pairs: Copy Fingerprint — the server's MD5 fingerprint to the clipboard. */
import * as vscode from 'vscode';
import { CommandContext } from './context';
import { confirmQuietly } from '../ui/quiet';
import { pickKeyPair } from './pickKeyPair';

export async function copyFingerprintCommand(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  const node = await pickKeyPair(ctx, arg, { title: vscode.l10n.t('Copy Fingerprint') });
  if (!node) return undefined;
  await vscode.env.clipboard.writeText(node.keyPair.fingerprint);
  confirmQuietly(vscode.l10n.t('Copied the fingerprint of "{0}" ({1}).', node.keyPair.name, node.keyPair.fingerprint));
  return node.keyPair.fingerprint;
}
