/**
 * Sign-in: Rackspace Identity v2.0 (API key or password) and OpenStack Keystone v3 (password
 * or application credential) → a token, its expiry and the Compute endpoints per region.
 * No `vscode` import. Secrets go into request bodies only: never into errors or logs.
 */
import { ApiError } from './errors';
import { redactText } from '../base/redact';
import { HttpClient, HttpResponse } from './http';
import { UserSafeError } from '../base/userSafe';
import * as l10n from '../base/l10n';

export const RACKSPACE_US_IDENTITY = 'https://identity.api.rackspacecloud.com/v2.0';
export const RACKSPACE_UK_IDENTITY = 'https://lon.identity.api.rackspacecloud.com/v2.0';

/** Rackspace Identity v2.0: `identityUrl` is e.g. RACKSPACE_US_IDENTITY. */
export type RackspaceCredentials =
  | { provider: 'rackspace'; identityUrl: string; username: string; apiKey: string }
  | { provider: 'rackspace'; identityUrl: string; username: string; password: string };

/** Which catalog endpoints to use (clouds.yaml `interface`); public when absent. */
export type EndpointInterface = 'public' | 'internal' | 'admin';

/**
 * The project a Keystone token is scoped to: by id (`projectId`), or by name in a domain given
 * by id (`projectDomainId`) or name. Ids win over names, as in keystoneauth.
 */
export interface KeystoneScope {
  project: string;
  projectDomain: string;
  projectId?: string;
  projectDomainId?: string;
}

/**
 * Keystone v3: `authUrl` with or without a trailing `/v3`. The user by id (`userId`) or by name
 * in a domain by id or name; a password, an application credential, or an existing token.
 */
export type KeystoneCredentials =
  | ({
      provider: 'keystone';
      authUrl: string;
      username: string;
      password: string;
      userDomain: string;
      userId?: string;
      userDomainId?: string;
      interface?: EndpointInterface;
    } & KeystoneScope)
  | {
      provider: 'keystone';
      authUrl: string;
      applicationCredentialId: string;
      applicationCredentialSecret: string;
      interface?: EndpointInterface;
    }
  | ({ provider: 'keystone'; authUrl: string; token: string; interface?: EndpointInterface } & KeystoneScope);

/** What SecretStorage keeps for a signed-in account. */
export type Credentials = RackspaceCredentials | KeystoneCredentials;

export interface ComputeRegion {
  region: string;
  /** Compute endpoint of the region, e.g. https://ord.servers.api.rackspacecloud.com/v2/123456 */
  url: string;
}

export interface Session {
  token: string;
  /** When the token expires, ms since the epoch. */
  expiresAt: number;
  /** For the user, e.g. "demo (Rackspace, tenant 123456)". */
  accountLabel: string;
  /** The account's default region when the server names one (or the only region). */
  defaultRegion?: string;
  /** Compute endpoints, sorted by region. Never empty. */
  regions: ComputeRegion[];
}

export type AuthErrorKind =
  /** The server did not accept the credentials (401). */
  | 'bad-credentials'
  /** Rackspace password sign-in of an account with multi-factor authentication. */
  | 'mfa-required'
  /** The user is disabled (Rackspace 403). */
  | 'disabled'
  /** The catalog has no Compute endpoint this extension can use. */
  | 'no-compute'
  /** The identity answer lacks the token or is not the promised JSON. */
  | 'bad-response'
  /** No credentials are stored (TokenManager): the user has to sign in. */
  | 'signed-out'
  /** The stored credentials could not be read (SecretStorage / the OS keychain failed). */
  | 'storage-unavailable';

/** A sign-in that failed for a reason the user can act on. `message` is ready to show. */
export class AuthError extends UserSafeError {
  constructor(
    readonly kind: AuthErrorKind,
    message: string,
  ) {
    super(redactText(message));
    this.name = 'AuthError';
  }
}

/** Rackspace catalog entry of Cloud Servers (the legacy `cloudServers` is also type compute). */
const RACKSPACE_COMPUTE = 'cloudServersOpenStack';
/** Used when a token comes without a readable expiry; a 401 still renews it earlier. */
const FALLBACK_TTL_MS = 60 * 60 * 1000;

/** The URL sign-in POSTs to: `{identityUrl}/tokens` or `{authUrl}/v3/auth/tokens`. */
export function tokensUrl(creds: Credentials): string {
  if (creds.provider === 'rackspace') {
    const base = trimSlashes(creds.identityUrl);
    return `${/\/v2\.0$/.test(base) ? base : `${base}/v2.0`}/tokens`;
  }
  const base = trimSlashes(creds.authUrl);
  return `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
}

/**
 * Signs in and returns the session. Throws AuthError for what the user must fix (credentials,
 * MFA, disabled user, no Compute in the catalog, unusable answer); ApiError for the rest.
 */
export function authenticate(http: HttpClient, creds: Credentials, signal?: AbortSignal): Promise<Session> {
  return creds.provider === 'rackspace' ? rackspace(http, creds, signal) : keystone(http, creds, signal);
}

async function rackspace(http: HttpClient, creds: RackspaceCredentials, signal?: AbortSignal): Promise<Session> {
  const usesKey = 'apiKey' in creds;
  const auth = usesKey
    ? { 'RAX-KSKEY:apiKeyCredentials': { username: creds.username, apiKey: creds.apiKey } }
    : { passwordCredentials: { username: creds.username, password: creds.password } };
  const res = await post(http, tokensUrl(creds), { auth }, [401, 403], signal);
  const fail = (kind: AuthErrorKind, message: string) => new AuthError(kind, message);
  if (res.status === 401) {
    if (!usesKey && /^\s*OS-MF\b/i.test(headerOf(res, 'www-authenticate') ?? '')) {
      throw fail(
        'mfa-required',
        l10n.t(
          'This Rackspace account uses multi-factor authentication, which password sign-in here does not support. Sign in with your API key instead (Cloud Control Panel → Account Settings → API Key).',
        ),
      );
    }
    throw fail(
      'bad-credentials',
      usesKey
        ? l10n.t('Rackspace did not accept the username or API key.')
        : l10n.t('Rackspace did not accept the username or password.'),
    );
  }
  if (res.status === 403) throw fail('disabled', l10n.t('Rackspace refused the sign-in: this user is disabled.'));

  const access = obj(obj(res.body)?.access);
  const token = obj(access?.token);
  const user = obj(access?.user);
  if (!access || typeof token?.id !== 'string' || token.id === '') {
    throw fail('bad-response', l10n.t('Rackspace Identity answered without a token.'));
  }
  const catalog = Array.isArray(access.serviceCatalog) ? access.serviceCatalog : [];
  const servers = catalog.map(obj).find((s) => s?.name === RACKSPACE_COMPUTE);
  const regions = collectRegions(servers?.endpoints, (e) => ({ region: e.region, url: e.publicURL }));
  if (regions.length === 0) {
    throw fail('no-compute', l10n.t('This Rackspace account has no Cloud Servers endpoint in its service catalog.'));
  }
  const userName = str(user?.name) ?? creds.username;
  const tenant = str(obj(token.tenant)?.id);
  return {
    token: token.id,
    expiresAt: expiry(token.expires),
    accountLabel: tenant
      ? l10n.t('{0} (Rackspace, tenant {1})', userName, tenant)
      : l10n.t('{0} (Rackspace)', userName),
    defaultRegion: defaultRegion(regions, str(user?.['RAX-AUTH:defaultRegion'])),
    regions,
  };
}

async function keystone(http: HttpClient, creds: KeystoneCredentials, signal?: AbortSignal): Promise<Session> {
  const usesAppCred = 'applicationCredentialId' in creds;
  const auth = keystoneAuthBody(creds);
  const url = tokensUrl(creds);
  const res = await post(http, url, { auth }, [401], signal);
  const fail = (kind: AuthErrorKind, message: string) => new AuthError(kind, message);
  if (res.status === 401) {
    throw fail(
      'bad-credentials',
      usesAppCred
        ? l10n.t(
            'OpenStack did not accept the application credential (ID or secret); it may have expired or been deleted.',
          )
        : 'token' in creds
          ? l10n.t(
              'OpenStack did not accept the token; it may have expired. Get a new one, or sign in with a password.',
            )
          : l10n.t(
              'OpenStack did not accept the sign-in: check the username, password, user domain, project and project domain.',
            ),
    );
  }
  const token = obj(obj(res.body)?.token);
  const id = headerOf(res, 'x-subject-token');
  if (!token || !id) throw fail('bad-response', l10n.t('OpenStack Identity answered without a token.'));

  const endpoints = (Array.isArray(token.catalog) ? token.catalog : [])
    .map(obj)
    .filter((s) => s?.type === 'compute')
    .flatMap((s): unknown[] => (Array.isArray(s?.endpoints) ? (s.endpoints as unknown[]) : []))
    .filter((e) => obj(e)?.interface === (creds.interface ?? 'public'));
  const regions = collectRegions(endpoints, (e) => ({ region: e.region ?? e.region_id ?? 'default', url: e.url }));
  if (regions.length === 0) {
    throw fail(
      'no-compute',
      creds.interface && creds.interface !== 'public'
        ? l10n.t('This OpenStack project has no {0} Compute (Nova) endpoint in its service catalog.', creds.interface)
        : l10n.t('This OpenStack project has no public Compute (Nova) endpoint in its service catalog.'),
    );
  }
  const userName = str(obj(token.user)?.name) ?? ('username' in creds ? str(creds.username) : undefined);
  const project =
    str(obj(token.project)?.name) ?? ('project' in creds ? (str(creds.project) ?? creds.projectId) : undefined);
  const host = new URL(url).host;
  return {
    token: id,
    expiresAt: expiry(token.expires_at),
    accountLabel: project
      ? l10n.t('{0} (OpenStack {1}, project {2})', userName ?? l10n.t('application credential'), host, project)
      : l10n.t('{0} (OpenStack {1})', userName ?? l10n.t('application credential'), host),
    defaultRegion: defaultRegion(regions),
    regions,
  };
}

/** The `auth` of a Keystone v3 token request: ids where given, else names with their domain. */
export function keystoneAuthBody(creds: KeystoneCredentials): Record<string, unknown> {
  if ('applicationCredentialId' in creds) {
    return {
      identity: {
        methods: ['application_credential'],
        application_credential: { id: creds.applicationCredentialId, secret: creds.applicationCredentialSecret },
      },
    };
  }
  const byIdOrName = (id: string | undefined, name: string) => (id ? { id } : { name });
  const scope = {
    project: creds.projectId
      ? { id: creds.projectId }
      : { name: creds.project, domain: byIdOrName(creds.projectDomainId, creds.projectDomain) },
  };
  if ('token' in creds) return { identity: { methods: ['token'], token: { id: creds.token } }, scope };
  const user = creds.userId
    ? { id: creds.userId, password: creds.password }
    : {
        name: creds.username,
        domain: byIdOrName(creds.userDomainId, creds.userDomain),
        password: creds.password,
      };
  return { identity: { methods: ['password'], password: { user } }, scope };
}

/** POSTs the sign-in; `pass` statuses come back as answers so their headers can be read. */
async function post(
  http: HttpClient,
  url: string,
  json: unknown,
  pass: number[],
  signal?: AbortSignal,
): Promise<HttpResponse> {
  try {
    return await http.request({ method: 'POST', url, json, signal, passStatuses: pass });
  } catch (err) {
    // A 2xx that is not JSON: say so in the sign-in's words.
    if (err instanceof ApiError && err.kind === 'bad-response' && err.status !== undefined && err.status < 300) {
      throw new AuthError('bad-response', l10n.t('The identity service at {0} did not answer with JSON.', err.url));
    }
    throw err;
  }
}

/** Endpoints with a usable http(s) URL, one per region (first wins), sorted by region. */
function collectRegions(
  endpoints: unknown,
  pick: (e: Record<string, unknown>) => { region: unknown; url: unknown },
): ComputeRegion[] {
  const byRegion = new Map<string, string>();
  for (const raw of Array.isArray(endpoints) ? endpoints : []) {
    const e = obj(raw);
    if (!e) continue;
    const { region, url } = pick(e);
    if (typeof region !== 'string' || region === '' || typeof url !== 'string' || !/^https?:\/\//i.test(url)) continue;
    if (!byRegion.has(region)) byRegion.set(region, trimSlashes(url));
  }
  return [...byRegion]
    .map(([region, url]) => ({ region, url }))
    .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
}

/**
 * The region to preselect after sign-in: the one asked for (clouds.yaml `region_name`,
 * `OS_REGION_NAME`, the account's last) when the catalog has it (in the catalog's spelling),
 * else the account's default region, else none.
 */
export function preselectedRegion(
  session: Pick<Session, 'regions' | 'defaultRegion'>,
  wanted: string | undefined,
): string | undefined {
  const w = wanted?.trim();
  const found =
    w &&
    (session.regions.find((r) => r.region === w) ??
      session.regions.find((r) => r.region.toLowerCase() === w.toLowerCase()));
  return found ? found.region : session.defaultRegion;
}

/** `wanted` (a clouds.yaml region_name, OS_REGION_NAME, the region chosen before) when the catalog has no such Compute region. */
export function regionNotInCatalog(session: Pick<Session, 'regions'>, wanted: string | undefined): string | undefined {
  const w = wanted?.trim();
  if (!w) return undefined;
  return session.regions.some((r) => r.region.toLowerCase() === w.toLowerCase()) ? undefined : w;
}

/** The named region when the catalog has it, else the only region, else none. */
function defaultRegion(regions: ComputeRegion[], named?: string): string | undefined {
  const found = named && regions.find((r) => r.region.toLowerCase() === named.toLowerCase());
  if (found) return found.region;
  return regions.length === 1 ? regions[0]?.region : undefined;
}

function expiry(value: unknown): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : Date.now() + FALLBACK_TTL_MS;
}

function headerOf(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function trimSlashes(url: string): string {
  return url.trim().replace(/\/+$/, '');
}
