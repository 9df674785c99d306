/** Key Pairs: Set API Token / Clear API Token — the direct-mode token in SecretStorage. */
import { Services } from '../services';
import { notify } from '../ui/notify';
import { input } from '../ui/prompts';

export async function setTokenCommand(services: Services): Promise<boolean> {
  const token = await input({
    title: 'Set API Token',
    prompt: 'API token for the Compute API (sent as X-Auth-Token). It is kept in VS Code\'s secret storage.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (value) =>
      value.trim() === ''
        ? 'Enter the token.'
        : /\s/.test(value.trim())
          ? 'A token has no spaces or line breaks.'
          : undefined,
  });
  if (token === undefined) return false;
  await services.secrets.setToken(token.trim());
  void notify('info', 'API token saved in secret storage.');
  return true;
}

export async function clearTokenCommand(services: Services): Promise<void> {
  await services.secrets.clearToken();
  void notify('info', 'API token removed.');
}
