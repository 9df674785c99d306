/**
 * JSON over HTTP with undici: one shared keep-alive dispatcher, connect/header/body
 * timeouts, a cap on answer size, typed errors, a log line per request and bounded
 * retries of idempotent calls. No `vscode` import: this runs in plain Node tests too.
 *
 * Two ways out (see `networkRoute`): through `fetch` given by the shell (in VS Code, the
 * extension host's global fetch, which VS Code patches: it resolves the proxy, answers its
 * authentication and adds the OS certificates), with this client's undici Agent as the
 * dispatcher; or through undici's own request API on this client's proxy-aware dispatcher.
 */
import type { Dispatcher } from 'undici';
import { requestSecrets } from '../base/redactRequest';
import { ApiError, redactUrl } from './errors';
import { proxyAnswer, statusError, transportError } from './httpErrors';
import { CertificateSource, trustedCertificates } from './trust';

export interface HttpClientOptions {
  /** ms to establish a connection (TCP + TLS). Default 10 000. */
  connectTimeoutMs?: number;
  /** ms from sending the request to the answer's headers. Default 30 000. */
  headersTimeoutMs?: number;
  /** ms of silence allowed while reading the answer's body. Default 30 000. */
  bodyTimeoutMs?: number;
  /**
   * ms for a whole call: connect, headers and the complete body, over all its attempts and
   * retry waits. Idle timeouts alone let a server that trickles a byte at a time hold a call
   * for ever. Default 60 000.
   */
  deadlineMs?: number;
  /** Largest answer body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Attempts after the first for GET/DELETE on 429/503/connection loss. Default 2. */
  retries?: number;
  /** Base of the exponential backoff, ms. Default 500. The wait is capped at 8 s. */
  retryBaseMs?: number;
  /** Receives one line per request: method, redacted URL, status or failure, ms. */
  log?: (line: string) => void;
  /**
   * Proxy to use (from VS Code's `http.proxy`), with its bypass settings. User info in its URL
   * (`http://user:pass@host:port`, percent-encoded) is sent to the proxy as Basic credentials.
   */
  proxy?: ProxySettings;
  /**
   * The `Proxy-Authorization` header value for the proxy (VS Code's `http.proxyAuthorization`),
   * sent instead of the proxy URL's user info. A credential: never logged.
   */
  proxyAuthorization?: string;
  /**
   * Verify the certificate of an `https://` proxy (VS Code's `http.proxyStrictSSL`, whose
   * description is "whether the proxy server certificate should be verified"). The server's
   * certificate is always verified. Default true.
   */
  strictSSL?: boolean;
  /** More trusted CA certificates, PEM text (e.g. read from files a setting names). */
  caCertificates?: string[];
  /** The signed-in cloud's own CA bundle (clouds.yaml `cacert`), named apart in a 'tls' error. */
  cloudCertificates?: { path: string; pem: string };
  /** Trust the OS certificate store too (see trust.ts). Default true. */
  systemCertificates?: boolean;
  /**
   * Asked before credentials or a token go over plain `http://` to a host that is not loopback
   * (`origin` e.g. `http://10.0.0.5:5000`). Without it, or when it answers false, such a call
   * fails with ApiError 'insecure-transport' and nothing is sent.
   */
  confirmPlainHttp?: (origin: string) => Promise<boolean>;
  /** Dispatcher to use instead of the client's own (tests). */
  dispatcher?: Dispatcher;
  /**
   * Send through this fetch (VS Code's, see the top of this file) instead of undici's request
   * API. The client's dispatcher is then a plain keep-alive Agent (VS Code reads its `ca`, given
   * only when `caCertificates` are, and swaps in its own agent for a proxy or for the OS
   * certificates), and `proxy` and `proxyAuthorization` are left to VS Code.
   */
  fetch?: FetchLike;
}

/** The global fetch's signature, as far as the client uses it. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    redirect: 'manual';
    dispatcher: Dispatcher;
  },
) => Promise<{
  status: number;
  headers: { forEach(cb: (value: string, name: string) => void): void };
  body: AsyncIterable<Uint8Array> | null;
}>;

/** An answer as both ways out give it: status, headers and a body read by readBody. */
interface RawResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
  /** Stops reading (the body was too large). */
  discard(): void;
}

export interface ProxySettings {
  url: string;
  /** Hosts reached directly: `host`, `.suffix`, `*.suffix`, optionally `:port` (NO_PROXY syntax). */
  noProxy?: string[];
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  signal?: AbortSignal;
  /** This call's deadline instead of the client's `deadlineMs`. */
  deadlineMs?: number;
  /** The URL names one item: a 404 with Nova's `itemNotFound` body is 'not-found'. */
  item?: boolean;
  /** Non-2xx statuses answered as an HttpResponse instead of thrown (e.g. 401, to read its headers). */
  passStatuses?: number[];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

const MiB = 1024 * 1024;
type Optional =
  | 'log'
  | 'proxy'
  | 'proxyAuthorization'
  | 'dispatcher'
  | 'confirmPlainHttp'
  | 'caCertificates'
  | 'cloudCertificates'
  | 'fetch';

export class HttpClient {
  private dispatcherPromise?: Promise<Dispatcher>;
  /** The certificates the dispatcher trusts, once it exists (named in 'tls' errors). */
  private certificateSources?: CertificateSource[];
  private readonly opts: Required<Omit<HttpClientOptions, Optional>> & Pick<HttpClientOptions, Optional>;

  constructor(options: HttpClientOptions = {}) {
    this.opts = {
      connectTimeoutMs: 10_000,
      headersTimeoutMs: 30_000,
      bodyTimeoutMs: 30_000,
      deadlineMs: 60_000,
      maxBodyBytes: MiB,
      retries: 2,
      retryBaseMs: 500,
      strictSSL: true,
      systemCertificates: true,
      ...options,
    };
  }

  /** Sends a request and returns the parsed 2xx answer; anything else throws ApiError. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.method !== 'POST';
    await this.checkTransport(req);
    const deadline = new Deadline(req.deadlineMs ?? this.opts.deadlineMs, req.signal);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.once(req, deadline);
        } catch (err) {
          const wait = idempotent && attempt < this.opts.retries ? this.retryDelay(err, attempt) : undefined;
          if (wait === undefined || deadline.signal.aborted || wait >= deadline.remainingMs()) throw err;
          this.opts.log?.(`${req.method} ${redactUrl(req.url)} retry ${attempt + 1} in ${wait} ms`);
          await sleep(wait, deadline.signal);
          if (deadline.expired) {
            const url = redactUrl(req.url);
            throw new ApiError({ kind: 'timeout', method: req.method, url, code: 'deadline', ambiguous: true });
          }
        }
      }
    } finally {
      deadline.dispose();
    }
  }

  /** Closes the shared connections (on deactivate, or when settings change). */
  async close(): Promise<void> {
    const pending = this.dispatcherPromise;
    this.dispatcherPromise = undefined;
    if (pending && !this.opts.dispatcher) await (await pending).close();
  }

  /** Refuses (or has approved) credentials over plain http to a host that is not loopback. */
  private async checkTransport(req: HttpRequest): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return; // once() reports the invalid URL
    }
    if (!needsPlainHttpConsent(url) || requestSecrets(req).length === 0) return;
    const approved = this.opts.confirmPlainHttp ? await this.opts.confirmPlainHttp(url.origin) : false;
    if (approved) return;
    this.opts.log?.(`${req.method} ${redactUrl(req.url)} refused: credentials over plain http`);
    throw new ApiError({ kind: 'insecure-transport', method: req.method, url: req.url });
  }

  private retryDelay(err: unknown, attempt: number): number | undefined {
    if (!(err instanceof ApiError)) return undefined;
    const retryable =
      err.kind === 'unavailable' ||
      err.kind === 'connection-lost' ||
      (err.kind === 'rate-limited' && err.status === 429);
    if (!retryable) return undefined;
    if (err.retryAfterSeconds !== undefined) {
      // Honour the server; but a wait of minutes is not a retry, it is an error to show.
      return err.retryAfterSeconds <= 30 ? err.retryAfterSeconds * 1000 : undefined;
    }
    const cap = Math.min(8_000, this.opts.retryBaseMs * 2 ** attempt);
    return Math.round(cap / 2 + Math.random() * (cap / 2));
  }

  private async once(req: HttpRequest, deadline: Deadline): Promise<HttpResponse> {
    const started = Date.now();
    const shown = redactUrl(req.url);
    const fail = (init: Omit<ConstructorParameters<typeof ApiError>[0], 'method' | 'url'>) =>
      new ApiError({
        method: req.method,
        url: shown,
        ...init,
        ...(init.kind === 'tls' && { certificateSources: this.certificateSources }),
      });

    let url: URL;
    try {
      url = new URL(req.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    } catch {
      throw fail({ kind: 'invalid-endpoint' });
    }
    if (req.signal?.aborted) throw fail({ kind: 'cancelled' });

    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }

    let res: RawResponse;
    try {
      res = await this.send(url, req.method, headers, body, deadline.signal);
    } catch (err) {
      const proxyStatus = proxyAnswer(err);
      if (proxyStatus !== undefined) {
        const proxy = this.proxyFor(url);
        this.opts.log?.(
          `${req.method} ${shown} failed: proxy ${proxy.proxy ?? '(unknown)'} ${proxyStatus} ${Date.now() - started} ms`,
        );
        throw fail({ kind: proxyStatus === 407 ? 'proxy-auth' : 'proxy-refused', status: proxyStatus, ...proxy });
      }
      const e = transportError(err, req.signal, fail, false, deadline);
      this.opts.log?.(`${req.method} ${shown} failed: ${e.code ?? e.kind} ${Date.now() - started} ms`);
      throw e;
    }

    let text: string;
    try {
      text = await readBody(res, this.opts.maxBodyBytes);
    } catch (err) {
      const e =
        err instanceof BodyTooLarge
          ? fail({ kind: 'response-too-large', status: res.statusCode, ambiguous: true })
          : transportError(err, req.signal, fail, true, deadline);
      this.opts.log?.(
        `${req.method} ${shown} ${res.statusCode} body failed: ${e.code ?? e.kind} ${Date.now() - started} ms`,
      );
      throw e;
    }
    this.opts.log?.(`${req.method} ${shown} ${res.statusCode} ${Date.now() - started} ms`);

    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let parsed: unknown;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (ok) throw fail({ kind: 'bad-response', status: res.statusCode, ambiguous: true, code: 'not JSON' });
      }
    }
    if (ok || req.passStatuses?.includes(res.statusCode))
      return { status: res.statusCode, headers: res.headers, body: parsed };
    throw statusError(res.statusCode, parsed, res.headers, req, fail);
  }

  /** One request, through the shell's fetch or through undici's request API. */
  private async send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<RawResponse> {
    const dispatcher = await this.dispatcher();
    if (this.opts.fetch) {
      const res = await this.opts.fetch(url.href, { method, headers, body, signal, redirect: 'manual', dispatcher });
      const record: RawResponse['headers'] = {};
      res.headers.forEach((value, name) => {
        record[name] = value;
      });
      const stream = res.body ?? (async function* () {})();
      return {
        statusCode: res.status,
        headers: record,
        body: stream,
        discard: () => void (stream as { cancel?: () => Promise<void> }).cancel?.().catch(() => undefined),
      };
    }
    const res = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method,
      headers,
      body,
      signal,
    });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body, discard: () => res.body.destroy() };
  }

  /**
   * The proxy a request to `url` went through, as the dispatcher picks it (the configured one,
   * else HTTPS_PROXY / HTTP_PROXY): its `host:port` only, and whether credentials went to it.
   */
  private proxyFor(url: URL): { proxy?: string; proxyCredentialsSent: boolean } {
    const env = process.env;
    const fromEnv =
      (url.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY) : undefined) ??
      env.http_proxy ??
      env.HTTP_PROXY;
    let proxy: URL | undefined;
    try {
      proxy = new URL(this.opts.proxy?.url ?? fromEnv ?? '');
    } catch {
      proxy = undefined;
    }
    // undici sends the URL's user info only when both user and password are there.
    const inUrl = proxy !== undefined && proxy.username !== '' && proxy.password !== '';
    return { proxy: proxy?.host || undefined, proxyCredentialsSent: Boolean(this.opts.proxyAuthorization) || inUrl };
  }

  private dispatcher(): Promise<Dispatcher> {
    if (this.opts.dispatcher) return Promise.resolve(this.opts.dispatcher);
    // Through VS Code's fetch, VS Code decides whom to trust unless the user named certificates.
    const vscodeTrusts = this.opts.fetch && !namesCertificates(this.opts);
    this.dispatcherPromise ??= (
      vscodeTrusts ? Promise.resolve({ sources: undefined, ca: undefined }) : trustedCertificates(this.opts)
    ).then((trust) => {
      this.certificateSources = trust.sources;
      return createDispatcher(this.opts, trust.ca);
    });
    return this.dispatcherPromise;
  }
}

/** True when the user named certificates to trust: in settings, or as the cloud's `cacert`. */
function namesCertificates(o: Pick<HttpClientOptions, 'caCertificates' | 'cloudCertificates'>): boolean {
  return Boolean(o.caCertificates?.length || o.cloudCertificates);
}

/**
 * Builds the one dispatcher of a client; undici is loaded here, on first use, not on
 * activation. Proxies: the configured one (VS Code's `http.proxy`, `http.noProxy`), else the
 * standard HTTP(S)_PROXY / NO_PROXY environment variables, as VS Code itself honours them.
 */
async function createDispatcher(o: HttpClient['opts'], ca: string[] | undefined): Promise<Dispatcher> {
  const { Agent, EnvHttpProxyAgent } = await import('undici');
  const tls = { ...(ca && { ca }) };
  const common = { headersTimeout: o.headersTimeoutMs, bodyTimeout: o.bodyTimeoutMs, keepAliveTimeout: 30_000 };
  // VS Code's fetch takes the proxy and the OS certificates from VS Code; it reads `ca` from the
  // Agent's options (only an Agent's), and would use it instead of the OS store: give it only
  // when the user named certificates.
  if (o.fetch) {
    return new Agent({ connect: { timeout: o.connectTimeoutMs, ...(namesCertificates(o) ? tls : {}) }, ...common });
  }
  return new EnvHttpProxyAgent({
    connect: { timeout: o.connectTimeoutMs, ...tls },
    requestTls: tls,
    // http.proxyStrictSSL: false lets the proxy's own certificate go unchecked, never the server's.
    proxyTls: { ...tls, rejectUnauthorized: o.strictSSL },
    ...common,
    ...(o.proxy && {
      httpProxy: o.proxy.url,
      httpsProxy: o.proxy.url,
      noProxy: (o.proxy.noProxy ?? []).join(','),
    }),
    // Sent as Proxy-Authorization on CONNECT, in place of the proxy URL's user info.
    ...(o.proxyAuthorization && { token: o.proxyAuthorization }),
  });
}

class BodyTooLarge extends Error {}

async function readBody(res: RawResponse, max: number): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    res.discard();
    throw new BodyTooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      res.discard();
      throw new BodyTooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * True for a plain `http:` URL whose host is not loopback: what goes there crosses the
 * network unencrypted, so credentials need the user's consent.
 */
export function needsPlainHttpConsent(url: URL): boolean {
  return url.protocol === 'http:' && !isLoopbackHost(url.hostname);
}

/**
 * True for `localhost` (and `localhost.`), any 127.0.0.0/8 address, `::1` and IPv4-mapped
 * loopback (`::ffff:127.x.y.z`), as URL parsing spells them (`[::1]`, `127.1` → 127.0.0.1).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost') return true;
  if (/^127(\.\d{1,3}){3}$/.test(host)) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  // IPv4-mapped, as the URL parser writes it: ::ffff:7f00:1 (127.0.0.1) … ::ffff:7fff:ffff
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host) || /^::ffff:127(\.\d{1,3}){3}$/.test(host);
}

/** The total time of one call: `signal` aborts when the caller cancels or the time is up. */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly endsAt: number;
  private readonly onCallerAbort = () => this.controller.abort();
  expired = false;

  constructor(
    ms: number,
    private readonly caller?: AbortSignal,
  ) {
    this.endsAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, ms);
    this.timer.unref?.();
    if (caller?.aborted) this.controller.abort();
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return this.endsAt - Date.now();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
