/**
 * Key Pairs: Sign In — a multi-step input with Back: provider, then its steps (from the
 * provider registry, ../identityProviders); the credentials are checked by signing in right
 * away (a wrong one is an inline error on the last step, never a saved broken account),
 * then the region is picked from the account's own catalog.
 */
import * as vscode from 'vscode';
import { AccountProfile } from '../account';
import { AuthError } from '../api/identity';
import { describeError } from '../errorText';
import {
  emptySignIn,
  IDENTITY_PROVIDERS,
  IdentityProvider,
  ProviderChoice,
  SIGN_IN_TITLE,
  SignInCheck,
  SignInState,
} from '../identityProviders';
import { log } from '../log';
import { isCancel } from '../messages';
import { Services } from '../services';
import { SECTION } from '../settings';
import { BACK } from '../ui/userInput';
import { pickStep, runSteps, Step } from '../ui/wizard';
import { regionStep } from './selectRegion';

/** Runs Sign In; resolves to the account label (or endpoint), or undefined when cancelled. */
export async function signInCommand(services: Services): Promise<string | undefined> {
  const check: SignInCheck = async (state, signal) => {
    const provider = state.provider === undefined ? undefined : IDENTITY_PROVIDERS[state.provider];
    if (!provider) return vscode.l10n.t('Choose where your servers are.');
    try {
      state.result = await provider.authenticate(services.http, state, signal);
      return undefined;
    } catch (err) {
      if (isCancel(err)) return vscode.l10n.t('Cancelled.');
      log.warn(`sign-in failed: ${err instanceof AuthError ? err.kind : err instanceof Error ? err.name : 'error'}`);
      return describeError(err).message;
    }
  };
  const chooseProvider = pickStep<'provider', ProviderChoice, SignInState>(services.ui, 'provider', {
    title: vscode.l10n.t(SIGN_IN_TITLE),
    placeholder: vscode.l10n.t('Where are your servers?'),
    items: Object.values(IDENTITY_PROVIDERS).map((p) => ({ label: p.label, description: p.description, value: p.id })),
  });
  const steps = (state: SignInState): Array<Step<SignInState>> => {
    const provider = state.provider === undefined ? undefined : IDENTITY_PROVIDERS[state.provider];
    if (!provider) return [chooseProvider];
    const chooseRegion: Step<SignInState> = async (answers, position) => {
      const result = answers.result;
      if (!result) return 'next';
      const region = await regionStep(services, result, answers.region, position);
      if (region === undefined || region === BACK) return region;
      answers.region = region;
      return 'next';
    };
    return [
      chooseProvider,
      ...provider.steps(services.ui, state, check),
      ...(provider.id === 'direct' ? [] : [chooseRegion]),
    ];
  };

  const state = emptySignIn();
  if (!(await runSteps(steps, state))) return undefined;
  const provider = state.provider === undefined ? undefined : IDENTITY_PROVIDERS[state.provider];
  if (!provider) return undefined;
  return provider.id === 'direct' ? useDirect(services, state) : keepAccount(services, provider, state);
}

async function useDirect(services: Services, state: SignInState): Promise<string> {
  await services.account.signOut();
  await vscode.workspace
    .getConfiguration(SECTION)
    .update('endpoint', state.endpoint, vscode.ConfigurationTarget.Global);
  await services.secrets.setToken(state.secret);
  services.targetChanged();
  void services.messages.show('info', vscode.l10n.t('Using {0} with the API token in secret storage.', state.endpoint));
  return state.endpoint;
}

async function keepAccount(
  services: Services,
  provider: IdentityProvider,
  state: SignInState,
): Promise<string | undefined> {
  const { result, region } = state;
  const credentials = provider.credentials(state);
  if (!result || region === undefined || !credentials || provider.id === 'direct') return undefined;
  const profile: AccountProfile = {
    provider: provider.id,
    authUrl: credentials.provider === 'rackspace' ? credentials.identityUrl : credentials.authUrl,
    username: 'username' in credentials ? credentials.username : undefined,
    label: result.accountLabel,
    region,
  };
  await services.account.signIn(profile, credentials, result);
  services.targetChanged();
  log.info(`signed in: ${result.accountLabel}, region ${region}`);
  void services.messages.show(
    'info',
    vscode.l10n.t('Signed in as {0}. Key pairs go to region {1}.', result.accountLabel, region),
  );
  return result.accountLabel;
}
