/**
 * The command table: every command of the extension, registered through one wrapper
 * (`runCommand`) that catches what a command throws, shows it through ../messages, treats
 * the user's Cancel as silence, and logs. A new command is one file in this folder plus
 * one line here (the table's type makes a missing or unknown id a compile error).
 */
import * as vscode from 'vscode';
import { log } from '../log';
import { isCancel, showError } from '../messages';
import { Services } from '../services';
import { addToSshConfigCommand } from './addToSshConfig';
import { connectCommand } from './connect';
import { copyFingerprintCommand } from './copyFingerprint';
import { copyPublicKeyCommand } from './copyPublicKey';
import { copyToRegionsCommand } from './copyToRegions';
import { createCommand } from './create';
import { deleteCommand } from './delete';
import { COMMAND, CommandName } from '../../core/base/commandIds';
import { importCommand } from './importKey';
import { loadMoreCommand, refreshCommand } from './list';
import { openPublicKeyCommand } from './openPublicKey';
import { revealPrivateKeyCommand } from './revealPrivateKey';
import { rotateCommand } from './rotate';
import { selectRegionCommand } from './selectRegion';
import { signInCommand } from './signIn';
import { signOutCommand } from './signOut';
import { clearTokenCommand, setTokenCommand } from './token';
import { copyAddressCommand, copySshCommandCommand, openSshConfigCommand } from './serverRow';
import { CONTEXT, setContextKey } from '../contextKeys';
import { isServerNode } from '../../core/flows/keyPairList';
import { keyPairOfPublicKeyFile } from './editorKey';
import { trustHostKeyCommand } from './trustHostKey';

/** A command: what the shell shares, and the argument VS Code passed (a view node, or a target). */
export type CommandHandler = (services: Services, arg?: unknown) => unknown;

export const COMMANDS: { readonly [name in CommandName]: CommandHandler } = {
  create: createCommand,
  setToken: setTokenCommand,
  clearToken: clearTokenCommand,
  signIn: signInCommand,
  signOut: signOutCommand,
  selectRegion: selectRegionCommand,
  refresh: refreshCommand,
  loadMore: loadMoreCommand,
  copyPublicKey: copyPublicKeyCommand,
  copyToRegions: copyToRegionsCommand,
  copyFingerprint: copyFingerprintCommand,
  openPublicKey: openPublicKeyCommand,
  revealPrivateKey: revealPrivateKeyCommand,
  delete: deleteCommand,
  import: importCommand,
  addToSshConfig: addToSshConfigCommand,
  rotate: rotateCommand,
  connect: connectCommand,
  copyAddress: copyAddressCommand,
  copySshCommand: copySshCommandCommand,
  openSshConfig: openSshConfigCommand,
  trustHostKey: trustHostKeyCommand,
};

/** Registers every command of the table. */
export function registerCommands(context: vscode.ExtensionContext, services: Services): void {
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    const handler = COMMANDS[name];
    context.subscriptions.push(
      vscode.commands.registerCommand(COMMAND[name], (arg?: unknown) => runCommand(services, name, handler, arg)),
    );
  }
}

/**
 * Runs one command: its result, or undefined when it failed (the error is shown, not
 * awaited) or was cancelled (nothing is shown).
 */
export async function runCommand(
  services: Services,
  name: CommandName,
  handler: CommandHandler,
  arg?: unknown,
): Promise<unknown> {
  try {
    const result = await handler(services, await adaptArgument(services, name, arg));
    const step = walkthroughStep(name, result);
    if (step) setContextKey(step, true);
    return result;
  } catch (err) {
    if (isCancel(err)) {
      log.info(`${COMMAND[name]}: cancelled`);
      return undefined;
    }
    log.warn(`${COMMAND[name]} failed: ${err instanceof Error ? err.name : typeof err}`);
    void showError(services.messages, err);
    return undefined;
  }
}

/**
 * The argument a handler gets from a menu that passes something else: a server row's Rotate
 * rotates its key pair; Copy Public Key and Reveal Private Key from the editor of a `.pub`
 * file act on that file's key pair.
 */
async function adaptArgument(services: Services, name: CommandName, arg: unknown): Promise<unknown> {
  if (name === 'rotate' && isServerNode(arg)) return arg.keyPair;
  if ((name === 'copyPublicKey' || name === 'revealPrivateKey') && arg instanceof vscode.Uri) {
    return (await keyPairOfPublicKeyFile(services, arg)) ?? arg;
  }
  return arg;
}

/**
 * The walkthrough step a command's result completes (its context key), or undefined: a step
 * ticks when its command succeeded, never when it was cancelled or failed.
 */
export function walkthroughStep(name: CommandName, result: unknown): string | undefined {
  if (result === undefined || result === null || result === false) return undefined;
  if (name === 'create') return CONTEXT.created;
  if (name === 'addToSshConfig') return (result as { added?: boolean }).added ? CONTEXT.addedToSshConfig : undefined;
  if (name === 'connect') return CONTEXT.connected;
  return undefined;
}
