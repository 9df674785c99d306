/**
 * Activation: registers commands and the status bar item, nothing else. No request, no
 * HTTP client, no key generation happens until a command runs.
 */
import * as vscode from 'vscode';
import { createCommand } from './commands/create';
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
  registerStatusBar(context);
  const keyPairsView = registerManagement(context, services);
  context.subscriptions.push(services, { dispose: () => log.dispose() });

  // Seams for the extension-host tests; absent outside Test mode.
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    return { testing: { tapLog, setMessageHooks, setPromptResponder, onNameInputShown, keyPairsView } };
  }
  return undefined;
}

export function deactivate(): void {}
