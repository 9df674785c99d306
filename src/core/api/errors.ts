/**
 * Typed errors of the HTTP clients. The core never words a message for the user: it says
 * what happened (`kind`, `status`, the server's own message) and the shell turns that into
 * a message with actions (src/shell/messages.ts). Nothing here ever holds a token or key material.
 */
import { redactText, redactUrl } from '../base/redact';
import type { CertificateSource } from './trust';

export { redactText, redactUrl } from '../base/redact';

export type ApiErrorKind =
  /** 400 (or 422): the server rejected the request; `serverMessage` says why. */
  | 'bad-request'
  /** 401: the token (or credential) was rejected. */
  | 'unauthorized'
  /** 403: not allowed. */
  | 'forbidden'
  /** 403/413 whose message says the key pair quota is used up. */
  | 'quota'
  /** 404 on a collection or the API root: the endpoint is wrong. */
  | 'endpoint-not-found'
  /** 404 of a named item (GET/DELETE /os-keypairs/{name}). */
  | 'not-found'
  /** 405 */
  | 'method-not-allowed'
  /** 409: e.g. the key pair name is taken. */
  | 'conflict'
  /** 413 (not quota) or 429: too many requests; `retryAfterSeconds` when the server said. */
  | 'rate-limited'
  /** 415 */
  | 'unsupported-media-type'
  /** 406: the requested microversion is not supported. */
  | 'not-acceptable'
  /** 500 and other 5xx but 503. */
  | 'server-error'
  /** 503 */
  | 'unavailable'
  /** Any other unexpected status. */
  | 'unexpected-status'
  /** No answer in time (connect, headers or body). */
  | 'timeout'
  | 'connection-refused'
  | 'dns'
  | 'tls'
  /** The connection broke (reset, closed early). */
  | 'connection-lost'
  /** The answer was not what the API promises: not JSON, or required fields missing. */
  | 'bad-response'
  /** The answer body was larger than the client accepts. */
  | 'response-too-large'
  /** The caller cancelled. */
  | 'cancelled'
  /**
   * The proxy wants credentials (407): none were given (`proxyCredentialsSent` false) or it
   * refused those of `http.proxy` / `http.proxyAuthorization`. Nothing reached the server.
   */
  | 'proxy-auth'
  /** The proxy would not open a tunnel to the server (its answer to CONNECT, `status`, was not 200). */
  | 'proxy-refused'
  /** The endpoint setting is not a usable http(s) URL. */
  | 'invalid-endpoint'
  /**
   * Credentials or a token would have gone over plain http:// to a host that is not
   * loopback, and no one approved it. Nothing was sent.
   */
  | 'insecure-transport';

export interface ApiErrorInit {
  kind: ApiErrorKind;
  method: string;
  /** Redacted URL of the request (see `redactUrl`). */
  url: string;
  status?: number;
  serverMessage?: string;
  retryAfterSeconds?: number;
  /**
   * True when the request may have reached the server and been carried out although no
   * usable answer came back (timeout after sending, connection lost, cancel in flight,
   * unreadable 2xx body). A create that ends like this must be checked on the server.
   */
  ambiguous?: boolean;
  /** Low-level error code (e.g. ECONNREFUSED, CERT_HAS_EXPIRED, UND_ERR_HEADERS_TIMEOUT). */
  code?: string;
  /** 'tls': the certificates the client trusted. */
  certificateSources?: CertificateSource[];
  /** 'proxy-auth', 'proxy-refused': `host:port` of the proxy (any user info is dropped). */
  proxy?: string;
  /** 'proxy-auth': whether credentials were sent to the proxy (then it refused them). */
  proxyCredentialsSent?: boolean;
}

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly serverMessage?: string;
  readonly retryAfterSeconds?: number;
  readonly ambiguous: boolean;
  readonly code?: string;
  readonly certificateSources?: CertificateSource[];
  readonly proxy?: string;
  readonly proxyCredentialsSent?: boolean;

  constructor(given: ApiErrorInit) {
    // Redacted here, whatever the caller passed: no path can put a credential into an error.
    const init: ApiErrorInit = {
      ...given,
      url: redactUrl(given.url),
      serverMessage: given.serverMessage === undefined ? undefined : redactText(given.serverMessage),
      code: given.code === undefined ? undefined : redactText(given.code),
      proxy: given.proxy === undefined ? undefined : redactText(given.proxy.replace(/^.*@/, '')),
    };
    super(describe(init));
    this.name = 'ApiError';
    this.kind = init.kind;
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.ambiguous = init.ambiguous ?? false;
    this.code = init.code;
    if (init.certificateSources) this.certificateSources = init.certificateSources;
    if (init.proxy !== undefined) this.proxy = init.proxy;
    if (init.proxyCredentialsSent !== undefined) this.proxyCredentialsSent = init.proxyCredentialsSent;
  }
}

function describe(init: ApiErrorInit): string {
  const what = `${init.method} ${init.url}`;
  const status = init.status !== undefined ? ` ${init.status}` : '';
  const detail = init.serverMessage ?? init.code ?? (init.proxy && `proxy ${init.proxy}`);
  return `${what}:${status} ${init.kind}${detail ? ` (${detail})` : ''}`;
}
