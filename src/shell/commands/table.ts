/**
 * The command table: every command of the extension, registered through one wrapper
 * (`runCommand`) that builds the run's context (./context.ts), catches what a command throws,
 * shows it through ../messages, treats the user's Cancel as silence, and logs. A command that
 * must not run twice at once says so here (`single`). A new command is one file in this folder
 * plus one line here (the table's type makes a missing or unknown id a compile error).
 *
 * Each command's code loads on its first run (`lazy`: an `import()`, which the bundle turns into
 * a chunk of its own, required then; see scripts/build.mjs): activation loads this table, not
 * the flows.
 */
import * as vscode from 'vscode';
import { log } from '../log';
import { isCancel, showError } from '../messages';
import { Services } from '../services';
import { CommandContext, newContext } from './context';
import { COMMAND, CommandName } from '../../core/base/commandIds';
import { loadMoreCommand, refreshCommand } from './list';
import { CONTEXT, setContextKey } from '../contextKeys';
import { isServerNode } from '../../core/flows/keyPairList';

/** A command: the run's context, and the argument VS Code passed (a view node, or a target). */
export type CommandHandler = (ctx: CommandContext, arg?: unknown) => unknown;

/** A command with options: `single`, one run at a time (a second trigger calls `again` instead, if given). */
export interface CommandSpec {
  run: CommandHandler;
  single?: { again?: (ctx: CommandContext) => void };
}

/** A command whose module is loaded when it first runs (then from the module cache). */
function lazy<M>(load: () => Promise<M>, handler: (module: M) => CommandHandler): CommandHandler {
  return async (ctx, arg) => handler(await load())(ctx, arg);
}

export const COMMANDS: { readonly [name in CommandName]: CommandHandler | CommandSpec } = {
  create: {
    run: lazy(
      () => import('./create'),
      (m) => m.createCommand,
    ),
    // A second trigger brings the open name box back.
    single: {
      again: (ctx) => void (ctx.ui.refocusKeyPairName() || log.info('Create Server Key Pair is already running.')),
    },
  },
  setToken: lazy(
    () => import('./token'),
    (m) => m.setTokenCommand,
  ),
  clearToken: lazy(
    () => import('./token'),
    (m) => m.clearTokenCommand,
  ),
  signIn: lazy(
    () => import('./signIn'),
    (m) => m.signInCommand,
  ),
  signOut: lazy(
    () => import('./signOut'),
    (m) => m.signOutCommand,
  ),
  selectRegion: lazy(
    () => import('./selectRegion'),
    (m) => m.selectRegionCommand,
  ),
  refresh: refreshCommand,
  loadMore: loadMoreCommand,
  copyPublicKey: lazy(
    () => import('./copyPublicKey'),
    (m) => m.copyPublicKeyCommand,
  ),
  copyToRegions: lazy(
    () => import('./copyToRegions'),
    (m) => m.copyToRegionsCommand,
  ),
  checkOtherRegions: lazy(
    () => import('./checkOtherRegions'),
    (m) => m.checkOtherRegionsCommand,
  ),
  copyFingerprint: lazy(
    () => import('./copyFingerprint'),
    (m) => m.copyFingerprintCommand,
  ),
  openPublicKey: lazy(
    () => import('./openPublicKey'),
    (m) => m.openPublicKeyCommand,
  ),
  revealPrivateKey: lazy(
    () => import('./revealPrivateKey'),
    (m) => m.revealPrivateKeyCommand,
  ),
  delete: lazy(
    () => import('./delete'),
    (m) => m.deleteCommand,
  ),
  import: lazy(
    () => import('./importKey'),
    (m) => m.importCommand,
  ),
  addToSshConfig: lazy(
    () => import('./addToSshConfig'),
    (m) => m.addToSshConfigCommand,
  ),
  rotate: {
    run: lazy(
      () => import('./rotate'),
      (m) => m.rotateCommand,
    ),
    single: { again: () => log.info('Rotate Key Pair is already running.') },
  },
  connect: lazy(
    () => import('./connect'),
    (m) => m.connectCommand,
  ),
  copyAddress: lazy(
    () => import('./serverRow'),
    (m) => m.copyAddressCommand,
  ),
  copySshCommand: lazy(
    () => import('./serverRow'),
    (m) => m.copySshCommandCommand,
  ),
  openSshConfig: lazy(
    () => import('./serverRow'),
    (m) => m.openSshConfigCommand,
  ),
  trustHostKey: lazy(
    () => import('./trustHostKey'),
    (m) => m.trustHostKeyCommand,
  ),
};

/** Registers every command of the table; the ones marked `single` run one at a time. */
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
    // A context key set while the window is still building what the command opened (Connect's
    // terminal) makes it evaluate every menu then: the tick waits for that.
    if (step) void Promise.resolve(busyWith(result)).then(() => setContextKey(step, true));
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
    const { keyPairOfPublicKeyFile } = await import('./editorKey');
    return (await keyPairOfPublicKeyFile(services, arg)) ?? arg;
  }
  return arg;
}

/**
 * The walkthrough step a command's result completes (its context key), or undefined: a step
 * ticks when its command succeeded, never when it was cancelled or failed.
 */
/** What the window is still doing for a command's result (its `settling`), if anything. */
function busyWith(result: unknown): Thenable<unknown> | undefined {
  return typeof result === 'object' && result !== null && 'settling' in result
    ? (result as { settling?: Thenable<unknown> }).settling
    : undefined;
}

export function walkthroughStep(name: CommandName, result: unknown): string | undefined {
  if (result === undefined || result === null || result === false) return undefined;
  if (name === 'create') return CONTEXT.created;
  if (name === 'addToSshConfig') return (result as { added?: boolean }).added ? CONTEXT.addedToSshConfig : undefined;
  if (name === 'connect') return CONTEXT.connected;
  return undefined;
}
