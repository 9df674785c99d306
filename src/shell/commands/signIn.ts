/**
 * Key Pairs: Sign In — a multi-step input with Back: provider, then its steps (from the
 * provider registry, ../identityProviders); the credentials are checked by signing in right
 * away (a wrong one is an inline error on the last step, never a saved broken account),
 * then the region is picked from the account's own catalog.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { AccountProfile } from '../account';
import { CloudEntry, CloudsFound, findClouds } from '../../core/api/cloudsConfig';
import { AuthError } from '../../core/api/identity';
import { describeError } from '../../core/wording/errorText';
import {
  emptySignIn,
  IDENTITY_PROVIDERS,
  IdentityProvider,
  ProviderChoice,
  SIGN_IN_TITLE,
  SignInCheck,
  SignInState,
} from '../../core/flows/identityProviders';
import { log } from '../log';
import { isCancel } from '../messages';
import { CommandContext } from './context';
import { SECTION } from '../settings';
import { BACK } from '../ui/userInput';
import type { PickItem } from '../ui/userInput';
import { runSteps, Step } from '../../core/ask/wizard';
import { regionStep } from './selectRegion';

/** Runs Sign In; resolves to the account label (or endpoint), or undefined when cancelled. */
export async function signInCommand(ctx: CommandContext): Promise<string | undefined> {
  const check: SignInCheck = async (state, signal) => {
    const provider = state.provider === undefined ? undefined : IDENTITY_PROVIDERS[state.provider];
    if (!provider) return vscode.l10n.t('Choose where your servers are.');
    try {
      const http = state.cloud?.cacert ? await ctx.services.newHttp(state.cloud.cacert) : await ctx.services.http();
      state.result = await provider.authenticate(http, state, signal);
      return undefined;
    } catch (err) {
      if (isCancel(err)) return vscode.l10n.t('Cancelled.');
      log.warn(`sign-in failed: ${err instanceof AuthError ? err.kind : err instanceof Error ? err.name : 'error'}`);
      return describeError(err).message;
    }
  };
  const choices = providerChoices(await cloudsOnThisHost());
  const chooseProvider: Step<SignInState> = async (state, position) => {
    const active =
      choices.items.find((i) => i.value.provider === state.provider && i.value.cloud === state.cloud)?.value ??
      choices.preselected;
    const picked = await ctx.ui.pick<ProviderPick>({
      title: vscode.l10n.t(SIGN_IN_TITLE),
      ...position,
      placeholder: vscode.l10n.t('Where are your servers?'),
      items: choices.items,
      active,
      matchOnDescription: true,
    });
    if (picked === undefined || picked === BACK) return picked;
    state.provider = picked.provider;
    state.cloud = picked.cloud;
    state.cloudProblem = picked.problem;
    // The cloud's region_name preselects the region after sign-in (none for the other ways).
    state.region = picked.cloud?.region;
    return 'next';
  };
  const steps = (state: SignInState): Array<Step<SignInState>> => {
    const provider = state.provider === undefined ? undefined : IDENTITY_PROVIDERS[state.provider];
    if (!provider) return [chooseProvider];
    const chooseRegion: Step<SignInState> = async (answers, position) => {
      const result = answers.result;
      if (!result) return 'next';
      const region = await regionStep(ctx, result, answers.region, position);
      if (region === undefined || region === BACK) return region;
      answers.region = region;
      return 'next';
    };
    return [
      chooseProvider,
      ...provider.steps(ctx.ui, state, check),
      ...(provider.id === 'direct' ? [] : [chooseRegion]),
    ];
  };

  const state = emptySignIn();
  if (!(await runSteps(steps, state))) return undefined;
  const provider = state.provider === undefined ? undefined : IDENTITY_PROVIDERS[state.provider];
  if (!provider) return undefined;
  return provider.id === 'direct' ? useDirect(ctx, state) : keepAccount(ctx, provider, state);
}

async function useDirect(ctx: CommandContext, state: SignInState): Promise<string> {
  await ctx.services.account.signOut();
  await vscode.workspace
    .getConfiguration(SECTION)
    .update('endpoint', state.endpoint, vscode.ConfigurationTarget.Global);
  await ctx.services.secrets.setToken(state.secret);
  ctx.services.targetChanged();
  void ctx.messages.show('info', vscode.l10n.t('Using {0} with the API token in secret storage.', state.endpoint));
  return state.endpoint;
}

async function keepAccount(
  ctx: CommandContext,
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
    caFile: provider.id === 'openstack-config' ? state.cloud?.cacert : undefined,
  };
  await ctx.services.account.signIn(profile, credentials, result);
  ctx.services.resetHttp();
  log.info(`signed in: ${result.accountLabel}, region ${region}`);
  void ctx.messages.show(
    'info',
    vscode.l10n.t('Signed in as {0}. Key pairs go to region {1}.', result.accountLabel, region),
  );
  return result.accountLabel;
}

/** One item of the first pick: a way to sign in, or a cloud from clouds.yaml / the environment. */
interface ProviderPick {
  provider: ProviderChoice;
  cloud?: CloudEntry;
  problem?: string;
}

/** The clouds in the files the OpenStack tools read on this (the workspace) host, and its OS_* environment. */
async function cloudsOnThisHost(): Promise<CloudsFound> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  try {
    // An untrusted folder's clouds.yaml is not offered: it would choose where a password goes.
    const cwd = vscode.workspace.isTrusted ? folder?.uri.fsPath : undefined;
    return await findClouds({ cwd, home: os.homedir(), env: process.env });
  } catch (err) {
    log.warn(`reading clouds.yaml failed: ${err instanceof Error ? err.name : 'error'}`);
    return { clouds: [], problems: [], files: {} };
  }
}

/** The first pick: each cloud found (OS_CLOUD preselected), those that cannot be used with why, then the providers. */
function providerChoices(found: CloudsFound): { items: Array<PickItem<ProviderPick>>; preselected?: ProviderPick } {
  const clouds = found.clouds.map((cloud): PickItem<ProviderPick> => ({
    label: cloud.name,
    description:
      cloud.source === 'environment'
        ? vscode.l10n.t('OS_* environment')
        : vscode.l10n.t('clouds.yaml: {0}', cloud.source),
    detail: [hostOf(cloud.credentials.authUrl), cloud.authType, cloud.region].filter(Boolean).join(' · '),
    value: { provider: 'openstack-config', cloud },
  }));
  const problems = found.problems.map((p): PickItem<ProviderPick> => ({
    label: p.cloud ?? p.file,
    description: vscode.l10n.t('cannot be used'),
    detail: p.message,
    value: { provider: 'openstack-config', problem: p.message },
  }));
  const providers = Object.values(IDENTITY_PROVIDERS)
    .filter((p) => p.id !== 'openstack-config')
    .map((p): PickItem<ProviderPick> => ({ label: p.label, description: p.description, value: { provider: p.id } }));
  const items = [...clouds, ...problems, ...providers];
  const preselected = clouds.find((c) => c.value.cloud?.name === found.preselect)?.value;
  return { items, preselected };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
