/** Key Pairs: Refresh / Load More Key Pairs — the Key Pairs view's list. */
import { Services } from '../services';

/** Reloads the list (and anything else that follows the account's key pairs). */
export function refreshCommand(services: Services): void {
  services.keyPairsChanged();
}

export async function loadMoreCommand(services: Services): Promise<void> {
  await services.keyPairList?.loadMore();
}
