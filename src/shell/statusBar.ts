/**
 * The `$(key) Key Pair` status bar item: runs Create Server Key Pair; its tooltip says
 * where key pairs go (account and region, or the endpoint). Follows `keypairs.statusBar`.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { COMMAND } from '../core/base/commandIds';
import { statusBarEnabled } from './settings';

/** Names the target (account and region, or the endpoint) and what a click does. */
export function statusBarTooltip(target: string | undefined): string {
  return target
    ? vscode.l10n.t('Server Key Pairs: {0}\nClick to create a key pair there.', target)
    : vscode.l10n.t('Server Key Pairs: not signed in\nClick to create a key pair (you are asked to sign in first).');
}

export function registerStatusBar(context: vscode.ExtensionContext, services: Services): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('keypairs.status', vscode.StatusBarAlignment.Left, 10);
  item.name = vscode.l10n.t('Server Key Pairs');
  item.text = `$(key) ${vscode.l10n.t('Key Pair')}`;
  item.command = COMMAND.create;
  const describe = () => {
    item.tooltip = statusBarTooltip(services.targetLabel());
  };
  const update = () => (statusBarEnabled() ? item.show() : item.hide());
  describe();
  update();
  context.subscriptions.push(
    item,
    services.onDidChangeTarget(describe),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('keypairs.statusBar')) update();
    }),
  );
  return item;
}
