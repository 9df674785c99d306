/**
 * Key Pairs: Sign In / Sign Out / Select Region. Sign In is a short multi-step input with
 * Back: provider, then its fields; the credentials are checked by signing in right away (a
 * wrong one is an inline error on the last step, never a saved broken account), then the
 * region is picked from the account's own catalog.
 */
import * as vscode from 'vscode';
import { AccountProfile, ProviderId } from '../account';
import { ComputeClient } from '../api/compute';
import { ApiError } from '../api/errors';
import {
  authenticate,
  AuthError,
  Credentials,
  RACKSPACE_UK_IDENTITY,
  RACKSPACE_US_IDENTITY,
  Session,
} from '../api/identity';
import { describeError } from '../errorText';
import { log } from '../log';
import { Services } from '../services';
import { SECTION } from '../settings';
import { notify } from '../ui/notify';
import { BACK, inputStep, pickStep } from '../ui/wizard';

type Provider = ProviderId | 'direct';

const TITLE = 'Sign In to Rackspace or OpenStack';

const notEmpty = (what: string) => (v: string) => (v.trim() === '' ? `Enter the ${what}.` : undefined);
const secret = (what: string) => (v: string) =>
  v.trim() === '' ? `Enter the ${what}.` : /\s/.test(v.trim()) ? `The ${what} has no spaces or line breaks.` : undefined;
const httpUrl = (v: string) => {
  try {
    const u = new URL(v.trim());
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'Enter an http:// or https:// URL.';
  } catch {
    return v.trim() === '' ? 'Enter a URL.' : 'Enter an http:// or https:// URL.';
  }
};

/** The answers so far; each step reads and writes its field. */
interface Answers {
  provider?: Provider;
  method?: 'apiKey' | 'password' | 'appCredential';
  authUrl?: string;
  username?: string;
  secret?: string;
  userDomain?: string;
  project?: string;
  projectDomain?: string;
  appCredentialId?: string;
  endpoint?: string;
}

type Step = (a: Answers, n: number, total: number) => Promise<'next' | typeof BACK | undefined>;

/** Signs in with the answers (the box stays open meanwhile); a message says why it failed. */
type Check = (a: Answers, signal: AbortSignal) => Promise<string | undefined>;

/** A step asking for text into `field`; `check` runs on Enter with the answers so far. */
function ask(
  field: keyof Answers,
  prompt: string,
  validate: (v: string) => string | undefined,
  extra: { password?: boolean; placeholder?: string; default?: string; check?: Check } = {},
): Step {
  return async (a, step, totalSteps) => {
    const { check } = extra;
    const value = await inputStep({
      title: TITLE,
      step,
      totalSteps,
      prompt,
      validate,
      password: extra.password,
      placeholder: extra.placeholder,
      value: (a[field] as string | undefined) ?? extra.default,
      check:
        check &&
        ((v, signal) => {
          (a[field] as string) = v.trim();
          return check(a, signal);
        }),
    });
    if (value === undefined || value === BACK) return value;
    (a[field] as string) = value.trim();
    return 'next';
  };
}

const providerStep: Step = async (a, step, totalSteps) => {
  const value = await pickStep<Provider>({
    title: TITLE,
    step,
    totalSteps,
    placeholder: 'Where are your servers?',
    active: a.provider,
    items: [
      { label: 'Rackspace (US)', description: 'identity.api.rackspacecloud.com', value: 'rackspace-us' },
      { label: 'Rackspace (UK)', description: 'lon.identity.api.rackspacecloud.com', value: 'rackspace-uk' },
      { label: 'OpenStack (Keystone v3)', description: 'any OpenStack cloud', value: 'keystone' },
      { label: 'Direct: Compute endpoint and API token', description: 'no sign-in; you renew the token', value: 'direct' },
    ],
  });
  if (value === undefined || value === BACK) return value;
  a.provider = value;
  return 'next';
};

function methodStep(items: Array<{ label: string; description?: string; value: NonNullable<Answers['method']> }>): Step {
  return async (a, step, totalSteps) => {
    const value = await pickStep({ title: TITLE, step, totalSteps, placeholder: 'Sign in with', items, active: a.method });
    if (value === undefined || value === BACK) return value;
    a.method = value;
    return 'next';
  };
}

/** The steps after the provider, for the answers given so far; the last one signs in. */
function stepsFor(a: Answers, check: Check): Step[] {
  switch (a.provider) {
    case 'rackspace-us':
    case 'rackspace-uk':
      return [
        methodStep([
          { label: 'API key', description: 'recommended; works with multi-factor accounts', value: 'apiKey' },
          { label: 'Password', value: 'password' },
        ]),
        ask('username', 'Rackspace user name', notEmpty('user name')),
        a.method === 'password'
          ? ask('secret', 'Password', notEmpty('password'), { password: true, check })
          : ask('secret', 'API key (Account Settings in the Cloud Control Panel)', secret('API key'), { password: true, check }),
      ];
    case 'keystone':
      return [
        ask('authUrl', 'Keystone auth URL (OS_AUTH_URL)', httpUrl, { placeholder: 'https://keystone.example.com:5000/v3' }),
        methodStep([
          { label: 'Password', description: 'user, password and project', value: 'password' },
          { label: 'Application credential', description: 'id and secret', value: 'appCredential' },
        ]),
        ...(a.method === 'appCredential'
          ? [
              ask('appCredentialId', 'Application credential ID', secret('application credential ID')),
              ask('secret', 'Application credential secret', notEmpty('secret'), { password: true, check }),
            ]
          : [
              ask('username', 'User name (OS_USERNAME)', notEmpty('user name')),
              ask('userDomain', 'User domain (OS_USER_DOMAIN_NAME)', notEmpty('user domain'), { default: 'Default' }),
              ask('project', 'Project name (OS_PROJECT_NAME)', notEmpty('project')),
              ask('projectDomain', 'Project domain (OS_PROJECT_DOMAIN_NAME)', notEmpty('project domain'), { default: 'Default' }),
              ask('secret', 'Password', notEmpty('password'), { password: true, check }),
            ]),
      ];
    case 'direct':
      return [
        ask('endpoint', 'Compute endpoint URL', httpUrl, { placeholder: 'https://dfw.servers.api.rackspacecloud.com/v2/123456' }),
        ask('secret', 'API token (sent as X-Auth-Token)', secret('token'), { password: true, check }),
      ];
    default:
      return [];
  }
}

function credentialsOf(a: Answers): Credentials {
  if (a.provider === 'keystone') {
    return a.method === 'appCredential'
      ? { provider: 'keystone', authUrl: a.authUrl!, applicationCredentialId: a.appCredentialId!, applicationCredentialSecret: a.secret! }
      : {
          provider: 'keystone',
          authUrl: a.authUrl!,
          username: a.username!,
          password: a.secret!,
          userDomain: a.userDomain!,
          project: a.project!,
          projectDomain: a.projectDomain!,
        };
  }
  const identityUrl =
    process.env.KEYPAIRS_RACKSPACE_IDENTITY_URL || (a.provider === 'rackspace-uk' ? RACKSPACE_UK_IDENTITY : RACKSPACE_US_IDENTITY);
  return a.method === 'password'
    ? { provider: 'rackspace', identityUrl, username: a.username!, password: a.secret! }
    : { provider: 'rackspace', identityUrl, username: a.username!, apiKey: a.secret! };
}

/** Runs Sign In; resolves to the account label (or endpoint), or undefined when cancelled. */
export async function signInCommand(services: Services): Promise<string | undefined> {
  const a: Answers = {};
  let session: Session | undefined;
  const check: Check = async (answers, signal) => {
    try {
      if (answers.provider === 'direct') await tryToken(services, answers, signal);
      else session = await authenticate(services.http, credentialsOf(answers), signal);
      return undefined;
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'cancelled') return 'Cancelled.';
      log.warn(`sign-in failed: ${err instanceof AuthError ? err.kind : (err as Error).message}`);
      return err instanceof AuthError ? err.message : describeError(err).message;
    }
  };
  let region: string | undefined;
  for (let index = 0; ; ) {
    const steps = [providerStep, ...stepsFor(a, check)];
    const total = steps.length + (a.provider && a.provider !== 'direct' ? 1 : 0);
    if (index < steps.length) {
      const answer = await steps[index](a, index + 1, total);
      if (answer === undefined) return undefined;
      index = answer === BACK ? Math.max(0, index - 1) : index + 1;
      continue;
    }
    if (a.provider === 'direct' || !session) break;
    const picked = await chooseRegion(session, undefined, { step: total, total });
    if (picked === undefined) return undefined;
    if (picked !== BACK) {
      region = picked;
      break;
    }
    index = steps.length - 1;
  }

  if (a.provider === 'direct') {
    await services.account.signOut();
    await vscode.workspace.getConfiguration(SECTION).update('endpoint', a.endpoint, vscode.ConfigurationTarget.Global);
    await services.secrets.setToken(a.secret!);
    services.targetChanged();
    void notify('info', `Using ${a.endpoint} with the API token in secret storage.`);
    return a.endpoint;
  }
  if (!session || region === undefined) return undefined;
  const creds = credentialsOf(a);
  const profile: AccountProfile = {
    provider: a.provider as ProviderId,
    authUrl: creds.provider === 'rackspace' ? creds.identityUrl : creds.authUrl,
    username: 'username' in creds ? creds.username : undefined,
    label: session.accountLabel,
    region,
  };
  await services.account.signIn(profile, creds, session);
  services.targetChanged();
  log.info(`signed in: ${session.accountLabel}, region ${region}`);
  void notify('info', `Signed in as ${session.accountLabel}. Key pairs go to region ${region}.`);
  return session.accountLabel;
}

/** Direct mode: the endpoint and token work when they list one key pair. */
async function tryToken(services: Services, a: Answers, signal: AbortSignal): Promise<void> {
  const token = a.secret!;
  const compute = new ComputeClient({ endpoint: a.endpoint!, http: services.http, auth: { canRenew: false, token: async () => token } });
  await compute.listPage({ limit: 1, signal });
}

/** A pick of the catalog's regions, the current (or default) one active. */
async function chooseRegion(
  session: Session,
  current: string | undefined,
  pos: { step: number; total: number },
): Promise<string | typeof BACK | undefined> {
  const preferred = current ?? session.defaultRegion;
  if (session.regions.length === 1) return session.regions[0].region;
  return pickStep({
    title: 'Select Region',
    step: pos.step,
    totalSteps: pos.total,
    placeholder: 'Key pairs are per region: where should they go?',
    active: preferred,
    items: session.regions.map((r) => ({
      label: r.region,
      description: r.region === session.defaultRegion ? 'default' : undefined,
      detail: r.url,
      value: r.region,
    })),
  });
}

export async function selectRegionCommand(services: Services): Promise<string | undefined> {
  const profile = services.account.profile();
  if (!profile) {
    const signIn = 'Sign In';
    if ((await notify('info', 'Regions come from a signed-in account. Sign in first.', [signIn])) === signIn) {
      await vscode.commands.executeCommand('keypairs.signIn');
    }
    return undefined;
  }
  const session = await (await services.tokenManager()).session();
  const picked = await chooseRegion(session, profile.region, { step: 1, total: 1 });
  const region = picked === BACK ? undefined : picked; // a one-step pick has no Back button
  if (region === undefined || region === profile.region) return region;
  await services.account.setRegion(region);
  services.targetChanged();
  void notify('info', `Key pairs now go to region ${region} (${profile.label}).`);
  return region;
}

export async function signOutCommand(services: Services): Promise<void> {
  const label = services.account.profile()?.label;
  await services.account.signOut();
  services.targetChanged();
  void notify('info', label ? `Signed out of ${label}. Its credentials and tokens were removed.` : 'Signed out. Stored tokens were removed.');
}
