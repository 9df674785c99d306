/**
 * Commands that write the SSH config or run ssh are not available in Restricted Mode (the
 * manifest's `untrustedWorkspaces: limited`): a palette or menu entry is hidden there, and a
 * command reached another way (a button, another command) says why and does nothing.
 */
import * as vscode from 'vscode';
import { MessageSink } from './notify';

/** True (after telling `message`) when this workspace is not trusted; the caller then stops. */
export function refusedInRestrictedMode(messages: MessageSink, message: string): boolean {
  if (vscode.workspace.isTrusted) return false;
  void messages.show('info', message);
  return true;
}
