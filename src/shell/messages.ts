/**
 * Shows the errors of the commands: the wording is in src/core/wording/errorText.ts (no `vscode`, so it
 * is tested in plain Node); this shell logs the message, shows it and runs the action picked.
 * Messages never contain a token, a key or a stack trace. The wording loads with the first error
 * shown (it is not needed to activate).
 */
import * as vscode from 'vscode';
import { ApiError } from '../core/api/errors';
import { COMMAND } from '../core/base/commandIds';
import type { ErrorContext } from '../core/wording/api';
import { log } from './log';
import { openProxySetting, openSetting } from './settings';
import { Messages, MessageSink } from './ui/notify';

type Actions = typeof import('../core/wording/actions');

/** True for the user's own Cancel (a cancelled request): a cancel is silent. */
export function isCancel(err: unknown): boolean {
  return err instanceof ApiError && err.kind === 'cancelled';
}

/**
 * Shows `err` as an error message prefixed with what was being done (e.g. `Creating key
 * pair "web"`), and carries out the action the user picks. Not awaited on purpose: the
 * notification may stay on screen long after the command is done, and a command must not
 * wait for it (its "running" guard would stay held). Resolves when the message is shown
 * and any action picked has run (for tests).
 */
export async function showError(messages: MessageSink | Messages, err: unknown, doing?: string): Promise<void> {
  if (isCancel(err)) return;
  // Worded for where the endpoint comes from, when the sink knows it (Services' messages do).
  const context: ErrorContext | undefined = 'errorContext' in messages ? messages.errorContext() : undefined;
  const wording = await import('../core/wording/errorText');
  const { message, actions } = wording.describeError(err, context);
  const text = doing ? vscode.l10n.t('{0} failed. {1}', doing, message) : message;
  log.error(text);
  await runAction(await import('../core/wording/actions'), await messages.show('error', text, actions), err);
}

async function runAction(
  {
    COPY_PRIVATE,
    OPEN_SETTING,
    PROXY_SETTING,
    SELECT_REGION,
    SET_TOKEN,
    SHOW_LOG,
    SIGN_IN,
    SSH_FOLDER_SETTING,
  }: Actions,
  picked: string | undefined,
  err: unknown,
): Promise<void> {
  switch (picked) {
    case SET_TOKEN:
      await vscode.commands.executeCommand(COMMAND.setToken);
      break;
    case SIGN_IN:
      await vscode.commands.executeCommand(COMMAND.signIn);
      break;
    case SELECT_REGION:
      await vscode.commands.executeCommand(COMMAND.selectRegion);
      break;
    case OPEN_SETTING:
      await openSetting('endpoint');
      break;
    case PROXY_SETTING:
      await openProxySetting();
      break;
    case SSH_FOLDER_SETTING:
      await openSetting('sshDirectory');
      break;
    case SHOW_LOG:
      log.show();
      break;
    case COPY_PRIVATE:
      if (
        err instanceof (await import('../core/flows/createKeyPair')).CreateAbandonedError &&
        err.unsavedPrivateKey !== undefined
      ) {
        await vscode.env.clipboard.writeText(err.unsavedPrivateKey);
      }
      break;
  }
}
