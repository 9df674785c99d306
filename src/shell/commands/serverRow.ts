/**
 * The commands of a server row in the Key Pairs view: Copy Address, Copy ssh Command and
 * Open SSH Config (the one file Connect and Add to SSH Config write: sshConfigTarget()).
 */
import * as vscode from 'vscode';
import { displayPath } from '../../core/keys/keyFiles';
import { serverSshCommand } from '../../core/ssh/hostEntries';
import { readConfigFile } from '../../core/ssh/config/file';
import { isServerNode, ServerNode } from '../../core/flows/keyPairList';
import { log } from '../log';
import { CommandContext } from './context';
import { sshConfigTarget } from '../flowSettings';
import { confirmQuietly } from '../ui/quiet';

function serverOf(ctx: CommandContext, arg: unknown): ServerNode | undefined {
  if (isServerNode(arg)) return arg;
  void ctx.messages.show('info', vscode.l10n.t('Choose a server in the Key Pairs view first.'));
  return undefined;
}

/** Copies the server's best address (the one its row shows). */
export async function copyAddressCommand(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  const node = serverOf(ctx, arg);
  if (!node) return undefined;
  const best = node.server.addresses[0]?.ip;
  if (!best) {
    void ctx.messages.show('info', vscode.l10n.t('Server {0} has no address yet.', node.server.name));
    return undefined;
  }
  await vscode.env.clipboard.writeText(best);
  confirmQuietly(vscode.l10n.t('Copied the address of {0}: {1}', node.server.name, best));
  return best;
}

/**
 * Copies the `ssh` command for the server: `ssh <alias>` when the SSH config has an entry for
 * it with its key, else `ssh -i <key> [user@]<address>`.
 */
export async function copySshCommandCommand(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  const node = serverOf(ctx, arg);
  if (!node) return undefined;
  const local = node.keyPair.local;
  if (!local) {
    void ctx.messages.show(
      'info',
      vscode.l10n.t('The private key of "{0}" is not on this machine.', node.keyPair.keyPair.name),
    );
    return undefined;
  }
  let config: Buffer | undefined;
  try {
    config = (await readConfigFile(sshConfigTarget().path))?.content;
  } catch (err) {
    log.warn(`reading the SSH config for Copy ssh Command failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const command = serverSshCommand({
    config,
    addresses: node.server.addresses.map((a) => a.ip),
    privatePath: local.privatePath,
  });
  if (!command) {
    void ctx.messages.show('info', vscode.l10n.t('Server {0} has no address yet.', node.server.name));
    return undefined;
  }
  await vscode.env.clipboard.writeText(command);
  confirmQuietly(vscode.l10n.t('Copied: {0}', command));
  return command;
}

/** Opens the SSH config every command writes; when there is none yet, says so (nothing is created). */
export async function openSshConfigCommand(ctx: CommandContext): Promise<string | undefined> {
  const file = sshConfigTarget().path;
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: false });
    return file;
  } catch {
    void ctx.messages.show(
      'info',
      vscode.l10n.t('There is no SSH config at {0} yet: Connect or Add to SSH Config creates it.', displayPath(file)),
    );
    return undefined;
  }
}
