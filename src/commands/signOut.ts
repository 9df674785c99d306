/** Key Pairs: Sign Out — forgets the account and every secret the extension stored. */
import { Services } from '../services';

export async function signOutCommand(services: Services): Promise<void> {
  const label = services.account.profile()?.label;
  await services.account.signOut();
  services.targetChanged();
  void services.messages.show(
    'info',
    label ? `Signed out of ${label}. Its credentials and tokens were removed.` : 'Signed out. Stored tokens were removed.',
  );
}
