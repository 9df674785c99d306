/** Key Pairs: Set API Token / Clear API Token — the direct-mode token in SecretStorage. */
import * as vscode from 'vscode';
import { CommandContext } from './context';
import { confirmQuietly } from '../ui/quiet';
import { BACK } from '../ui/userInput';

export async function setTokenCommand(ctx: CommandContext): Promise<boolean> {
  const token = await ctx.ui.input({
    title: vscode.l10n.t('Set API Token'),
    prompt: vscode.l10n.t(
      "API token for the Compute API (sent as X-Auth-Token). It is kept in VS Code's secret storage.",
    ),
    password: true,
    validate: (value) =>
      value.trim() === ''
        ? vscode.l10n.t('Enter the token.')
        : /\s/.test(value.trim())
          ? vscode.l10n.t('A token has no spaces or line breaks.')
          : undefined,
  });
  if (token === undefined || token === BACK) return false;
  await ctx.services.secrets.setToken(token.trim());
  // Quiet: a notification here would stack under the one of the command that asked for the token.
  confirmQuietly(vscode.l10n.t('API token saved in secret storage.'));
  return true;
}

export async function clearTokenCommand(ctx: CommandContext): Promise<void> {
  await ctx.services.secrets.clearToken();
  void ctx.messages.show('info', vscode.l10n.t('API token removed.'));
}
