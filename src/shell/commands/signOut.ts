/** Key Pairs: Sign Out — forgets the account and every secret the extension stored. */
import * as l10n from '../../core/base/l10n';
import { Services } from '../services';

export async function signOutCommand(services: Services): Promise<void> {
  const label = services.account.profile()?.label;
  await services.account.signOut();
  services.targetChanged();
  void services.messages.show(
    'info',
    label
      ? l10n.t('Signed out of {0}. Its credentials and tokens were removed.', label)
      : l10n.t('Signed out. Stored tokens were removed.'),
  );
}
