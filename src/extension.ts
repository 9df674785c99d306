/**
 * Activation: registers commands and the status bar item, nothing else. No request, no
 * HTTP client, no key generation happens until a command runs.
 */
import * as vscode from 'vscode';
import { registerAuthProvider } from './authProvider';
import { createCommand } from './commands/create';
import { selectRegionCommand, signInCommand, signOutCommand } from './commands/signIn';
import { clearTokenCommand, setTokenCommand } from './commands/token';
import { log, tapLog } from './log';
import { Services } from './services';
import { registerStatusBar } from './statusBar';
import { onNameInputShown } from './ui/nameInput';
import { setMessageHooks } from './ui/notify';
import { setPromptResponder } from './ui/prompts';
import { registerManagement } from './views';

export function activate(context: vscode.ExtensionContext) {
  const services = new Services(context);
  const command = (id: string, run: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, run));

  command('keypairs.create', () => createCommand(services));
  command('keypairs.setToken', () => setTokenCommand(services));
  command('keypairs.clearToken', () => clearTokenCommand(services));
  command('keypairs.signIn', () => signInCommand(services));
  command('keypairs.signOut', () => signOutCommand(services));
  command('keypairs.selectRegion', () => selectRegionCommand(services));
  registerStatusBar(context, services);
  registerAuthProvider(context, services);
  const keyPairsView = registerManagement(context, services);
  context.subscriptions.push(services, { dispose: () => log.dispose() });

  // Seams for the extension-host tests; absent outside Test mode.
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    const globalState = () => Object.fromEntries(context.globalState.keys().map((k) => [k, context.globalState.get(k)]));
    const readSecret = (key: string) => context.secrets.get(key);
    return { testing: { tapLog, setMessageHooks, setPromptResponder, onNameInputShown, keyPairsView, globalState, readSecret } };
  }
  return undefined;
}

export function deactivate(): void {}
