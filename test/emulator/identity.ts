// Rackspace Identity v2.0 (`POST /v2.0/tokens`) and Keystone v3 (`POST …/v3/auth/tokens`).
import * as crypto from 'node:crypto';
import {
  Reply,
  RequestInfo,
  ResolvedOptions,
  ResolvedUser,
  faultReply,
  header,
  isPlainObject,
  jsonReply,
} from './common';
import { TokenStore } from './state';

export interface IdentityContext {
  opts: ResolvedOptions;
  tokens: TokenStore;
  /** MFA sessions handed out in `WWW-Authenticate: OS-MF sessionId=…` → user id, expiry. */
  mfaSessions: Map<string, { userId: string; expiresAt: number }>;
  rackspaceComputeUrl(tenantId: string, region?: string): string;
  computeUrl: string;
  /** Keystone base with `/v3`, e.g. http://127.0.0.1:P/identity/v3 */
  keystoneV3Url: string;
  /** Image service (Glance) root; listed in the Keystone catalog as type `image` when set. */
  imageUrl?: string;
}

/** Passcode accepted for the second MFA step (`RAX-AUTH:passcodeCredentials`). */
export const MFA_PASSCODE = '123456';

function isJsonContentType(info: RequestInfo): boolean {
  const ct = header(info.headers, 'content-type');
  if (ct === undefined) return true;
  const base = ct.replace(/;.*$/s, '').trim().toLowerCase();
  return base === '' || base === 'application/json';
}

function parseBody(info: RequestInfo): { ok: true; value: unknown } | { ok: false } {
  if (info.body.trim() === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(info.body) };
  } catch {
    return { ok: false };
  }
}

function safeEqual(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

// ---------------------------------------------------------------------------------------------
// Rackspace Identity v2.0

export function raxVersionDocument(info: RequestInfo): Reply {
  return jsonReply(200, {
    version: {
      id: 'v2.0',
      status: 'CURRENT',
      updated: '2012-01-19T22:30:00.25Z',
      links: [{ rel: 'self', href: `${info.baseUrl}/v2.0` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity+json;version=2.0' }],
    },
  });
}

function raxAccess(ctx: IdentityContext, user: ResolvedUser, authenticatedBy: string[]): Reply {
  const t = ctx.tokens.issue('rax', user.userId, ctx.opts.tokenTtlSeconds, true, authenticatedBy);
  const tenant = user.tenantId;
  const base = ctx.computeUrl.replace(/\/v2\.1$/, '');
  const serviceCatalog = [
    {
      name: 'cloudServersOpenStack',
      type: 'compute',
      endpoints: ctx.opts.regions.map((region) => {
        const publicURL = ctx.rackspaceComputeUrl(tenant, region);
        const versionInfo = publicURL.replace(/\/[^/]+$/, '');
        return {
          region,
          tenantId: tenant,
          publicURL,
          versionInfo,
          versionList: versionInfo.replace(/\/v2$/, '/'),
          versionId: '2',
        };
      }),
    },
    {
      name: 'cloudServers',
      type: 'compute',
      endpoints: [
        {
          tenantId: tenant,
          publicURL: `${base}/v1.0/${encodeURIComponent(tenant)}`,
          versionInfo: `${base}/v1.0`,
          versionList: `${base}/`,
          versionId: '1.0',
        },
      ],
    },
    {
      name: 'cloudFiles',
      type: 'object-store',
      endpoints: ctx.opts.regions.map((region) => ({
        region,
        tenantId: `MossoCloudFS_${tenant}`,
        publicURL: `${base}/files/${region.toLowerCase()}/v1/MossoCloudFS_${encodeURIComponent(tenant)}`,
        internalURL: `${base}/files-internal/${region.toLowerCase()}/v1/MossoCloudFS_${encodeURIComponent(tenant)}`,
      })),
    },
  ];
  return jsonReply(200, {
    access: {
      token: {
        id: t.id,
        expires: new Date(t.expiresAt).toISOString(),
        tenant: { id: tenant, name: tenant },
        'RAX-AUTH:authenticatedBy': authenticatedBy,
      },
      serviceCatalog,
      user: {
        id: user.userId,
        name: user.username,
        roles: [
          { id: '3', name: 'identity:default', description: 'Default Role.' },
          {
            id: '10000150',
            name: 'compute:default',
            description: 'A Role that allows a user access to keystone Service methods',
            tenantId: tenant,
          },
        ],
        'RAX-AUTH:defaultRegion': user.defaultRegion,
        'RAX-AUTH:sessionInactivityTimeout': 'PT15M',
      },
    },
  });
}

export function raxTokens(ctx: IdentityContext, info: RequestInfo): Reply {
  if (!isJsonContentType(info)) return faultReply(415, 'Acceptable media types: application/json');
  const parsed = parseBody(info);
  if (!parsed.ok || !isPlainObject(parsed.value) || !isPlainObject(parsed.value.auth)) {
    return faultReply(400, 'Invalid json request body');
  }
  const auth = parsed.value.auth;
  const bad = (m: string) => faultReply(400, m);
  const users = ctx.opts.users;

  if ('RAX-AUTH:passcodeCredentials' in auth) {
    const pc = auth['RAX-AUTH:passcodeCredentials'];
    const sessionId = header(info.headers, 'x-sessionid');
    if (!isPlainObject(pc) || typeof pc.passcode !== 'string') return bad('Expecting passcode');
    if (!sessionId) return bad('Expecting X-SessionId header');
    const session = ctx.mfaSessions.get(sessionId);
    if (!session || Date.now() > session.expiresAt || pc.passcode !== MFA_PASSCODE) {
      return faultReply(401, 'Error code: AUTH-013; Unable to authenticate user with credentials provided.');
    }
    ctx.mfaSessions.delete(sessionId);
    const user = users.find((u) => u.userId === session.userId);
    if (!user) return faultReply(401, 'Unable to authenticate user with credentials provided.');
    if (user.disabled) return faultReply(403, `User '${user.username}' is disabled.`);
    return raxAccess(ctx, user, ['PASSCODE', 'PASSWORD']);
  }

  if ('RAX-KSKEY:apiKeyCredentials' in auth) {
    const c = auth['RAX-KSKEY:apiKeyCredentials'];
    if (!isPlainObject(c)) return bad('Invalid json request body');
    if (typeof c.username !== 'string' || c.username === '') return bad('Expecting username');
    if (typeof c.apiKey !== 'string' || c.apiKey === '') return bad('Expecting apiKey');
    const user = users.find((u) => u.username === c.username);
    if (!user || !safeEqual(user.apiKey, c.apiKey)) return faultReply(401, 'Username or api key is invalid.');
    if (user.disabled) return faultReply(403, `User '${user.username}' is disabled.`);
    return raxAccess(ctx, user, ['APIKEY']);
  }

  if ('passwordCredentials' in auth) {
    const c = auth.passwordCredentials;
    if (!isPlainObject(c)) return bad('Invalid json request body');
    if (typeof c.username !== 'string' || c.username === '') return bad('Expecting username');
    if (typeof c.password !== 'string' || c.password === '') return bad('Expecting password');
    const user = users.find((u) => u.username === c.username);
    if (!user || !safeEqual(user.password, c.password)) {
      return faultReply(401, 'Unable to authenticate user with credentials provided.');
    }
    if (user.disabled) return faultReply(403, `User '${user.username}' is disabled.`);
    if (user.mfa) {
      const sessionId = crypto.randomBytes(24).toString('base64url');
      ctx.mfaSessions.set(sessionId, { userId: user.userId, expiresAt: Date.now() + 5 * 60 * 1000 });
      return faultReply(401, 'Additional authentication credentials required', {
        'WWW-Authenticate': `OS-MF sessionId='${sessionId}', factor='PASSCODE'`,
      });
    }
    return raxAccess(ctx, user, ['PASSWORD']);
  }

  return bad('Invalid json request body');
}

// ---------------------------------------------------------------------------------------------
// Keystone v3

function keystoneError(status: number, title: string, message: string, headers: Record<string, string> = {}): Reply {
  return jsonReply(status, { error: { code: status, message, title } }, headers);
}

export function keystoneUnauthorized(ctx: IdentityContext): Reply {
  return keystoneError(401, 'Unauthorized', 'The request you have made requires authentication.', {
    'WWW-Authenticate': `Keystone uri="${ctx.keystoneV3Url}"`,
  });
}

function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function domainId(name: string): string {
  return name === 'Default' ? 'default' : name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function matchesDomain(spec: unknown, userDomain: string): boolean {
  if (!isPlainObject(spec)) return false;
  if (typeof spec.id === 'string') return spec.id === domainId(userDomain);
  if (typeof spec.name === 'string') return spec.name.toLowerCase() === userDomain.toLowerCase();
  return false;
}

function idFor(seed: string): string {
  return crypto.createHash('md5').update(seed).digest('hex');
}

export function keystoneVersionDocument(ctx: IdentityContext): Reply {
  return jsonReply(200, {
    version: {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `${ctx.keystoneV3Url}/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    },
  });
}

export function keystoneVersionsDocument(ctx: IdentityContext): Reply {
  return jsonReply(300, {
    versions: {
      values: [
        {
          id: 'v3.14',
          status: 'stable',
          updated: '2020-04-07T00:00:00Z',
          links: [{ rel: 'self', href: `${ctx.keystoneV3Url}/` }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
        },
      ],
    },
  });
}

export function keystoneTokens(ctx: IdentityContext, info: RequestInfo): Reply {
  if (!isJsonContentType(info)) {
    return keystoneError(415, 'Unsupported Media Type', 'The request body must be JSON.');
  }
  const parsed = parseBody(info);
  if (!parsed.ok) return keystoneError(400, 'Bad Request', 'Malformed request body.');
  const body = parsed.value;
  if (!isPlainObject(body) || !isPlainObject(body.auth)) {
    return keystoneError(400, 'Bad Request', "Invalid input for field 'auth': 'auth' is a required property");
  }
  const auth = body.auth;
  const identity = auth.identity;
  if (!isPlainObject(identity)) {
    return keystoneError(400, 'Bad Request', "Invalid input for field 'identity': 'identity' is a required property");
  }
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    return keystoneError(400, 'Bad Request', "Invalid input for field 'identity': 'methods' is a required property");
  }
  const users = ctx.opts.users;
  let user: ResolvedUser | undefined;
  let method: string;
  if (methods.includes('password')) {
    method = 'password';
    const pw = identity.password;
    if (!isPlainObject(pw) || !isPlainObject(pw.user)) {
      return keystoneError(
        400,
        'Bad Request',
        "Invalid input for field 'identity/password/user': 'user' is a required property",
      );
    }
    const u = pw.user;
    if (typeof u.password !== 'string') {
      return keystoneError(
        400,
        'Bad Request',
        "Invalid input for field 'identity/password/user': 'password' is a required property",
      );
    }
    if (typeof u.id === 'string') {
      user = users.find((x) => x.userId === u.id);
    } else if (typeof u.name === 'string') {
      if (!isPlainObject(u.domain)) {
        return keystoneError(
          400,
          'Bad Request',
          'Expecting to find domain in user. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
        );
      }
      user = users.find((x) => x.username === u.name && matchesDomain(u.domain, x.domain));
    } else {
      return keystoneError(400, 'Bad Request', 'Expecting to find id or name in user.');
    }
    if (!user || !safeEqual(user.password, u.password) || user.disabled) return keystoneUnauthorized(ctx);
  } else if (methods.includes('application_credential')) {
    method = 'application_credential';
    const ac = identity.application_credential;
    if (!isPlainObject(ac)) {
      return keystoneError(
        400,
        'Bad Request',
        "Invalid input for field 'identity': 'application_credential' is a required property",
      );
    }
    if (typeof ac.secret !== 'string') {
      return keystoneError(
        400,
        'Bad Request',
        "Invalid input for field 'identity/application_credential': 'secret' is a required property",
      );
    }
    if (typeof ac.id !== 'string' && typeof ac.name !== 'string') {
      return keystoneError(400, 'Bad Request', 'Expecting to find id or name in application_credential.');
    }
    user = users.find((x) => {
      if (!x.appCredential) return false;
      if (typeof ac.id === 'string') return x.appCredential.id === ac.id;
      // by name (+ user): the emulator's credentials are named like their id
      const uspec = ac.user;
      if (!isPlainObject(uspec)) return false;
      const userOk =
        (typeof uspec.id === 'string' && uspec.id === x.userId) ||
        (typeof uspec.name === 'string' && uspec.name === x.username && matchesDomain(uspec.domain, x.domain));
      return userOk && x.appCredential.id === ac.name;
    });
    if (!user || !user.appCredential || !safeEqual(user.appCredential.secret, ac.secret) || user.disabled) {
      return keystoneUnauthorized(ctx);
    }
  } else if (methods.includes('token')) {
    // Re-scoping with a token the user already has (clouds.yaml auth_type: token, OS_TOKEN).
    method = 'token';
    const spec = identity.token;
    if (!isPlainObject(spec) || typeof spec.id !== 'string') {
      return keystoneError(400, 'Bad Request', "Invalid input for field 'identity/token': 'id' is a required property");
    }
    const held = ctx.tokens.live(spec.id);
    user = held && held.kind === 'keystone' ? users.find((x) => x.userId === held.userId) : undefined;
    if (!user || user.disabled) return keystoneUnauthorized(ctx);
  } else {
    return keystoneError(401, 'Unauthorized', 'Attempted to authenticate with an unsupported method.', {
      'WWW-Authenticate': `Keystone uri="${ctx.keystoneV3Url}"`,
    });
  }

  // Scope
  let scoped = false;
  if (method === 'application_credential') {
    scoped = true; // app credentials are bound to their project
  } else if (auth.scope !== undefined) {
    const scope = auth.scope;
    if (!isPlainObject(scope) || !isPlainObject(scope.project)) return keystoneUnauthorized(ctx);
    const p = scope.project;
    let ok = false;
    if (typeof p.id === 'string') ok = p.id === user.tenantId;
    else if (typeof p.name === 'string') ok = p.name === user.project && matchesDomain(p.domain, user.domain);
    if (!ok) return keystoneUnauthorized(ctx);
    scoped = true;
  }

  const t = ctx.tokens.issue('keystone', user.userId, ctx.opts.tokenTtlSeconds, scoped, [method]);
  const domain = { id: domainId(user.domain), name: user.domain };
  const token: Record<string, unknown> = {
    methods: [method],
    user: { id: user.userId, name: user.username, domain, password_expires_at: null },
    audit_ids: [crypto.randomBytes(16).toString('base64url').slice(0, 22)],
    expires_at: keystoneTime(t.expiresAt),
    issued_at: keystoneTime(t.issuedAt),
  };
  if (scoped) {
    token.project = { id: user.tenantId, name: user.project, domain };
    token.is_domain = false;
    token.roles = [
      { id: idFor('role:member'), name: 'member' },
      { id: idFor('role:reader'), name: 'reader' },
    ];
    const interfaces = ['public', 'internal', 'admin'];
    // The internal and admin endpoints carry the project (`/v2.1/{project_id}`, as many clouds
    // list them), so a test can tell which interface a client used.
    const novaUrl = (iface: string) =>
      iface === 'public' ? ctx.computeUrl : `${ctx.computeUrl}/${encodeURIComponent(user.tenantId)}`;
    token.catalog = [
      {
        type: 'compute',
        name: 'nova',
        id: idFor('service:nova'),
        endpoints: ctx.opts.regions.flatMap((region) =>
          interfaces.map((iface) => ({
            id: idFor(`endpoint:nova:${region}:${iface}`),
            interface: iface,
            region,
            region_id: region,
            url: novaUrl(iface),
          })),
        ),
      },
      {
        type: 'identity',
        name: 'keystone',
        id: idFor('service:keystone'),
        endpoints: ctx.opts.regions.flatMap((region) =>
          interfaces.map((iface) => ({
            id: idFor(`endpoint:keystone:${region}:${iface}`),
            interface: iface,
            region,
            region_id: region,
            url: ctx.keystoneV3Url,
          })),
        ),
      },
    ];
    if (ctx.imageUrl) {
      const imageUrl = ctx.imageUrl;
      (token.catalog as unknown[]).push({
        type: 'image',
        name: 'glance',
        id: idFor('service:glance'),
        endpoints: ctx.opts.regions.flatMap((region) =>
          interfaces.map((iface) => ({
            id: idFor(`endpoint:glance:${region}:${iface}`),
            interface: iface,
            region,
            region_id: region,
            url: imageUrl,
          })),
        ),
      });
    }
    if (method === 'application_credential' && user.appCredential) {
      token.application_credential = { id: user.appCredential.id, name: user.appCredential.id, restricted: true };
    }
  }
  return jsonReply(201, { token }, { 'X-Subject-Token': t.id, Vary: 'X-Auth-Token' });
}
