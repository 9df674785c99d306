/**
 * The command table: every command of the extension, registered through one wrapper
 * (`runCommand`) that builds the run's context (./context.ts), catches what a command throws,
 * shows it through ../messages, treats the user's Cancel as silence, and logs. A command that
 * must not run twice at once says so here (`single`). A new command is one file in this folder
 * plus one line here (the table's type makes a missing or unknown id a compile error).
 */
import * as vscode from 'vscode';
import { log } from '../log';
import { isCancel, showError } from '../messages';
import { Services } from '../services';
import { CommandContext, newContext } from './context';
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

/** A command: the run's context, and the argument VS Code passed (a view node, or a target). */
export type CommandHandler = (ctx: CommandContext, arg?: unknown) => unknown;

/** A command with options: `single`, one run at a time (a second trigger calls `again` instead, if given). */
export interface CommandSpec {
  run: CommandHandler;
  single?: { again?: (ctx: CommandContext) => void };
}

/** Connect and Add to SSH Config still take Services (their own branch moves them to the context). */
const withServices =
  (command: (services: Services, arg?: unknown) => unknown): CommandHandler =>
  (ctx, arg) =>
    command(ctx.services, arg);

export const COMMANDS: { readonly [name in CommandName]: CommandHandler | CommandSpec } = {
  create: {
    run: createCommand,
    // A second trigger brings the open name box back.
    single: {
      again: (ctx) => void (ctx.ui.refocusKeyPairName() || log.info('Create Server Key Pair is already running.')),
    },
  },
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
  addToSshConfig: withServices(addToSshConfigCommand),
  rotate: { run: rotateCommand, single: { again: () => log.info('Rotate Key Pair is already running.') } },
  connect: withServices(connectCommand),
  copyAddress: copyAddressCommand,
  copySshCommand: copySshCommandCommand,
  openSshConfig: openSshConfigCommand,
  trustHostKey: trustHostKeyCommand,
};

/** Registers every command of the table; the commands marked `single` share one set of running names. */
export function registerCommands(context: vscode.ExtensionContext, services: Services): void {
  const running = new Set<CommandName>();
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    const entry = COMMANDS[name];
    const spec: CommandSpec = typeof entry === 'function' ? { run: entry } : entry;
    context.subscriptions.push(
      vscode.commands.registerCommand(COMMAND[name], async (arg?: unknown) => {
        const ctx = newContext(services);
        if (!spec.single) return runCommand(ctx, name, spec.run, arg);
        if (running.has(name)) return void spec.single.again?.(ctx);
        running.add(name);
        try {
          return await runCommand(ctx, name, spec.run, arg);
        } finally {
          running.delete(name);
        }
      }),
    );
  }
}

/**
 * Runs one command in its context: its result, or undefined when it failed (the error is
 * shown, not awaited) or was cancelled (nothing is shown).
 */
export async function runCommand(
  ctx: CommandContext,
  name: CommandName,
  handler: CommandHandler,
  arg?: unknown,
): Promise<unknown> {
  try {
    const result = await handler(ctx, await adaptArgument(ctx.services, name, arg));
    const step = walkthroughStep(name, result);
    if (step) setContextKey(step, true);
    return result;
  } catch (err) {
    if (isCancel(err)) {
      log.info(`${COMMAND[name]}: cancelled`);
      return undefined;
    }
    log.warn(`${COMMAND[name]} failed: ${err instanceof Error ? err.name : typeof err}`);
    void showError(ctx.messages, err);
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
