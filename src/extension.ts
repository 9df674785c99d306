/**
 * Activation: registers the command table, the Key Pairs view, the status bar item and
 * the Accounts-menu provider, nothing else. No request, no HTTP client, no key generation
 * happens until a command runs or the view is shown.
 */
import * as vscode from 'vscode';
import { registerAuthProvider } from './shell/authProvider';
import { registerCommands } from './shell/commands/table';
import { contextKeyValues } from './shell/contextKeys';
import { log } from './shell/log';
import { Services } from './shell/services';
import { registerStatusBar } from './shell/statusBar';
import { registerKeyPairsView } from './shell/views/keyPairsView';

/**
 * What Test mode gets: the running extension's Services (where a test puts its own
 * UserInput and MessageSink), the view's provider, and the log's lines as they are written.
 */
export interface TestingApi {
  services: Services;
  keyPairsView: ReturnType<typeof registerKeyPairsView>;
  onLog: vscode.Event<string>;
  /** The context keys the extension set, with their last values. */
  contextKeys: ReadonlyMap<string, unknown>;
}

export function activate(context: vscode.ExtensionContext): { testing: TestingApi } | undefined {
  const services = new Services(context);
  registerCommands(context, services);
  registerStatusBar(context, services);
  registerAuthProvider(context, services);
  const keyPairsView = registerKeyPairsView(context, services);
  context.subscriptions.push(services, { dispose: () => log.dispose() });
  return context.extensionMode === vscode.ExtensionMode.Test
    ? { testing: { services, keyPairsView, onLog: log.onDidWrite, contextKeys: contextKeyValues } }
    : undefined;
}

export function deactivate(): void {}
