/**
 * The ways to sign in, one descriptor each, in one registry: what Sign In offers, the
 * steps each asks, the credentials it keeps, how it signs in, where its token comes from,
 * and which of its answers are secret. The registry's type lists every ProviderChoice, so
 * a provider added to the type without a descriptor (or the reverse) does not compile.
 */
import * as l10n from '../base/l10n';
import { ComputeClient } from '../api/compute';
import type { HttpClient } from '../api/http';
import {
  authenticate,
  Credentials,
  EndpointInterface,
  RACKSPACE_UK_IDENTITY,
  RACKSPACE_US_IDENTITY,
  Session as SignInResult,
  tokensUrl,
} from '../api/identity';
import type { CloudEntry } from '../api/cloudsConfig';
import { BACK, pickStep, Step, StepInput, StepItem, textStep, TextStepSpec } from '../ask/wizard';

/** The sign-in providers (kept in the account profile). */
export type ProviderId = 'rackspace-us' | 'rackspace-uk' | 'rackspace-custom' | 'keystone' | 'openstack-config';

/** Every way to sign in: an account (kept, renewed) or the direct endpoint and token. */
export type ProviderChoice = ProviderId | 'direct';
export type SignInMethod = 'apiKey' | 'password' | 'appCredential';
/** How Keystone sign-in names a project or domain: by name (OS_PROJECT_NAME) or by id (OS_PROJECT_ID). */
export type NameOrId = 'name' | 'id';

/** The answers of Sign In so far (every text field starts empty). */
export interface SignInState {
  provider?: ProviderChoice;
  method?: SignInMethod;
  /** Rackspace Identity URL or Keystone auth URL, for the providers that ask for one. */
  identityUrl: string;
  username: string;
  secret: string;
  userDomain: string;
  project: string;
  projectDomain: string;
  /** Keystone: whether `userDomain`, `project` and `projectDomain` are names or ids. */
  userDomainBy: NameOrId;
  projectBy: NameOrId;
  projectDomainBy: NameOrId;
  /** Keystone: which catalog endpoints to use (OS_INTERFACE). */
  interface: EndpointInterface;
  appCredentialId: string;
  /** clouds.yaml / environment: the cloud picked (with what its files give), or why it cannot be used. */
  cloud?: CloudEntry;
  cloudProblem?: string;
  /** clouds.yaml / environment: the confirmation box's text (ignored). */
  confirm: string;
  /** Direct: the Compute endpoint. */
  endpoint: string;
  /** Set when signing in (the last step's check) succeeded; absent for Direct. */
  result?: SignInResult;
  /** The region picked from the result's catalog. */
  region?: string;
}

export function emptySignIn(): SignInState {
  return {
    identityUrl: '',
    username: '',
    secret: '',
    userDomain: '',
    project: '',
    projectDomain: '',
    userDomainBy: 'name',
    projectBy: 'name',
    projectDomainBy: 'name',
    interface: 'public',
    appCredentialId: '',
    confirm: '',
    endpoint: '',
  };
}

/** The answers typed as text. */
type TextField =
  | 'identityUrl'
  | 'username'
  | 'secret'
  | 'userDomain'
  | 'project'
  | 'projectDomain'
  | 'appCredentialId'
  | 'confirm'
  | 'endpoint';

/** Signs in with the answers, on Enter of the last step: a message says why it failed. */
export type SignInCheck = (state: SignInState, signal: AbortSignal) => Promise<string | undefined>;

export interface IdentityProvider {
  id: ProviderChoice;
  label: string;
  description: string;
  /** The steps after the provider pick, for the answers so far; the last one runs `check`. */
  steps(ui: StepInput, state: SignInState, check: SignInCheck): Array<Step<SignInState>>;
  /** The credentials an account keeps (in SecretStorage); undefined for Direct. */
  credentials(state: SignInState): Credentials | undefined;
  /** Signs in; the result (undefined for Direct, which only checks that the token works). */
  authenticate(http: HttpClient, state: SignInState, signal: AbortSignal): Promise<SignInResult | undefined>;
  /** Where the token comes from (shown to the user; never a secret). */
  tokenUrl(state: SignInState): string;
  /** The answers that are secret: they go only to SecretStorage. */
  secretFields: ReadonlyArray<keyof SignInState>;
}

export const SIGN_IN_TITLE = l10n.label('Sign In to Rackspace or OpenStack');

const notEmpty = (what: string) => (value: string) =>
  value.trim() === '' ? l10n.t('Enter the {0}.', what) : undefined;
const oneWord = (what: string) => (value: string) =>
  value.trim() === ''
    ? l10n.t('Enter the {0}.', what)
    : /\s/.test(value.trim())
      ? l10n.t('The {0} has no spaces or line breaks.', what)
      : undefined;
export const httpUrl = (value: string): string | undefined => {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:'
      ? undefined
      : l10n.t('Enter an http:// or https:// URL.');
  } catch {
    return value.trim() === '' ? l10n.t('Enter a URL.') : l10n.t('Enter an http:// or https:// URL.');
  }
};

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function methodStep(ui: StepInput, items: Array<StepItem<SignInMethod>>): Step<SignInState> {
  return pickStep<'method', SignInMethod, SignInState>(ui, 'method', {
    title: l10n.t(SIGN_IN_TITLE),
    placeholder: l10n.t('Sign in with'),
    items,
  });
}

/** Rackspace Identity v2.0 at `fixedUrl`, or at a URL the user types (`fixedUrl` undefined). */
function rackspace(id: ProviderId, label: string, fixedUrl: string | undefined): IdentityProvider {
  const identityUrl = (state: SignInState) => fixedUrl ?? state.identityUrl;
  const credentials = (state: SignInState): Credentials =>
    state.method === 'password'
      ? { provider: 'rackspace', identityUrl: identityUrl(state), username: state.username, password: state.secret }
      : { provider: 'rackspace', identityUrl: identityUrl(state), username: state.username, apiKey: state.secret };
  return {
    id,
    label,
    description: fixedUrl ? hostOf(fixedUrl) : l10n.t('Identity v2.0 at a URL you give (a private or test cloud)'),
    steps: (ui, state, check) => [
      ...(fixedUrl
        ? []
        : [
            textStep<TextField, SignInState>(ui, 'identityUrl', {
              title: l10n.t(SIGN_IN_TITLE),
              prompt: l10n.t('Rackspace Identity v2.0 URL'),
              placeholder: RACKSPACE_US_IDENTITY,
              validate: httpUrl,
            }),
          ]),
      methodStep(ui, [
        {
          label: l10n.t('API key'),
          description: l10n.t('recommended; works with multi-factor accounts'),
          value: 'apiKey',
        },
        { label: l10n.t('Password'), value: 'password' },
      ]),
      textStep<TextField, SignInState>(ui, 'username', {
        title: l10n.t(SIGN_IN_TITLE),
        prompt: l10n.t('Rackspace user name (signs in at {0})', hostOf(identityUrl(state))),
        validate: notEmpty(l10n.t('user name')),
      }),
      state.method === 'password'
        ? textStep<TextField, SignInState>(ui, 'secret', {
            title: l10n.t(SIGN_IN_TITLE),
            prompt: l10n.t('Password'),
            validate: notEmpty(l10n.t('password')),
            password: true,
            check,
          })
        : textStep<TextField, SignInState>(ui, 'secret', {
            title: l10n.t(SIGN_IN_TITLE),
            prompt: l10n.t('API key (Account Settings in the Cloud Control Panel)'),
            validate: oneWord(l10n.t('API key')),
            password: true,
            check,
          }),
    ],
    credentials,
    authenticate: (http, state, signal) => authenticate(http, credentials(state), signal),
    tokenUrl: (state) => tokensUrl(credentials(state)),
    secretFields: ['secret'],
  };
}

/**
 * The Keystone credentials of the answers: the project and the domains by id or by name, as
 * the user chose (a project by id needs no domain, as with OS_PROJECT_ID), and the interface.
 */
export function keystoneCredentials(state: SignInState): Credentials {
  const common = { provider: 'keystone' as const, authUrl: state.identityUrl, interface: state.interface };
  if (state.method === 'appCredential') {
    return { ...common, applicationCredentialId: state.appCredentialId, applicationCredentialSecret: state.secret };
  }
  const byId = state.projectBy === 'id';
  return {
    ...common,
    username: state.username,
    password: state.secret,
    ...(state.userDomainBy === 'id'
      ? { userDomain: '', userDomainId: state.userDomain }
      : { userDomain: state.userDomain }),
    ...(byId
      ? { project: '', projectId: state.project, projectDomain: '' }
      : state.projectDomainBy === 'id'
        ? { project: state.project, projectDomain: '', projectDomainId: state.projectDomain }
        : { project: state.project, projectDomain: state.projectDomain }),
  };
}

/** The three interfaces of a Keystone catalog, public first (the default, as in the openstack CLI). */
const INTERFACE_ITEMS = (): Array<StepItem<EndpointInterface>> => [
  { label: 'public', description: l10n.t('default; the endpoints reachable from anywhere'), value: 'public' },
  { label: 'internal', description: l10n.t("the endpoints inside the cloud's own network"), value: 'internal' },
  { label: 'admin', description: l10n.t("the administrators' endpoints"), value: 'admin' },
];

type ByField = 'userDomainBy' | 'projectBy' | 'projectDomainBy';
type ByText = 'userDomain' | 'project' | 'projectDomain';

/**
 * Name or id? A pick (by name, by id) then its box. Changing the choice empties the box (a
 * name is no id); an id is one word, checked as typed.
 */
function nameOrIdSteps(
  ui: StepInput,
  state: SignInState,
  by: ByField,
  field: ByText,
  words: { placeholder: string; name: string; id: string; what: string; whatId: string; fallback?: string },
): Array<Step<SignInState>> {
  const pick: Step<SignInState> = async (answers, position) => {
    const value = await ui.pick<NameOrId>({
      title: l10n.t(SIGN_IN_TITLE),
      ...position,
      placeholder: words.placeholder,
      items: [
        { label: l10n.t('By name'), description: words.name, value: 'name' },
        { label: l10n.t('By ID'), description: words.id, value: 'id' },
      ],
      active: answers[by],
    });
    if (value === undefined || value === BACK) return value;
    if (value !== answers[by]) answers[field] = '';
    answers[by] = value;
    return 'next';
  };
  const byId = state[by] === 'id';
  const box = textStep<TextField, SignInState>(ui, field, {
    title: l10n.t(SIGN_IN_TITLE),
    prompt: byId ? words.id : words.name,
    validate: byId ? oneWord(words.whatId) : notEmpty(words.what),
    ...(words.fallback ? { default: byId ? words.fallback.toLowerCase() : words.fallback } : {}),
  });
  return [pick, box];
}

const keystone: IdentityProvider = {
  id: 'keystone',
  label: l10n.t('OpenStack (Keystone v3)'),
  description: l10n.t('any OpenStack cloud'),
  steps: (ui, state, check) => {
    const text = (
      field: TextField,
      prompt: string,
      validate: (value: string) => string | undefined,
      extra: Partial<TextStepSpec<SignInState>> = {},
    ) => textStep<TextField, SignInState>(ui, field, { title: l10n.t(SIGN_IN_TITLE), prompt, validate, ...extra });
    const endpoints = pickStep<'interface', EndpointInterface, SignInState>(ui, 'interface', {
      title: l10n.t(SIGN_IN_TITLE),
      placeholder: l10n.t('Which Compute endpoints of the catalog (OS_INTERFACE)?'),
      items: INTERFACE_ITEMS(),
    });
    return [
      text('identityUrl', l10n.t('Keystone auth URL (OS_AUTH_URL)'), httpUrl, {
        placeholder: 'https://keystone.example.com:5000/v3',
      }),
      methodStep(ui, [
        { label: l10n.t('Password'), description: l10n.t('user, password and project'), value: 'password' },
        { label: l10n.t('Application credential'), description: l10n.t('id and secret'), value: 'appCredential' },
      ]),
      ...(state.method === 'appCredential'
        ? [
            text('appCredentialId', l10n.t('Application credential ID'), oneWord(l10n.t('application credential ID'))),
            endpoints,
            text('secret', l10n.t('Application credential secret'), notEmpty(l10n.t('secret')), {
              password: true,
              check,
            }),
          ]
        : [
            text('username', l10n.t('User name (OS_USERNAME)'), notEmpty(l10n.t('user name'))),
            ...nameOrIdSteps(ui, state, 'userDomainBy', 'userDomain', {
              placeholder: l10n.t("The user's domain: by name or by ID?"),
              name: l10n.t('User domain name (OS_USER_DOMAIN_NAME)'),
              id: l10n.t('User domain ID (OS_USER_DOMAIN_ID)'),
              what: l10n.t('user domain'),
              whatId: l10n.t('user domain ID'),
              fallback: 'Default',
            }),
            ...nameOrIdSteps(ui, state, 'projectBy', 'project', {
              placeholder: l10n.t('The project: by name or by ID?'),
              name: l10n.t('Project name (OS_PROJECT_NAME)'),
              id: l10n.t('Project ID (OS_PROJECT_ID); no domain needed'),
              what: l10n.t('project'),
              whatId: l10n.t('project ID'),
            }),
            // A project id names one project in every domain: no project domain is asked.
            ...(state.projectBy === 'id'
              ? []
              : nameOrIdSteps(ui, state, 'projectDomainBy', 'projectDomain', {
                  placeholder: l10n.t("The project's domain: by name or by ID?"),
                  name: l10n.t('Project domain name (OS_PROJECT_DOMAIN_NAME)'),
                  id: l10n.t('Project domain ID (OS_PROJECT_DOMAIN_ID)'),
                  what: l10n.t('project domain'),
                  whatId: l10n.t('project domain ID'),
                  fallback: 'Default',
                })),
            endpoints,
            text('secret', l10n.t('Password'), notEmpty(l10n.t('password')), { password: true, check }),
          ]),
    ];
  },
  credentials: keystoneCredentials,
  authenticate: (http, state, signal) => authenticate(http, keystoneCredentials(state), signal),
  tokenUrl: (state) => tokensUrl(keystoneCredentials(state)),
  secretFields: ['secret'],
};

/** The picked cloud's credentials, the secret typed in the box when its files have none. */
export function cloudCredentials(state: SignInState): Credentials | undefined {
  const cloud = state.cloud;
  if (!cloud) return undefined;
  if (!cloud.needsSecret) return cloud.credentials;
  const c = cloud.credentials;
  if ('applicationCredentialId' in c) return { ...c, applicationCredentialSecret: state.secret };
  if ('token' in c) return { ...c, token: state.secret };
  return { ...c, password: state.secret };
}

/** Who signs in where, for the prompt: "alice at keystone.example:5000". */
function cloudWho(cloud: CloudEntry): string {
  const c = cloud.credentials;
  const who =
    'applicationCredentialId' in c
      ? l10n.t('application credential {0}', c.applicationCredentialId)
      : 'token' in c
        ? l10n.t('a token')
        : c.username || (c.userId ?? '');
  return l10n.t('{0} at {1}', who, hostOf(c.authUrl));
}

/** A cloud from clouds.yaml or the OS_* environment: Sign In picks it first (see signIn.ts). */
const openstackConfig: IdentityProvider = {
  id: 'openstack-config',
  label: l10n.t('OpenStack: clouds.yaml or environment'),
  description: l10n.t('what the openstack CLI already uses'),
  steps: (ui, state, check) => {
    const cloud = state.cloud;
    const problem = state.cloudProblem;
    if (!cloud || problem) {
      return [
        textStep<TextField, SignInState>(ui, 'confirm', {
          title: l10n.t(SIGN_IN_TITLE),
          prompt: l10n.t('This cloud cannot be used: go back and choose another.'),
          validate: () => problem ?? l10n.t('Choose where your servers are.'),
        }),
      ];
    }
    const who = cloudWho(cloud);
    if (!cloud.needsSecret) {
      return [
        textStep<TextField, SignInState>(ui, 'confirm', {
          title: l10n.t(SIGN_IN_TITLE),
          prompt: l10n.t('Press Enter to sign in to cloud "{0}" as {1}.', cloud.name, who),
          validate: () => undefined,
          check,
        }),
      ];
    }
    const prompt =
      cloud.authType === 'v3applicationcredential'
        ? l10n.t('Application credential secret for cloud "{0}" ({1})', cloud.name, who)
        : cloud.authType === 'token'
          ? l10n.t('Token for cloud "{0}" ({1})', cloud.name, who)
          : l10n.t('Password for cloud "{0}" ({1})', cloud.name, who);
    return [
      textStep<TextField, SignInState>(ui, 'secret', {
        title: l10n.t(SIGN_IN_TITLE),
        prompt,
        validate: notEmpty(l10n.t('secret')),
        password: true,
        check,
      }),
    ];
  },
  credentials: cloudCredentials,
  authenticate: async (http, state, signal) => {
    const credentials = cloudCredentials(state);
    if (!credentials) throw new Error('no cloud picked');
    return authenticate(http, credentials, signal);
  },
  tokenUrl: (state) => {
    const credentials = cloudCredentials(state);
    return credentials ? tokensUrl(credentials) : '';
  },
  secretFields: ['secret'],
};

const direct: IdentityProvider = {
  id: 'direct',
  label: l10n.t('Direct: Compute endpoint and API token'),
  description: l10n.t('no sign-in; you renew the token'),
  steps: (ui, _state, check) => [
    textStep<TextField, SignInState>(ui, 'endpoint', {
      title: l10n.t(SIGN_IN_TITLE),
      prompt: l10n.t('Compute endpoint URL'),
      placeholder: 'https://dfw.servers.api.rackspacecloud.com/v2/123456',
      validate: httpUrl,
    }),
    textStep<TextField, SignInState>(ui, 'secret', {
      title: l10n.t(SIGN_IN_TITLE),
      prompt: l10n.t('API token (sent as X-Auth-Token)'),
      validate: oneWord(l10n.t('token')),
      password: true,
      check,
    }),
  ],
  credentials: () => undefined,
  // The endpoint and token work when they list one key pair.
  authenticate: async (http, state, signal) => {
    const token = state.secret;
    const compute = new ComputeClient({
      endpoint: state.endpoint,
      http,
      auth: { canRenew: false, token: () => Promise.resolve(token) },
    });
    await compute.listPage({ limit: 1, signal });
    return undefined;
  },
  tokenUrl: () => '',
  secretFields: ['secret'],
};

/** Every provider, in the order Sign In offers them. */
export const IDENTITY_PROVIDERS: { readonly [id in ProviderChoice]: IdentityProvider } = {
  'rackspace-us': rackspace('rackspace-us', l10n.t('Rackspace (US)'), RACKSPACE_US_IDENTITY),
  'rackspace-uk': rackspace('rackspace-uk', l10n.t('Rackspace (UK)'), RACKSPACE_UK_IDENTITY),
  'rackspace-custom': rackspace('rackspace-custom', l10n.t('Rackspace: another Identity URL'), undefined),
  keystone,
  'openstack-config': openstackConfig,
  direct,
};
