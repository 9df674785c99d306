// Shared types and small helpers of the emulator.
import * as crypto from 'node:crypto';
import type { ServerBacking } from './servers';

export interface EmulatorOptions {
  host?: string;
  port?: number;
  maxMicroversion?: string;
  quota?: number;
  latencyMs?: number;
  tokens?: string[];
  users?: EmulatorUser[];
  regions?: string[];
  tokenTtlSeconds?: number;
  /**
   * Key pair names compare without regard to case, as in a MySQL database with its default
   * collation: `GET /os-keypairs/MyKey` finds `mykey`, and creating `MyKey` conflicts with it.
   */
  caseInsensitiveNames?: boolean;
  /**
   * Public key types refused on import, as an older Nova refuses what its fingerprinting cannot
   * read (e.g. `['ssh-ed25519']`): 400 "Keypair data is invalid: failed to generate fingerprint".
   */
  refuseKeyTypes?: string[];
  /** Backs created servers with something real (see servers.ts). */
  serverBacking?: ServerBacking;
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP; fixed at start. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface EmulatorUser {
  username: string;
  apiKey?: string;
  password?: string;
  tenantId: string;
  userId?: string;
  defaultRegion?: string;
  mfa?: boolean;
  disabled?: boolean;
  domain?: string;
  project?: string;
  appCredential?: { id: string; secret: string };
}

export type FaultKind =
  | 'stall-before-headers'
  | 'stall-after-headers'
  | 'reset-before-headers'
  | 'reset-mid-body'
  | 'malformed-json'
  | 'oversized-body'
  | 'missing-field'
  | 'wrong-fingerprint'
  | 'foreign-private-key'
  | 'garbage-private-key'
  | 'two-line-public-key';

export const FAULT_KINDS: FaultKind[] = [
  'stall-before-headers',
  'stall-after-headers',
  'reset-before-headers',
  'reset-mid-body',
  'malformed-json',
  'oversized-body',
  'missing-field',
  'wrong-fingerprint',
  'foreign-private-key',
  'garbage-private-key',
  'two-line-public-key',
];

export interface Fault {
  method?: string;
  path?: string | RegExp;
  times?: number;
  when?: 'before' | 'after';
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  kind?: FaultKind;
  field?: string;
  delayMs?: number;
  /** Emulator extension: size of the 'oversized-body' answer in bytes (default 16 MiB). */
  sizeBytes?: number;
  /**
   * Another client creates a key pair while this request (a POST /os-keypairs) is in flight,
   * just before it is handled: `name` defaults to the name in the request body, the public
   * key to a derived ed25519 key. Our request then meets that pair (409 if not replaced).
   */
  otherClient?: { name?: string; publicKey?: string };
  /**
   * The action is carried out this many ms after the (faulty) answer was sent, as a backend
   * that finishes after the gateway gave up. `runLateCommits()` carries out the pending ones at once.
   */
  commitAfterMs?: number;
}

/** Resolved, fully defaulted options. */
export interface ResolvedOptions {
  host: string;
  port: number;
  maxMicroversion: string;
  quota: number;
  latencyMs: number;
  tokens: string[];
  users: ResolvedUser[];
  regions: string[];
  tokenTtlSeconds: number;
  caseInsensitiveNames: boolean;
  refuseKeyTypes: string[];
}

export interface ResolvedUser {
  username: string;
  apiKey?: string;
  password?: string;
  tenantId: string;
  userId: string;
  defaultRegion: string;
  mfa: boolean;
  disabled: boolean;
  domain: string;
  project: string;
  appCredential?: { id: string; secret: string };
}

/** A computed answer. `commit` performs the state change (skipped by 'before' faults). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Performs the action; may return a replacement reply (e.g. a race turned it into 409). */
  commit?: () => Reply | void;
}

export interface RequestInfo {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  baseUrl: string;
}

export const DEFAULT_USER: EmulatorUser = {
  username: 'demo',
  apiKey: 'demo-api-key',
  password: 'demo-password',
  tenantId: '123456',
  defaultRegion: 'DFW',
};

export function defaultUserId(username: string): string {
  return crypto.createHash('md5').update(`user:${username}`).digest('hex');
}

export function resolveUser(u: EmulatorUser, regions: string[]): ResolvedUser {
  return {
    username: u.username,
    apiKey: u.apiKey,
    password: u.password,
    tenantId: u.tenantId,
    userId: u.userId ?? defaultUserId(u.username),
    defaultRegion: u.defaultRegion ?? regions[0] ?? 'RegionOne',
    mfa: !!u.mfa,
    disabled: !!u.disabled,
    domain: u.domain ?? 'Default',
    project: u.project ?? u.tenantId,
    appCredential: u.appCredential,
  };
}

export function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  if (Array.isArray(v)) return v.join(', ');
  return v;
}

export function jsonReply(status: number, obj: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(obj) };
}

export function emptyReply(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers: { ...headers }, body: '' };
}

/** Nova / Rackspace fault envelope names. */
export function faultName(status: number): string {
  switch (status) {
    case 400:
      return 'badRequest';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'itemNotFound';
    case 405:
      return 'badMethod';
    case 409:
      return 'conflictingRequest';
    case 413:
    case 429:
      return 'overLimit';
    case 415:
      return 'badMediaType';
    case 501:
      return 'notImplemented';
    case 503:
      return 'serviceUnavailable';
    default:
      return 'computeFault';
  }
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request.',
  401: 'The request you have made requires authentication.',
  403: 'Policy does not allow this action.',
  404: 'The resource could not be found.',
  409: 'There was a conflict when trying to complete your request.',
  413: 'Over limit.',
  415: 'Unsupported Content-Type',
  429: 'Over limit.',
  500: 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function faultReply(status: number, message?: string, headers: Record<string, string> = {}): Reply {
  const msg = message ?? DEFAULT_MESSAGES[status] ?? `HTTP ${status}`;
  return jsonReply(status, { [faultName(status)]: { code: status, message: msg } }, headers);
}

export const HTML_404 =
  '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>';

/** Unknown route / method: 404, HTML unless the client asked for JSON (as Nova does). */
export function notFoundRoute(info: RequestInfo, extra: Record<string, string> = {}): Reply {
  const accept = header(info.headers, 'accept') ?? '';
  if (/application\/json/i.test(accept)) return faultReply(404, 'The resource could not be found.', extra);
  return { status: 404, headers: { 'Content-Type': 'text/html; charset=UTF-8', ...extra }, body: HTML_404 };
}

/** Nova's created_at style: 2014-05-07T12:06:13.681238 (naive UTC, microseconds). */
export function novaTimestamp(d: Date = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000');
}

/** Python repr() of a JSON value, as jsonschema messages print them. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') {
    const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
    let out = '';
    for (const ch of v) {
      if (ch === '\\') out += '\\\\';
      else if (ch === quote) out += '\\' + ch;
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)
        out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
      else out += ch;
    }
    return quote + out + quote;
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (typeof v === 'object') {
    return (
      '{' +
      Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
        .join(', ') +
      '}'
    );
  }
  return String(v);
}

/** `%s` formatting of a value in Python (strings unquoted). */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

export function requestId(): string {
  return 'req-' + crypto.randomUUID();
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function sha256Short(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex').slice(0, 12);
}

/** How secret header values appear in the request log: `redacted:sha256=<first 12 hex>`. */
export function redactedToken(token: string): string {
  return `redacted:sha256=${sha256Short(token)}`;
}
