/**
 * Key pair management: the Key Pairs view and the commands on its nodes (copy, open,
 * reveal, delete, add to SSH config) and in its title (import, refresh). Registering is
 * cheap: nothing is read or requested until the view is shown or a command runs.
 */
import * as vscode from 'vscode';
import { addToSshConfigCommand } from '../commands/addToSshConfig';
import { deleteCommand } from '../commands/delete';
import { importCommand } from '../commands/importKey';
import {
  copyFingerprintCommand,
  copyPublicKeyCommand,
  ManageContext,
  openPublicKeyCommand,
  PUBLIC_KEY_SCHEME,
  PublicKeyDocuments,
  revealPrivateKeyCommand,
} from '../commands/manage';
import { Services } from '../services';
import { onKeyPairsChanged } from './changes';
import { KeyPairsProvider, VIEW_ID } from './keyPairsView';

export { KeyPairsProvider } from './keyPairsView';

/** Registers the view and its commands; returns the view's provider (for Test mode). */
export function registerManagement(context: vscode.ExtensionContext, services: Services): KeyPairsProvider {
  const provider = new KeyPairsProvider(services);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider });
  provider.attach(view);
  const ctx: ManageContext = { services, view: provider };
  const command = (id: string, run: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, run));

  command('keypairs.refresh', () => provider.refresh());
  command('keypairs.loadMore', () => provider.loadMore());
  command('keypairs.copyPublicKey', (arg) => copyPublicKeyCommand(ctx, arg));
  command('keypairs.copyFingerprint', (arg) => copyFingerprintCommand(ctx, arg));
  command('keypairs.openPublicKey', (arg) => openPublicKeyCommand(ctx, arg));
  command('keypairs.revealPrivateKey', (arg) => revealPrivateKeyCommand(ctx, arg));
  command('keypairs.delete', (arg) => deleteCommand(ctx, arg));
  command('keypairs.import', () => importCommand(ctx));
  command('keypairs.addToSshConfig', (arg) => addToSshConfigCommand(ctx, arg));

  context.subscriptions.push(
    provider,
    view,
    vscode.workspace.registerTextDocumentContentProvider(PUBLIC_KEY_SCHEME, new PublicKeyDocuments()),
    services.onDidChangeTarget(() => provider.refresh()),
    onKeyPairsChanged(() => provider.refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('keypairs.sshDirectory')) provider.refreshLocalKeys();
    }),
  );
  return provider;
}
