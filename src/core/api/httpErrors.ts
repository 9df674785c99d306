/**
 * How a failed HTTP call becomes an ApiError: a failure of the connection (refused, DNS,
 * timeouts, TLS, a proxy that would not open the tunnel) or an answer's status (Nova's and
 * Keystone's error bodies, Retry-After). The client (./http.ts) calls these; the wording of
 * each kind is in src/core/wording.
 */
import { requestSecrets, scrubSecrets, SecretCarrier } from '../base/redactRequest';
import { ApiError, ApiErrorKind } from './errors';

/** Builds the ApiError of the failed call (its method and redacted URL filled in). */
export type Fail = (init: Omit<ConstructorParameters<typeof ApiError>[0], 'method' | 'url'>) => ApiError;

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Maps a failure of the connection (not an HTTP status) to an ApiError. */
export function transportError(
  err: unknown,
  signal: AbortSignal | undefined,
  fail: Fail,
  afterHeaders = false,
  /** The call's deadline: `expired` once its total time ran out. */
  deadline?: { readonly expired: boolean },
): ApiError {
  if (err instanceof ApiError) return err;
  const code = errorCode(err);
  // The call's total time ran out (the caller did not cancel): the request may have been carried out.
  if (deadline?.expired && !signal?.aborted) return fail({ kind: 'timeout', code: 'deadline', ambiguous: true });
  if (signal?.aborted || code === 'UND_ERR_ABORTED' || (err as Error)?.name === 'AbortError') {
    return fail({ kind: 'cancelled', ambiguous: true, code: undefined });
  }
  switch (code) {
    case 'ECONNREFUSED':
      return fail({ kind: 'connection-refused', code });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return fail({ kind: 'dns', code });
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return fail({ kind: 'timeout', code, ambiguous: afterHeaders });
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return fail({ kind: 'timeout', code, ambiguous: true });
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return fail({ kind: 'tls', code });
  }
  return fail({ kind: 'connection-lost', code: code ?? 'unknown', ambiguous: true });
}

/** The most specific `code` in an error's cause chain. */
function errorCode(err: unknown): string | undefined {
  let found: string | undefined;
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') found = e.code;
    else if (typeof e.code === 'string' && !found) found = e.code;
  }
  return found;
}

/** The `message` of a Nova (`{"badRequest":{…}}`) or Keystone (`{"error":{…}}`) error body. */
export function serverMessage(body: unknown): { envelope?: string; message?: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const keys = Object.keys(body);
  const envelope = keys[0];
  if (keys.length !== 1 || envelope === undefined) return {};
  const inner = (body as Record<string, unknown>)[envelope];
  const message = inner && typeof inner === 'object' ? (inner as Record<string, unknown>).message : undefined;
  return { envelope, message: typeof message === 'string' ? message.slice(0, 500) : undefined };
}

/**
 * The ApiError for a non-2xx answer: its kind by status (and Nova's error envelope), the
 * server's message with every credential the request carried scrubbed out, Retry-After.
 */
export function statusError(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
  req: SecretCarrier & { item?: boolean },
  fail: Fail,
): ApiError {
  const { envelope, message: quoted } = serverMessage(body);
  // Servers quote invalid input in their messages: never let one quote our credentials back.
  const message = quoted === undefined ? undefined : scrubSecrets(quoted, requestSecrets(req));
  const retryAfterSeconds = parseRetryAfter(headers['retry-after']);
  const quota = message !== undefined && /quota|too many key ?pairs/i.test(message);
  let kind: ApiErrorKind;
  switch (status) {
    case 400:
    case 422:
      kind = 'bad-request';
      break;
    case 401:
      kind = 'unauthorized';
      break;
    case 403:
      kind = quota ? 'quota' : 'forbidden';
      break;
    case 404:
      kind = req.item && envelope === 'itemNotFound' ? 'not-found' : 'endpoint-not-found';
      break;
    case 405:
      kind = 'method-not-allowed';
      break;
    case 406:
      kind = 'not-acceptable';
      break;
    case 409:
      kind = 'conflict';
      break;
    case 413:
      kind = quota ? 'quota' : 'rate-limited';
      break;
    case 415:
      kind = 'unsupported-media-type';
      break;
    case 429:
      kind = 'rate-limited';
      break;
    case 503:
      kind = 'unavailable';
      break;
    default:
      kind = status >= 500 ? 'server-error' : 'unexpected-status';
  }
  // A gateway or server failure may come after the server acted on a POST.
  const ambiguous = status >= 500;
  return fail({ kind, status, serverMessage: message, retryAfterSeconds, ambiguous });
}

/**
 * The status a proxy answered instead of opening the tunnel (undici reports it as an abort:
 * "Proxy response (407) !== 200 when HTTP Tunneling"), or 407 from an HTTP/1 proxy wrapper.
 * A 407 that arrives as the answer itself (through an open tunnel) came from beyond the
 * configured proxy: it stays an 'unexpected-status'.
 */
export function proxyAnswer(err: unknown): number | undefined {
  for (let e = err as { message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    const message = typeof e.message === 'string' ? e.message : '';
    // undici's words; VS Code's proxy agent mimics them ("?.==" in its build of 1.139).
    const tunnel = /^Proxy response \((\d{3})\) (!|\?\.)== 200 when HTTP Tunneling$/.exec(message);
    if (tunnel) return Number(tunnel[1]);
    if (message === 'Proxy Authentication Required (407)') return 407;
    e = e.cause as typeof e;
  }
  return undefined;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
