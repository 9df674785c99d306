/**
 * "Reveal a file": in the OS file manager when VS Code runs where the file is; in a Remote
 * window the file is on the remote host, where the OS file manager cannot reach and the
 * Explorer only shows the workspace: the Explorer when the file is in the workspace, else
 * a message with the path and what works (copy the path, open its folder in a new window).
 */
import * as l10n from '../../core/base/l10n';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { displayPath } from '../../core/keys/keyFiles';
import { MessageSink } from './notify';

export const COPY_PATH = l10n.label('Copy Path');
export const OPEN_FOLDER = l10n.label('Open Folder in New Window');

export async function revealFile(
  messages: MessageSink,
  file: string,
  remoteName = vscode.env.remoteName,
): Promise<void> {
  const uri = vscode.Uri.file(path.resolve(file));
  if (!remoteName) {
    await vscode.commands.executeCommand('revealFileInOS', uri);
    return;
  }
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  const shown = displayPath(uri.fsPath);
  void messages
    .show('info', vscode.l10n.t('{0} is on the remote host, outside this workspace.', shown), [COPY_PATH, OPEN_FOLDER])
    .then(async (picked) => {
      if (picked === COPY_PATH) await vscode.env.clipboard.writeText(uri.fsPath);
      if (picked === OPEN_FOLDER) {
        await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(path.dirname(uri.fsPath)), {
          forceNewWindow: true,
        });
      }
    });
}
