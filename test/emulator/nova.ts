// Nova Compute `os-keypairs` (plus version documents and /limits), Nova-style (`/v2.1`,
// microversions) and Rackspace-style (`[/{region}]/v2/{tenant}`, no microversions).
import {
  Reply,
  RequestInfo,
  ResolvedOptions,
  ResolvedUser,
  emptyReply,
  faultReply,
  header,
  isPlainObject,
  jsonReply,
  notFoundRoute,
  novaTimestamp,
  pyRepr,
  pyStr,
  requestId,
} from './common';
import { generateRsaKeyPair, parseOpenSshPublicKey } from './sshkeys';
import { must } from '../support/must';
import { KeyPairStore, NOVA_SCOPE, StoredKeyPair, TokenStore, findUserById, staticUser } from './state';

export const MIN_MICROVERSION = '2.1';

export interface ComputeContext {
  opts: ResolvedOptions;
  store: KeyPairStore;
  tokens: TokenStore;
  /** `Keystone uri="…"` value of WWW-Authenticate. */
  keystoneUri: string;
}

export type Version = [number, number];

export function parseVersion(s: string): Version | undefined {
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(s.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2])];
}

export function cmpVersion(a: Version, b: Version): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

function atLeast(v: Version, s: string): boolean {
  return cmpVersion(v, parseVersion(s)!) >= 0;
}

function fmtVersion(v: Version): string {
  return `${v[0]}.${v[1]}`;
}

export function maxVersion(opts: ResolvedOptions): Version {
  return parseVersion(opts.maxMicroversion) ?? [2, 93];
}

// ---------------------------------------------------------------------------------------------
// Routing

export interface ComputeRoute {
  style: 'nova' | 'rax';
  /** Path segments after the API root (`/v2.1`, `/v2/{tenant}`), project segment removed. */
  segments: string[];
  /** Project/tenant from the URL, if any. */
  tenant?: string;
  /** Rackspace region (canonical case from options), or undefined for the default-region URL. */
  region?: string;
  /** Root used for links, e.g. http://h:p/v2.1 or http://h:p/v2.1/{project}. */
  linkRoot: string;
  versionDoc: boolean;
}

function decodeSegments(rest: string): string[] | undefined {
  if (rest === '') return [];
  const raw = rest.split('/');
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

const COMPUTE_RESOURCES = new Set(['os-keypairs', 'limits', 'servers', 'images']);

export function matchComputeRoute(path: string, opts: ResolvedOptions, baseUrl: string): ComputeRoute | undefined {
  if (path === '/v2.1' || path === '/v2.1/') {
    return { style: 'nova', segments: [], linkRoot: `${baseUrl}/v2.1`, versionDoc: true };
  }
  if (path.startsWith('/v2.1/')) {
    let segs = decodeSegments(path.slice('/v2.1/'.length));
    if (!segs) return { style: 'nova', segments: ['\u0000invalid'], linkRoot: `${baseUrl}/v2.1`, versionDoc: false };
    let tenant: string | undefined;
    let linkRoot = `${baseUrl}/v2.1`;
    const first = segs[0];
    if (segs.length >= 2 && first !== undefined && !COMPUTE_RESOURCES.has(first)) {
      tenant = first;
      linkRoot += '/' + encodeURIComponent(tenant);
      segs = segs.slice(1);
    }
    return { style: 'nova', segments: segs, tenant, linkRoot, versionDoc: false };
  }
  const m = /^(?:\/([^/]+))?\/v2\/([^/]+)(?:\/(.*))?$/.exec(path);
  if (m) {
    let region: string | undefined;
    const regionPart = m[1];
    if (regionPart !== undefined) {
      region = opts.regions.find((r) => r.toLowerCase() === regionPart.toLowerCase());
      if (!region) return undefined;
    }
    let tenant: string;
    try {
      tenant = decodeURIComponent(must(m[2], 'the tenant of /v2/{tenant}'));
    } catch {
      return undefined;
    }
    const segs = decodeSegments(m[3] ?? '');
    const root = `${baseUrl}${m[1] !== undefined ? '/' + m[1] : ''}/v2/${m[2]}`;
    return { style: 'rax', segments: segs ?? ['\u0000invalid'], tenant, region, linkRoot: root, versionDoc: false };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Version documents

export function versionsDocument(opts: ResolvedOptions, baseUrl: string): Reply {
  return jsonReply(200, {
    versions: [
      {
        id: 'v2.0',
        status: 'SUPPORTED',
        version: '',
        min_version: '',
        updated: '2011-01-21T11:33:21Z',
        links: [{ rel: 'self', href: `${baseUrl}/v2/` }],
      },
      {
        id: 'v2.1',
        status: 'CURRENT',
        version: fmtVersion(maxVersion(opts)),
        min_version: MIN_MICROVERSION,
        updated: '2013-07-23T11:33:21Z',
        links: [{ rel: 'self', href: `${baseUrl}/v2.1/` }],
      },
    ],
  });
}

function v21Document(opts: ResolvedOptions, baseUrl: string): Reply {
  return jsonReply(200, {
    version: {
      id: 'v2.1',
      status: 'CURRENT',
      version: fmtVersion(maxVersion(opts)),
      min_version: MIN_MICROVERSION,
      updated: '2013-07-23T11:33:21Z',
      links: [
        { rel: 'self', href: `${baseUrl}/v2.1/` },
        { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
      ],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Microversion negotiation

type VersionResult = { ok: true; version: Version } | { ok: false; reply: Reply };

export function negotiateVersion(info: RequestInfo, opts: ResolvedOptions): VersionResult {
  const max = maxVersion(opts);
  const min = parseVersion(MIN_MICROVERSION)!;
  let requested: string | undefined;
  const modern = header(info.headers, 'openstack-api-version');
  if (modern !== undefined) {
    for (const part of modern.split(',')) {
      const bits = part.trim().split(/\s+/);
      if (bits.length >= 2 && bits[0]?.toLowerCase() === 'compute') {
        requested = bits.slice(1).join(' ');
        break;
      }
    }
  }
  if (requested === undefined) {
    const legacy = header(info.headers, 'x-openstack-nova-api-version');
    if (legacy !== undefined) requested = legacy.trim();
  }
  if (requested === undefined) return { ok: true, version: min };
  if (requested.toLowerCase() === 'latest') return { ok: true, version: max };
  const v = parseVersion(requested);
  if (!v) {
    return {
      ok: false,
      reply: faultReply(
        400,
        `API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`,
      ),
    };
  }
  if (cmpVersion(v, min) < 0 || cmpVersion(v, max) > 0) {
    return {
      ok: false,
      reply: faultReply(
        406,
        `Version ${requested} is not supported by the API. Minimum is ${MIN_MICROVERSION} and maximum is ${fmtVersion(max)}.`,
      ),
    };
  }
  return { ok: true, version: v };
}

export function versionHeaders(v: Version): Record<string, string> {
  return {
    'OpenStack-API-Version': `compute ${fmtVersion(v)}`,
    'X-OpenStack-Nova-API-Version': fmtVersion(v),
    Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  };
}

// ---------------------------------------------------------------------------------------------
// Authentication

type AuthResult = { ok: true; user: ResolvedUser; staticToken: boolean } | { ok: false; reply: Reply };

export function authenticate(ctx: ComputeContext, info: RequestInfo, route: ComputeRoute): AuthResult {
  const unauthorized = (): AuthResult => {
    if (route.style === 'nova') {
      return {
        ok: false,
        reply: jsonReply(
          401,
          {
            error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
          },
          { 'WWW-Authenticate': `Keystone uri="${ctx.keystoneUri}"` },
        ),
      };
    }
    return {
      ok: false,
      reply: faultReply(401, "No valid token provided. Please use the 'X-Auth-Token' header with a valid token."),
    };
  };
  const token = header(info.headers, 'x-auth-token')?.trim();
  if (!token) return unauthorized();
  if (ctx.opts.tokens.includes(token)) return { ok: true, user: staticUser(ctx.opts), staticToken: true };
  const issued = ctx.tokens.live(token);
  if (!issued || !issued.scoped) return unauthorized();
  const user = findUserById(ctx.opts, issued.userId);
  if (!user || user.disabled) return unauthorized();
  if (route.style === 'rax' && route.tenant !== undefined && route.tenant !== user.tenantId) {
    return {
      ok: false,
      reply: faultReply(401, `Token doesn't belong to Tenant with Id/Name: '${route.tenant}'`),
    };
  }
  return { ok: true, user, staticToken: false };
}

// ---------------------------------------------------------------------------------------------
// Create validation (jsonschema-like, messages as Nova prints them)

const SAFE_CHARS_20 = '_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SAFE_CHARS_292 = '@._- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function invalidField(path: string, value: unknown, message: string): string {
  return `Invalid input for field/attribute ${path}. Value: ${pyStr(value)}. ${message}`;
}

/** Python's str.isspace()/"printable without leading/trailing whitespace" check, simplified. */
function hasOuterWhitespace(name: string): boolean {
  return /^\s|\s$/u.test(name);
}

function nameError(name: unknown, v: Version | undefined): string | undefined {
  if (typeof name !== 'string') return invalidField('name', name, `${pyRepr(name)} is not of type 'string'`);
  const len = [...name].length;
  if (len < 1) return invalidField('name', name, `${pyRepr(name)} is too short`);
  if (len > 255) return invalidField('name', name, `${pyRepr(name)} is too long`);
  if (hasOuterWhitespace(name) || /[\p{Cc}]/u.test(name)) {
    return "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";
  }
  const safe = v && atLeast(v, '2.92') ? SAFE_CHARS_292 : SAFE_CHARS_20;
  for (const ch of name) {
    if (!safe.includes(ch)) {
      return `An invalid 'name' value was provided. The name must be: Only expected characters: [${safe}]`;
    }
  }
  return undefined;
}

interface CreateRequest {
  name: string;
  publicKey?: string;
  type: string;
  userId?: string;
}

function validateCreate(body: unknown, v: Version): { ok: true; req: CreateRequest } | { ok: false; message: string } {
  const bad = (message: string) => ({ ok: false as const, message });
  if (!isPlainObject(body)) return bad(`${pyRepr(body)} is not of type 'object'`);
  if ('keypair' in body) {
    const kp = body.keypair;
    if (!isPlainObject(kp)) return bad(invalidField('keypair', kp, `${pyRepr(kp)} is not of type 'object'`));
    const allowed = ['name', 'public_key'];
    if (atLeast(v, '2.2')) allowed.push('type');
    if (atLeast(v, '2.10')) allowed.push('user_id');
    if ('name' in kp) {
      const e = nameError(kp.name, v);
      if (e) return bad(e);
    }
    if ('public_key' in kp && typeof kp.public_key !== 'string') {
      return bad(invalidField('public_key', kp.public_key, `${pyRepr(kp.public_key)} is not of type 'string'`));
    }
    if (atLeast(v, '2.2') && 'type' in kp && kp.type !== 'ssh' && kp.type !== 'x509') {
      return bad(invalidField('type', kp.type, `${pyRepr(kp.type)} is not one of ['ssh', 'x509']`));
    }
    if (atLeast(v, '2.10') && 'user_id' in kp && typeof kp.user_id !== 'string') {
      return bad(invalidField('user_id', kp.user_id, `${pyRepr(kp.user_id)} is not of type 'string'`));
    }
    const required = atLeast(v, '2.92') ? ['name', 'public_key'] : ['name'];
    for (const r of required) {
      if (!(r in kp)) return bad(invalidField('keypair', kp, `${pyRepr(r)} is a required property`));
    }
    const extra = Object.keys(kp).filter((k) => !allowed.includes(k));
    if (extra.length > 0) {
      const list = extra.map(pyRepr).join(', ');
      return bad(
        invalidField(
          'keypair',
          kp,
          `Additional properties are not allowed (${list} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
        ),
      );
    }
  } else {
    return bad(`'keypair' is a required property`);
  }
  const extraTop = Object.keys(body).filter((k) => k !== 'keypair');
  if (extraTop.length > 0) {
    const list = extraTop.map(pyRepr).join(', ');
    return bad(`Additional properties are not allowed (${list} ${extraTop.length === 1 ? 'was' : 'were'} unexpected)`);
  }
  const kp = body.keypair as Record<string, unknown>;
  return {
    ok: true,
    req: {
      name: kp.name as string,
      publicKey: kp.public_key as string | undefined,
      type: typeof kp.type === 'string' ? kp.type : 'ssh',
      userId: kp.user_id as string | undefined,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers

interface Call {
  ctx: ComputeContext;
  info: RequestInfo;
  route: ComputeRoute;
  version: Version; // 2.1 for Rackspace-style
  user: ResolvedUser;
  scope: string;
  extraHeaders: Record<string, string>;
}

function withHeaders(r: Reply, h: Record<string, string>): Reply {
  r.headers = { ...r.headers, ...h };
  return r;
}

/** The stored pair the server finds for `name` (ignoring case where its database does). */
function findKeypair(call: Call, name: string): StoredKeyPair | undefined {
  return call.ctx.store.lookup(call.user.userId, call.scope, name, call.ctx.opts.caseInsensitiveNames);
}

function notFoundKeypair(call: Call, name: string): Reply {
  return faultReply(404, `Keypair ${name} not found for user ${call.user.userId}`);
}

function policyForbidden(action: string): Reply {
  return faultReply(403, `Policy doesn't allow os_compute_api:os-keypairs:${action} to be performed.`);
}

function checkQueryUserId(call: Call, action: string): Reply | undefined {
  if (call.route.style !== 'nova' || !atLeast(call.version, '2.10')) return undefined;
  const uid = call.info.query.get('user_id');
  if (uid !== null && uid !== call.user.userId) return policyForbidden(action);
  return undefined;
}

function listView(call: Call, kp: StoredKeyPair): Record<string, unknown> {
  const o: Record<string, unknown> = { name: kp.name, public_key: kp.public_key, fingerprint: kp.fingerprint };
  if (atLeast(call.version, '2.2')) o.type = kp.type;
  return o;
}

function listKeypairs(call: Call): Reply {
  const forbidden = checkQueryUserId(call, 'index');
  if (forbidden) return forbidden;
  const all = call.ctx.store.list(call.user.userId, call.scope);
  if (call.route.style === 'nova' && atLeast(call.version, '2.35')) {
    const q = call.info.query;
    const limits = q.getAll('limit');
    const markers = q.getAll('marker');
    let limit = 1000; // Nova's [api] max_limit
    const raw = limits.at(-1);
    if (raw !== undefined) {
      if (!/^[0-9]+$/.test(raw)) {
        return faultReply(
          400,
          `Invalid input for query parameters limit. Value: ${raw}. '${raw}' does not match '^[0-9]*$'`,
        );
      }
      limit = Math.min(limit, Number(raw));
    }
    let start = 0;
    const marker = markers.at(-1);
    if (marker !== undefined) {
      // binary search in the name-sorted list
      let lo = 0;
      let hi = all.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const n = must(all[mid], `pair ${mid} of ${all.length}`).name;
        if (n === marker) {
          found = mid;
          break;
        }
        if (n < marker) lo = mid + 1;
        else hi = mid - 1;
      }
      if (found < 0) return faultReply(400, `Marker ${marker} could not be found.`);
      start = found + 1;
    }
    const page = limit === 0 ? [] : all.slice(start, start + limit);
    const out: Record<string, unknown> = { keypairs: page.map((kp) => ({ keypair: listView(call, kp) })) };
    if (limit > 0 && page.length === limit) {
      const params = new URLSearchParams(q);
      params.set('marker', must(page.at(-1), 'the last pair of a full page').name);
      out.keypairs_links = [{ rel: 'next', href: `${call.route.linkRoot}/os-keypairs?${params.toString()}` }];
    }
    return jsonReply(200, out);
  }
  return jsonReply(200, { keypairs: all.map((kp) => ({ keypair: listView(call, kp) })) });
}

function showKeypair(call: Call, name: string): Reply {
  const forbidden = checkQueryUserId(call, 'show');
  if (forbidden) return forbidden;
  const kp = findKeypair(call, name);
  if (!kp) return notFoundKeypair(call, name);
  const o: Record<string, unknown> = {
    public_key: kp.public_key,
    name: kp.name,
    fingerprint: kp.fingerprint,
    user_id: kp.user_id,
    created_at: kp.created_at,
    deleted: false,
    deleted_at: null,
    id: kp.id,
    updated_at: null,
  };
  if (atLeast(call.version, '2.2')) o.type = kp.type;
  return jsonReply(200, { keypair: o });
}

function deleteKeypair(call: Call, name: string): Reply {
  const forbidden = checkQueryUserId(call, 'delete');
  if (forbidden) return forbidden;
  const { store } = call.ctx;
  const uid = call.user.userId;
  const found = findKeypair(call, name);
  if (!found) return notFoundKeypair(call, name);
  const status = call.route.style === 'nova' && atLeast(call.version, '2.2') ? 204 : 202;
  const reply = emptyReply(status);
  reply.commit = () => {
    store.delete(uid, call.scope, found.name);
  };
  return reply;
}

async function createKeypair(call: Call): Promise<Reply> {
  const { info, ctx } = call;
  let parsed: unknown = null;
  if (info.body.length > 0) {
    try {
      parsed = JSON.parse(info.body);
    } catch {
      return faultReply(400, 'Malformed request body');
    }
  }
  const v = validateCreate(parsed, call.version);
  if (!v.ok) return faultReply(400, v.message);
  const req = v.req;
  if (req.userId !== undefined && req.userId !== call.user.userId) return policyForbidden('create');
  if (req.type === 'x509') {
    return faultReply(400, "Keypair type 'x509' is not supported by emulator");
  }
  const { store } = ctx;
  const uid = call.user.userId;
  const quotaReply = () => faultReply(403, 'Quota exceeded, too many key pairs.');
  const dupReply = () => faultReply(409, `Key pair '${req.name}' already exists.`);
  if (store.count(uid, call.scope) >= ctx.opts.quota) return quotaReply();

  let publicKey: string;
  let fingerprint: string;
  let privateKey: string | undefined;
  if (req.publicKey !== undefined) {
    const pk = parseOpenSshPublicKey(req.publicKey);
    const refused = ctx.opts.refuseKeyTypes.includes(req.publicKey.trim().split(/\s+/)[0] ?? '');
    if (!pk || refused) return faultReply(400, 'Keypair data is invalid: failed to generate fingerprint');
    publicKey = req.publicKey;
    fingerprint = pk.fingerprint;
  } else {
    if (findKeypair(call, req.name)) return dupReply();
    const gen = await generateRsaKeyPair();
    publicKey = gen.publicKey;
    fingerprint = gen.fingerprint;
    privateKey = gen.privateKey;
  }
  if (findKeypair(call, req.name)) return dupReply();

  const body: Record<string, unknown> = { name: req.name, public_key: publicKey, fingerprint, user_id: uid };
  if (privateKey !== undefined) body.private_key = privateKey;
  const novaStyle = call.route.style === 'nova';
  if (novaStyle && atLeast(call.version, '2.2')) body.type = req.type;
  const status = novaStyle && atLeast(call.version, '2.2') ? 201 : 200;
  const reply = jsonReply(status, { keypair: body });
  reply.commit = () => {
    // Re-check: another request may have won the race while the key was generated.
    if (store.count(uid, call.scope) >= ctx.opts.quota) return withHeaders(quotaReply(), call.extraHeaders);
    if (findKeypair(call, req.name)) return withHeaders(dupReply(), call.extraHeaders);
    store.add({
      name: req.name,
      public_key: publicKey,
      fingerprint,
      type: req.type,
      created_at: novaTimestamp(),
      user_id: uid,
      scope: call.scope,
    });
    return undefined;
  };
  return reply;
}

function limitsReply(call: Call): Reply {
  return jsonReply(200, {
    limits: {
      rate: [],
      absolute: {
        maxTotalKeypairs: call.ctx.opts.quota,
        maxServerMeta: 128,
        maxTotalInstances: 10,
        maxTotalCores: 20,
        maxTotalRAMSize: 51200,
        maxServerGroups: 10,
        maxServerGroupMembers: 10,
        totalInstancesUsed: 0,
        totalCoresUsed: 0,
        totalRAMUsed: 0,
        totalServerGroupsUsed: 0,
      },
    },
  });
}

const SUPPORTED_CONTENT_TYPES = ['application/json', 'application/vnd.openstack.compute+json'];

/** Handles a request already matched to a compute route. */
export async function handleCompute(ctx: ComputeContext, info: RequestInfo, route: ComputeRoute): Promise<Reply> {
  const baseHeaders: Record<string, string> = {};
  const reqId = requestId();
  baseHeaders['X-Compute-Request-Id'] = reqId;
  baseHeaders['X-OpenStack-Request-Id'] = reqId;

  if (route.versionDoc) {
    if (info.method !== 'GET') return withHeaders(notFoundRoute(info), baseHeaders);
    const nv = negotiateVersion(info, ctx.opts);
    if (!nv.ok) return withHeaders(nv.reply, baseHeaders);
    return withHeaders(v21Document(ctx.opts, info.baseUrl), { ...baseHeaders, ...versionHeaders(nv.version) });
  }

  const auth = authenticate(ctx, info, route);
  if (!auth.ok) return withHeaders(auth.reply, baseHeaders);

  const segs = route.segments;
  type Op = 'list' | 'create' | 'show' | 'delete' | 'limits';
  let op: Op | undefined;
  if (segs.length === 1 && segs[0] === 'os-keypairs') {
    if (info.method === 'GET') op = 'list';
    else if (info.method === 'POST') op = 'create';
  } else if (segs.length === 2 && segs[0] === 'os-keypairs' && segs[1] !== '') {
    if (info.method === 'GET') op = 'show';
    else if (info.method === 'DELETE') op = 'delete';
  } else if (segs.length === 1 && segs[0] === 'limits' && info.method === 'GET') {
    op = 'limits';
  }
  if (!op) return withHeaders(notFoundRoute(info), baseHeaders);

  let version: Version = [2, 1];
  let extra = baseHeaders;
  if (route.style === 'nova') {
    const nv = negotiateVersion(info, ctx.opts);
    if (!nv.ok) return withHeaders(nv.reply, baseHeaders);
    version = nv.version;
    extra = { ...baseHeaders, ...versionHeaders(version) };
  }

  const ct = header(info.headers, 'content-type');
  if (ct !== undefined) {
    const base = ct.replace(/;.*$/s, '').trim().toLowerCase();
    if (base !== '' && base !== 'text/plain' && !SUPPORTED_CONTENT_TYPES.includes(base)) {
      return withHeaders(faultReply(415, 'Unsupported Content-Type'), extra);
    }
  }

  const scope = route.style === 'nova' ? NOVA_SCOPE : (route.region ?? auth.user.defaultRegion);
  const call: Call = { ctx, info, route, version, user: auth.user, scope, extraHeaders: extra };
  let reply: Reply;
  switch (op) {
    case 'list':
      reply = listKeypairs(call);
      break;
    case 'create':
      reply = await createKeypair(call);
      break;
    case 'show':
      reply = showKeypair(call, must(segs[1], 'the key pair name'));
      break;
    case 'delete':
      reply = deleteKeypair(call, must(segs[1], 'the key pair name'));
      break;
    case 'limits':
      reply = limitsReply(call);
      break;
  }
  return withHeaders(reply, extra);
}
