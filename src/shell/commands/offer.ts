/**
 * A message whose one button (an id: l10n.label) runs a command. Not awaited: the button is handled when the
 * user picks it, by then the command that showed the message has finished.
 */
import * as vscode from 'vscode';
import { MessageSink, Severity } from '../ui/notify';
import { CommandId } from '../../core/base/commandIds';

export function offerCommand(
  messages: MessageSink,
  severity: Severity,
  message: string,
  button: string,
  command: CommandId,
): void {
  void messages.show(severity, message, [button]).then(async (picked) => {
    if (picked === button) await vscode.commands.executeCommand(command);
  });
}
