/** Key Pairs: Sign Out — forgets the account and every secret the extension stored. */
import * as vscode from 'vscode';
import { CommandContext } from './context';

export async function signOutCommand(ctx: CommandContext): Promise<void> {
  const label = ctx.services.account.profile()?.label;
  await ctx.services.account.signOut();
  ctx.services.targetChanged();
  void ctx.messages.show(
    'info',
    label
      ? vscode.l10n.t('Signed out of {0}. Its credentials and tokens were removed.', label)
      : vscode.l10n.t('Signed out. Stored tokens were removed.'),
  );
}
