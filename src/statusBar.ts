/**
 * The `$(key) Key Pair` status bar item: runs Create Server Key Pair; its tooltip says
 * where key pairs go (account and region, or the endpoint). Follows `keypairs.statusBar`.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { COMMAND } from './commandIds';
import { statusBarEnabled } from './settings';

export function registerStatusBar(context: vscode.ExtensionContext, services: Services): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('keypairs.status', vscode.StatusBarAlignment.Left, 10);
  item.name = vscode.l10n.t('Server Key Pairs');
  item.text = '$(key) Key Pair';
  item.command = COMMAND.create;
  const describe = () => {
    const target = services.targetLabel();
    item.tooltip = target ? vscode.l10n.t('Create Server Key Pair in {0}', target) : vscode.l10n.t('Create Server Key Pair (sign in first)');
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
