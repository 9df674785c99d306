/** Key Pairs: Open Public Key — the key line in a read-only editor (nothing is stored). */
import * as vscode from 'vscode';
import { PUBLIC_KEY_SCHEME } from '../../core/flows/keyPairList';
import { CommandContext } from './context';
import { pickKeyPair } from './pickKeyPair';

/** Resolves to the document shown. */
export async function openPublicKeyCommand(
  ctx: CommandContext,
  arg?: unknown,
): Promise<vscode.TextDocument | undefined> {
  const node = await pickKeyPair(ctx, arg, { title: vscode.l10n.t('Open Public Key') });
  if (!node) return undefined;
  const file = `${node.keyPair.name.replace(/[/\\]/g, '_')}.pub`;
  const uri = vscode.Uri.from({ scheme: PUBLIC_KEY_SCHEME, path: `/${file}`, query: node.keyPair.publicKey.trim() });
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}
