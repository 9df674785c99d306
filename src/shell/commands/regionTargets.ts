/**
 * The signed-in account's other Compute regions, for Check Other Regions and Copy to Regions
 * (an asking helper, as setup.ts is: commands do not import each other).
 */
import * as vscode from 'vscode';
import { ComputeClient } from '../../core/api/compute';
import { COMMAND } from '../../core/base/commandIds';
import { otherComputeRegions, RegionTarget } from '../../core/flows/copyToRegions';
import { SIGN_IN } from '../../core/wording/actions';
import { CommandContext } from './context';
import { offerCommand } from './offer';

/**
 * The signed-in account's Compute regions other than the current one (from its catalog), or
 * undefined after saying why there are none (`needsSignIn`: what to say without a sign-in).
 */
export async function otherRegionTargets(
  ctx: CommandContext,
  needsSignIn: string,
): Promise<{ here: string | undefined; targets: RegionTarget[] } | undefined> {
  const profile = ctx.services.account.profile();
  if (!profile) {
    offerCommand(ctx.messages, 'info', needsSignIn, SIGN_IN, COMMAND.signIn);
    return undefined;
  }
  const tokens = await ctx.services.tokenManager();
  const http = await ctx.services.http();
  const session = await tokens.session();
  const here = profile.region;
  const targets = otherComputeRegions(session.regions, here).map((r) => ({
    region: r.region,
    compute: new ComputeClient({ endpoint: r.url, auth: tokens, http }),
  }));
  if (targets.length === 0) {
    void ctx.messages.show('info', vscode.l10n.t('{0} has no other Compute region.', profile.label));
    return undefined;
  }
  return { here, targets };
}
