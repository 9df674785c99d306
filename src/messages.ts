/**
 * Shows the errors of the commands: the wording is in src/errorText.ts (no `vscode`, so it
 * is tested in plain Node); this shell logs the message, shows it and runs the action picked.
 * Messages never contain a token, a key or a stack trace.
 */
import * as vscode from 'vscode';
import { ApiError } from './api/errors';
import { CreateAbandonedError } from './flows/createKeyPair';
import { COPY_PRIVATE, describeError, OPEN_SETTING, SET_TOKEN, SHOW_LOG, SIGN_IN, SSH_FOLDER_SETTING } from './errorText';
import { log } from './log';
import { openSetting } from './settings';
import { notify } from './ui/notify';

/**
 * Shows `err` as an error message prefixed with what was being done (e.g. `Creating key
 * pair "web"`), and carries out the action the user picks.
 */
export async function showError(err: unknown, doing?: string): Promise<void> {
  if (err instanceof ApiError && err.kind === 'cancelled') return;
  const { message, actions } = describeError(err);
  const text = doing ? `${doing} failed. ${message}` : message;
  log.error(text);
  const picked = await notify('error', text, actions);
  switch (picked) {
    case SET_TOKEN:
      await vscode.commands.executeCommand('keypairs.setToken');
      break;
    case SIGN_IN:
      await vscode.commands.executeCommand('keypairs.signIn');
      break;
    case OPEN_SETTING:
      await openSetting('endpoint');
      break;
    case SSH_FOLDER_SETTING:
      await openSetting('sshDirectory');
      break;
    case SHOW_LOG:
      log.show();
      break;
    case COPY_PRIVATE:
      if (err instanceof CreateAbandonedError && err.unsavedPrivateKey !== undefined) {
        await vscode.env.clipboard.writeText(err.unsavedPrivateKey);
      }
      break;
  }
}
