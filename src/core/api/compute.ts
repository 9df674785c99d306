/**
 * Client of the Compute API's key pairs (`os-keypairs`): Rackspace Cloud Servers v2 and
 * OpenStack Nova v2.1 with microversions. No `vscode` import.
 */
import { compareVersions } from '../base/microversion';
import { ApiError, redactUrl } from './errors';
import { HttpClient, HttpResponse } from './http';
import { collectPages, PageLimits } from './paging';

/** Where tokens come from: a fixed API token, or a signed-in account that can renew it. */
export interface TokenSource {
  /**
   * The token to send. `rejected` is a token the server just refused (401): return a
   * different one if possible (re-authenticate), else throw.
   */
  token(options?: { rejected?: string; signal?: AbortSignal }): Promise<string>;
  /** True when a rejected token can be replaced without asking the user. */
  readonly canRenew: boolean;
}

export interface KeyPair {
  name: string;
  publicKey: string;
  fingerprint: string;
  /** 'ssh' or 'x509'; absent before microversion 2.2 */
  type?: string;
}

export interface KeyPairDetails extends KeyPair {
  createdAt?: string;
  userId?: string;
}

export interface CreatedKeyPair extends KeyPair {
  /** Present when the server generated the key (never logged, never kept). */
  privateKey?: string;
}

export interface KeyPairPage {
  keyPairs: KeyPair[];
  /** Marker for the next page; undefined on the last page. */
  next?: string;
}

/** What the API offers: `microversion` is what this client sends (undefined: none). */
export interface ApiVersion {
  /** The microversion this client speaks to it. */
  microversion?: string;
}

/** Highest microversion this client understands. 2.92: the server no longer generates keys. */
export const CLIENT_MAX_MICROVERSION = '2.92';
/** First microversion with `limit`/`marker` on GET /os-keypairs. */
const PAGINATION_MICROVERSION = '2.35';

export interface ComputeClientOptions {
  /** The Compute endpoint, e.g. https://dfw.servers.api.rackspacecloud.com/v2/123456 */
  endpoint: string;
  auth: TokenSource;
  http: HttpClient;
  /** Skip discovery and use this microversion ('' = none, as Rackspace). */
  microversion?: string;
}

export class ComputeClient {
  readonly endpoint: string;
  private versionPromise?: Promise<ApiVersion>;

  constructor(private readonly options: ComputeClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    if (options.microversion !== undefined) {
      const mv = options.microversion || undefined;
      this.versionPromise = Promise.resolve({ microversion: mv });
    }
  }

  /**
   * Learns the server's microversion range from the versioned root (e.g. GET /v2.1) and
   * picks the highest both sides speak. Rackspace and old clouds answer without one.
   * Asked once per client; any failure but a cancel means "no microversions".
   */
  version(signal?: AbortSignal): Promise<ApiVersion> {
    this.versionPromise ??= this.discover(signal).catch((err) => {
      this.versionPromise = undefined;
      throw err;
    });
    return this.versionPromise;
  }

  /** One page of key pairs (all of them where the server has no pagination). */
  async listPage(options: { limit?: number; marker?: string; signal?: AbortSignal } = {}): Promise<KeyPairPage> {
    const v = await this.version(options.signal);
    const paged = v.microversion !== undefined && compareVersions(v.microversion, PAGINATION_MICROVERSION) >= 0;
    const query = new URLSearchParams();
    if (paged && options.limit) query.set('limit', String(options.limit));
    if (paged && options.marker) query.set('marker', options.marker);
    const qs = query.size ? `?${query.toString()}` : '';
    const res = await this.send({ method: 'GET', path: `/os-keypairs${qs}`, signal: options.signal });
    const body = res.body as { keypairs?: unknown; keypairs_links?: unknown } | undefined;
    if (!body || !Array.isArray(body.keypairs)) throw this.badResponse('GET', '/os-keypairs', 'keypairs');
    const keyPairs = body.keypairs.map((entry) =>
      this.keyPairFrom((entry as { keypair?: unknown })?.keypair, 'GET', '/os-keypairs'),
    );
    const hasNext =
      paged &&
      Array.isArray(body.keypairs_links) &&
      body.keypairs_links.some((l) => (l as { rel?: unknown })?.rel === 'next');
    const next = hasNext && keyPairs.length > 0 ? keyPairs.at(-1)?.name : undefined;
    return { keyPairs, next };
  }

  /** Every key pair, following pages; a server that ignores the marker or never ends gets a PagingError. */
  async listAll(options: { pageSize?: number; signal?: AbortSignal; limits?: PageLimits } = {}): Promise<KeyPair[]> {
    return collectPages({
      fetchPage: async (marker) => {
        const page = await this.listPage({ limit: options.pageSize ?? 1000, marker, signal: options.signal });
        return { items: page.keyPairs, next: page.next };
      },
      keyOf: (kp) => kp.name,
      request: { method: 'GET', url: redactUrl(`${this.endpoint}/os-keypairs`) },
      limits: options.limits,
    });
  }

  /** The named key pair, or undefined when the server says it does not exist. */
  async get(name: string, signal?: AbortSignal): Promise<KeyPairDetails | undefined> {
    const path = itemPath(name);
    try {
      const res = await this.send({ method: 'GET', path, signal, item: true });
      const kp = (res.body as { keypair?: Record<string, unknown> } | undefined)?.keypair;
      const base = this.keyPairFrom(kp, 'GET', path);
      return {
        ...base,
        createdAt: typeof kp?.created_at === 'string' ? kp.created_at : undefined,
        userId: typeof kp?.user_id === 'string' ? kp.user_id : undefined,
      };
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  /**
   * Creates a key pair. Without `publicKey` the server generates it and the answer holds
   * the private key (which the caller must save: it is never shown again).
   */
  async create(name: string, options: { publicKey?: string; signal?: AbortSignal } = {}): Promise<CreatedKeyPair> {
    const keypair: Record<string, string> = { name };
    if (options.publicKey !== undefined) keypair.public_key = options.publicKey;
    const res = await this.send({ method: 'POST', path: '/os-keypairs', json: { keypair }, signal: options.signal });
    const kp = (res.body as { keypair?: Record<string, unknown> } | undefined)?.keypair;
    const created = this.keyPairFrom(kp, 'POST', '/os-keypairs');
    if (options.publicKey === undefined) {
      if (typeof kp?.private_key !== 'string' || kp.private_key === '') {
        throw this.badResponse('POST', '/os-keypairs', 'private_key', true);
      }
      return { ...created, privateKey: kp.private_key };
    }
    return created;
  }

  /**
   * Deletes a key pair. Returns false when it was already gone (404). When the answer is
   * lost or broken after the request left (timeout, reset, 5xx), looks again: a pair that
   * is gone now was deleted, which is what the caller asked for.
   */
  async delete(name: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.send({ method: 'DELETE', path: itemPath(name), signal, item: true });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'not-found') return false;
      if (err instanceof ApiError && err.ambiguous && err.kind !== 'cancelled') {
        const now = await this.get(name, signal).catch(() => null);
        if (now === undefined) return true;
      }
      throw err;
    }
  }

  /**
   * GET of another resource (servers, images) with the token, one 401 renewal and retries.
   * `path` is under the endpoint, or `url` is absolute (another service of the same catalog).
   * `microversion`: this one instead of the negotiated one ('' = none).
   */
  async getJson(
    path: string,
    options: { signal?: AbortSignal; microversion?: string; url?: string; item?: boolean } = {},
  ): Promise<unknown> {
    const res = await this.send({ method: 'GET', path, ...options });
    return res.body;
  }

  /**
   * POST of a JSON body to another resource (a server action), with the token and one 401
   * renewal; never retried (POST). Same `path`/`options` as {@link getJson}.
   */
  async postJson(
    path: string,
    json: unknown,
    options: { signal?: AbortSignal; microversion?: string; item?: boolean } = {},
  ): Promise<unknown> {
    const res = await this.send({ method: 'POST', path, json, ...options });
    return res.body;
  }

  private async discover(signal?: AbortSignal): Promise<ApiVersion> {
    const root = versionedRoot(this.endpoint);
    let res: HttpResponse;
    try {
      // The version document is public: no token is sent for it.
      res = await this.options.http.request({ method: 'GET', url: root, signal });
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'cancelled') throw err;
      return {};
    }
    const v = (res.body as { version?: { version?: unknown; min_version?: unknown } } | undefined)?.version;
    const max = typeof v?.version === 'string' && /^\d+\.\d+$/.test(v.version) ? v.version : undefined;
    if (!max) return {};
    const microversion = compareVersions(max, CLIENT_MAX_MICROVERSION) < 0 ? max : CLIENT_MAX_MICROVERSION;
    return { microversion };
  }

  /** Sends a call with token and microversion; a 401 gets one renewal and one retry. */
  private async send(call: {
    method: 'GET' | 'POST' | 'DELETE';
    path: string;
    json?: unknown;
    signal?: AbortSignal;
    item?: boolean;
    microversion?: string;
    url?: string;
  }): Promise<HttpResponse> {
    const { auth, http } = this.options;
    const negotiated = await this.version(call.signal);
    const v = call.microversion === undefined ? negotiated : { microversion: call.microversion || undefined };
    let token = await auth.token({ signal: call.signal });
    for (let renewed = false; ; renewed = true) {
      const headers: Record<string, string> = { 'x-auth-token': token };
      if (v.microversion) headers['openstack-api-version'] = `compute ${v.microversion}`;
      try {
        const { microversion: _mv, url, ...request } = call;
        return await http.request({ ...request, url: url ?? this.endpoint + call.path, headers });
      } catch (err) {
        const rejected = err instanceof ApiError && err.kind === 'unauthorized';
        if (!rejected || renewed || !auth.canRenew) throw err;
        token = await auth.token({ signal: call.signal, rejected: token });
      }
    }
  }

  private keyPairFrom(kp: unknown, method: string, path: string): KeyPair {
    const o = (kp ?? {}) as Record<string, unknown>;
    const text = (field: string): string => {
      const value = o[field];
      if (typeof value !== 'string') throw this.badResponse(method, path, field, method === 'POST');
      return value;
    };
    const [name, publicKey, fingerprint] = [text('name'), text('public_key'), text('fingerprint')];
    return { name, publicKey, fingerprint, type: typeof o.type === 'string' ? o.type : undefined };
  }

  private badResponse(method: string, path: string, field: string, ambiguous = false): ApiError {
    return new ApiError({
      kind: 'bad-response',
      method,
      url: this.endpoint + path,
      code: `missing ${field}`,
      ambiguous,
    });
  }
}

function itemPath(name: string): string {
  return `/os-keypairs/${encodeURIComponent(name)}`;
}

/** `https://x/v2.1/abc` → `https://x/v2.1`; `https://x/v2/123` → `https://x/v2`. */
export function versionedRoot(endpoint: string): string {
  const u = new URL(endpoint);
  const m = /^(.*?\/v\d+(?:\.\d+)?)(?:\/|$)/.exec(u.pathname);
  u.pathname = m?.[1] ?? u.pathname;
  u.search = '';
  return u.toString().replace(/\/+$/, '');
}
