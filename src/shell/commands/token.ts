/** Key Pairs: Set API Token / Clear API Token — the direct-mode token in SecretStorage. */
import * as l10n from '../../core/base/l10n';
import { Services } from '../services';
import { confirmQuietly } from '../ui/quiet';
import { BACK } from '../ui/userInput';

export async function setTokenCommand(services: Services): Promise<boolean> {
  const token = await services.ui.input({
    title: l10n.t('Set API Token'),
    prompt: l10n.t("API token for the Compute API (sent as X-Auth-Token). It is kept in VS Code's secret storage."),
    password: true,
    validate: (value) =>
      value.trim() === ''
        ? l10n.t('Enter the token.')
        : /\s/.test(value.trim())
          ? l10n.t('A token has no spaces or line breaks.')
          : undefined,
  });
  if (token === undefined || token === BACK) return false;
  await services.secrets.setToken(token.trim());
  // Quiet: a notification here would stack under the one of the command that asked for the token.
  confirmQuietly(l10n.t('API token saved in secret storage.'));
  return true;
}

export async function clearTokenCommand(services: Services): Promise<void> {
  await services.secrets.clearToken();
  void services.messages.show('info', l10n.t('API token removed.'));
}
