/** Key Pairs: Reveal Private Key File — see ../ui/reveal for what a Remote window gets. */
import * as vscode from 'vscode';
import { displayPath } from '../../core/keys/keyFiles';
import { CommandContext } from './context';
import { sshDirectory } from '../settings';
import { revealFile } from '../ui/reveal';
import { pickKeyPair } from './pickKeyPair';

export async function revealPrivateKeyCommand(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  const node = await pickKeyPair(ctx, arg, {
    title: vscode.l10n.t('Reveal Private Key File'),
    localOnly: true,
  });
  if (!node) return undefined;
  if (!node.local) {
    void ctx.messages.show(
      'info',
      vscode.l10n.t('The private key of "{0}" is not in {1}.', node.keyPair.name, displayPath(sshDirectory())),
    );
    return undefined;
  }
  await revealFile(ctx.messages, node.local.privatePath);
  return node.local.privatePath;
}
