/**
 * What every command that talks to the Compute API does first: get the client of the
 * current target, or tell the user what is missing with a button that fixes it.
 */
import * as vscode from 'vscode';
import { ComputeClient } from '../../core/api/compute';
import { OPEN_SETTING, SIGN_IN, SET_TOKEN } from '../../core/wording/actions';
import { showError } from '../messages';
import { CommandContext } from './context';
import { openSetting } from '../settings';
import { COMMAND } from '../../core/base/commandIds';
import { offerCommand } from './offer';

/**
 * The Compute client, or a message with the fix for what is missing (never a dead end).
 * Messages are not awaited: a command's guard is never held while one is on screen.
 */
export async function ensureSetup(ctx: CommandContext): Promise<ComputeClient | undefined> {
  const { services, messages } = ctx;
  let compute;
  try {
    compute = await services.compute();
  } catch (err) {
    void showError(messages, err, vscode.l10n.t('Signing in'));
    return undefined;
  }
  if (compute === 'endpoint') {
    const message = vscode.l10n.t(
      'Sign in to Rackspace or OpenStack, or set "keypairs.endpoint" to your Compute API, first.',
    );
    void messages.show('warning', message, [SIGN_IN, OPEN_SETTING]).then(async (picked) => {
      if (picked === SIGN_IN) await vscode.commands.executeCommand(COMMAND.signIn);
      if (picked === OPEN_SETTING) await openSetting('endpoint');
    });
    return undefined;
  }
  if (compute === 'token') {
    offerCommand(
      messages,
      'warning',
      vscode.l10n.t('No API token is set. Set one to talk to the Compute API.'),
      SET_TOKEN,
      COMMAND.setToken,
    );
    return undefined;
  }
  return compute;
}
