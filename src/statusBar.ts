/** The `$(key) Key Pair` status bar item: runs Create Server Key Pair; follows `keypairs.statusBar`. */
import * as vscode from 'vscode';
import { statusBarEnabled } from './settings';

export function registerStatusBar(context: vscode.ExtensionContext): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('keypairs.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Server Key Pairs';
  item.text = '$(key) Key Pair';
  item.tooltip = 'Create Server Key Pair';
  item.command = 'keypairs.create';
  const update = () => (statusBarEnabled() ? item.show() : item.hide());
  update();
  context.subscriptions.push(
    item,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('keypairs.statusBar')) update();
    }),
  );
  return item;
}
