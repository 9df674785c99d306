/** Key Pairs: Select Region — where key pairs go, from the signed-in account's catalog. */
import * as vscode from 'vscode';
import { preselectedRegion, regionNotInCatalog, type Session as SignInResult } from '../../core/api/identity';
import { SIGN_IN } from '../../core/wording/actions';
import { CommandContext } from './context';
import { Back, BACK } from '../ui/userInput';
import { StepPosition } from '../../core/ask/wizard';
import { offerCommand } from './offer';
import { COMMAND } from '../../core/base/commandIds';

/** A pick of the catalog's regions, `current` (or the default) active; the only one without asking. */
export async function regionStep(
  ctx: CommandContext,
  result: SignInResult,
  current: string | undefined,
  position: StepPosition,
): Promise<string | Back | undefined> {
  const [only, ...others] = result.regions;
  if (only && others.length === 0) return only.region;
  const missing = regionNotInCatalog(result, current);
  return ctx.ui.pick({
    title: vscode.l10n.t('Select Region'),
    ...position,
    placeholder:
      missing === undefined
        ? vscode.l10n.t('Key pairs are per region: where should they go?')
        : vscode.l10n.t('This account has no Compute region "{0}": where should key pairs go?', missing),
    active: preselectedRegion(result, current),
    items: result.regions.map((r) => ({
      label: r.region,
      description: r.region === result.defaultRegion ? vscode.l10n.t('default') : undefined,
      detail: r.url,
      value: r.region,
    })),
  });
}

export async function selectRegionCommand(ctx: CommandContext): Promise<string | undefined> {
  const profile = ctx.services.account.profile();
  if (!profile) {
    offerCommand(
      ctx.messages,
      'info',
      vscode.l10n.t('Regions come from a signed-in account. Sign in first.'),
      SIGN_IN,
      COMMAND.signIn,
    );
    return undefined;
  }
  const result = await (await ctx.services.tokenManager()).session();
  const picked = await regionStep(ctx, result, profile.region, { step: 1, totalSteps: 1 });
  const region = picked === BACK ? undefined : picked; // a one-step pick has no Back button
  if (region === undefined || region === profile.region) return region;
  await ctx.services.account.setRegion(region);
  ctx.services.targetChanged();
  void ctx.messages.show('info', vscode.l10n.t('Key pairs now go to region {0} ({1}).', region, profile.label));
  return region;
}
