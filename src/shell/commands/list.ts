/** Key Pairs: Refresh / Load More Key Pairs — the Key Pairs view's list. */
import { CommandContext } from './context';

/** Reloads the list (and anything else that follows the account's key pairs). */
export function refreshCommand(ctx: CommandContext): void {
  ctx.services.keyPairsChanged();
}

export async function loadMoreCommand(ctx: CommandContext): Promise<void> {
  await ctx.services.keyPairList?.loadMore();
}
