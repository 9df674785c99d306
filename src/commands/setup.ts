/**
 * What every command that talks to the Compute API does first: get the client of the
 * current target, or tell the user what is missing with a button that fixes it.
 */
import * as vscode from 'vscode';
import { ComputeClient } from '../api/compute';
import { showError } from '../messages';
import { Services } from '../services';
import { openSetting } from '../settings';
import { notify } from '../ui/notify';

/** The Compute client, or a message with the fix for what is missing (never a dead end). */
export async function ensureSetup(services: Services): Promise<ComputeClient | undefined> {
  let compute;
  try {
    compute = await services.compute();
  } catch (err) {
    await showError(err, 'Signing in');
    return undefined;
  }
  if (compute === 'endpoint') {
    const signIn = 'Sign In';
    const setting = 'Open Setting';
    const picked = await notify('warning', 'Sign in to Rackspace or OpenStack, or set "keypairs.endpoint" to your Compute API, first.', [
      signIn,
      setting,
    ]);
    if (picked === signIn) await vscode.commands.executeCommand('keypairs.signIn');
    if (picked === setting) await openSetting('endpoint');
    return undefined;
  }
  if (compute === 'token') {
    const fix = 'Set API Token';
    if ((await notify('warning', 'No API token is set. Set one to talk to the Compute API.', [fix])) === fix) {
      await vscode.commands.executeCommand('keypairs.setToken');
    }
    return undefined;
  }
  return compute;
}
